"""One 10,000-line batch from another system does not stop the city.

The demo city behind gunicorn, as the README deploys it, on the suite's database kind: the embedded SQLite
(where one batch once held the only write lock for a minute), or a PostgreSQL database of its own beside
the test database when the suite runs on PostgreSQL. While the batch is applied, clerks open and accept cases
through the API and visitors read pages. No request fails, none answers "database is locked", no write
waits over a second; then the batch is sent again, and again after the server is killed (-9) in the
middle of it, and every event is stored and applied exactly once.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

BATCH_CASES = 2500  # four events each: 10,000 lines
HAPPY = [
    ("accept", "张三", "pass"),
    ("review", "李四", "pass"),
    ("decide", "王五", "grant"),
    ("deliver", "张三", "done"),
]
BIN = Path(sys.executable).parent
WRITE_WAIT_LIMIT = 1.0  # seconds
WORKER_TIMEOUT = 120  # gunicorn's --timeout in the README's production section
# The batch's own events (the demo has history from other sources).
LOAD_EVENTS = (
    "SELECT COUNT(*) FROM cases_ingestedevent WHERE source_id = "
    "(SELECT id FROM cases_ingestsource WHERE name = 'load')"
)


def batch(city: City) -> bytes:
    """10,000 lines dated just before the server's day, whatever day or year the suite runs."""
    first = city.today() - dt.timedelta(days=10)  # four events on four days, all in the past
    lines = []
    for number in range(BATCH_CASES):
        for seq, (step, person, outcome) in enumerate(HAPPY, 1):
            lines.append(
                json.dumps(
                    {
                        "source": "load",
                        "case_id": f"LOAD-{number:05d}",
                        "seq": seq,
                        "power_code": "MZJ001",
                        "step": step,
                        "action": "complete",
                        "person": person,
                        "time": f"{first + dt.timedelta(days=seq)}T{9 + number % 8:02d}:{number % 60:02d}:00+08:00",
                        "outcome": outcome,
                    },
                    ensure_ascii=False,
                )
            )
    return "\n".join(lines).encode()


@dataclass
class City:
    var: Path
    env: dict[str, str]
    database_url: str = ""  # a PostgreSQL database of its own; "" for SQLite under var/
    port: int = 0
    server: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def liuquan(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "liuquan"), *args], env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "liuquan.wsgi",
                "--workers",
                "3",
                "--timeout",
                str(WORKER_TIMEOUT),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.var / "gunicorn.log", "ab"),  # noqa: SIM115 - the server process owns it
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start")

    def kill(self) -> None:
        assert self.server is not None
        os.killpg(self.server.pid, signal.SIGKILL)  # the master and every worker, mid-request
        self.server.wait(timeout=30)

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        token: str = "",
        kind: str = "application/json",
    ) -> tuple[int, bytes, float]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Content-Type": kind}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(), time.perf_counter() - started
        finally:
            connection.close()

    def today(self) -> dt.date:
        """The day on the server's clock: asked of a process with the server's environment (this one's
        clock is the tests' fixed instant, and CI may move the machine's)."""
        found = subprocess.check_output(["date", "+%F"], env=self.env, text=True)
        return dt.date.fromisoformat(found.strip())

    def count(self, sql: str) -> int:
        if self.database_url:
            with psycopg.connect(self.database_url, autocommit=True) as database:
                found = database.execute(sql).fetchone()
                assert found is not None
                return int(found[0])
        with sqlite3.connect(self.var / "liuquan.sqlite3", timeout=30) as database:
            return int(database.execute(sql).fetchone()[0])


@contextmanager
def own_database() -> Iterator[str]:
    """A PostgreSQL database for the server when the suite runs on PostgreSQL (made beside the test
    database, dropped afterwards); "" on SQLite."""
    url = os.environ.get("LIUQUAN_DATABASE_URL", "")
    if not url:
        yield ""
        return
    parts = urlsplit(url)
    name = f"liuquan_load_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def city(tmp_path: Path) -> Iterator[City]:
    with own_database() as url:
        yield from _city(tmp_path, url)


def _city(tmp_path: Path, url: str) -> Iterator[City]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LIUQUAN_", "FAKETIME", "LD_PRELOAD"))
    }
    env["LIUQUAN_VAR_DIR"] = str(tmp_path)
    if url:
        env["LIUQUAN_DATABASE_URL"] = url
    city = City(var=tmp_path, env=env, database_url=url)
    city.liuquan("migrate", "--no-input", "-v0")
    city.liuquan("demo")
    line = city.liuquan("cases", "add-source", "--name", "load", "--unit", "140700-MZJ")
    city.tokens["source"] = line.split("token: ")[1].split()[0]
    city.tokens["clerk"] = city.liuquan("token", "create", "--user", "jingban").strip()
    try:
        yield city
    finally:
        city.stop()


@dataclass
class Traffic:
    """Clerks opening and accepting cases and visitors reading pages, until told to stop."""

    city: City
    stop: threading.Event = field(default_factory=threading.Event)
    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def clerk(self) -> None:
        token = self.city.tokens["clerk"]
        while not self.stop.is_set():
            applicant = {"unit": "140700-MZJ", "power": "MZJ001", "applicant": {"name": "并发申请人"}}
            status, body, seconds = self.city.request(
                "POST", "/api/v1/cases", json.dumps(applicant).encode(), token=token
            )
            self.note(status, body, seconds, 201, self.writes)
            if status != 201:
                continue
            case_id = json.loads(body)["id"]
            advance = json.dumps({"step": "accept", "outcome": "pass"}).encode()
            status, body, seconds = self.city.request(
                "POST", f"/api/v1/cases/{case_id}/advance", advance, token=token
            )
            self.note(status, body, seconds, 200, self.writes)

    def visitor(self) -> None:
        token = self.city.tokens["clerk"]
        while not self.stop.is_set():
            for path, auth in (
                ("/powers/140700-MZJ/", ""),
                ("/api/v1/units/140700-MZJ", ""),
                ("/api/v1/me", token),
            ):
                status, body, seconds = self.city.request("GET", path, token=auth)
                self.note(status, body, seconds, 200, self.reads)

    def note(self, status: int, body: bytes, seconds: float, expected: int, into: list[float]) -> None:
        into.append(seconds)
        if status != expected or b"database is locked" in body:
            self.failures.append(f"{status}: {body[:200]!r}")

    @contextmanager
    def running(self) -> Iterator[None]:
        threads = [threading.Thread(target=self.clerk), threading.Thread(target=self.visitor)]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=120)


def send(city: City, body: bytes) -> tuple[int, dict[str, object], float]:
    status, answer, seconds = city.request(
        "POST", "/api/v1/ingest/events", body, token=city.tokens["source"], kind="application/x-ndjson"
    )
    return status, json.loads(answer) if status == 200 else {"body": answer[:300].decode()}, seconds


def applied_exactly_once(city: City) -> None:
    assert city.count(LOAD_EVENTS) == 4 * BATCH_CASES
    assert city.count(LOAD_EVENTS + " AND NOT applied") == 0
    assert (
        city.count("SELECT COUNT(*) FROM cases_case WHERE external_id LIKE 'LOAD-%' AND status = 'done'")
        == BATCH_CASES
    )
    assert (
        city.count(
            "SELECT COUNT(*) FROM cases_casestep s JOIN cases_case c ON c.id = s.case_id WHERE c.external_id LIKE 'LOAD-%'"
        )
        == 4 * BATCH_CASES
    )
    verify = json.loads(city.liuquan("ledger", "verify", "--json"))
    assert verify["findings"] == []


def test_a_10000_line_batch_never_blocks_other_writers_and_lands_exactly_once(city):
    body = batch(city)
    assert body.count(b"\n") + 1 == 10_000
    city.start()
    traffic = Traffic(city)
    with traffic.running():
        time.sleep(1)  # the clerks and visitors are at work before the batch arrives
        status, answer, seconds = send(city, body)
    assert status == 200, answer
    assert answer == {"accepted": 10_000, "duplicates": 0, "rejected": [], "flagged": []}
    assert seconds < WORKER_TIMEOUT / 2  # well within the worker timeout the README deploys with
    assert traffic.failures == []
    assert len(traffic.writes) > 10 and len(traffic.reads) > 10
    assert max(traffic.writes) <= WRITE_WAIT_LIMIT, sorted(traffic.writes)[-5:]
    applied_exactly_once(city)
    # Sent again by a retrying client: nothing new.
    status, answer, _ = send(city, body)
    assert answer == {"accepted": 0, "duplicates": 10_000, "rejected": [], "flagged": []}
    applied_exactly_once(city)


def test_a_batch_cut_by_kill_9_completes_exactly_once_when_sent_again(city):
    body = batch(city)
    city.start()
    result: list[object] = []
    sender = threading.Thread(target=lambda: result.append(_send_quietly(city, body)))
    sender.start()
    deadline = time.monotonic() + 60
    while city.count(LOAD_EVENTS) < 2000 and time.monotonic() < deadline:
        time.sleep(0.05)
    city.kill()
    sender.join(timeout=60)
    stored = city.count(LOAD_EVENTS)
    assert 0 < stored < 10_000, stored  # cut in the middle
    assert stored % 4 == 0  # whole cases only: a chunk is all or nothing
    assert city.count(LOAD_EVENTS + " AND NOT applied") == 0
    city.start()
    status, answer, _ = send(city, body)
    assert status == 200 and answer == {
        "accepted": 10_000 - stored,
        "duplicates": stored,
        "rejected": [],
        "flagged": [],
    }
    applied_exactly_once(city)


def _send_quietly(city: City, body: bytes) -> object:
    try:
        return send(city, body)
    except (OSError, http.client.HTTPException) as cut:  # the server died under the request
        return cut
