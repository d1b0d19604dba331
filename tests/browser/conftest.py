"""Fixtures for the browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server.

Only /usr/bin/chromium (the Debian package) is ever launched, never a browser downloaded by Playwright.
When it is missing the tests are skipped with a reason, except under CI (CI=true), where they fail:
continuous integration must really run them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from liuquan.core.testing import PASSWORD, World, build_world
from liuquan.org import actions

from .helpers import STEWARD

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright

# Playwright's sync API keeps an asyncio event loop in the main thread; without this Django's ORM
# (used by the test code and the in-process live server) refuses to run beside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


def _unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where the browser tests must run."""
    if in_ci():
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a test dependency
        _unavailable(f"the playwright package is not importable ({exc})")
        raise
    # Playwright's driver and the browser run on the machine's own clock. The tests' clock is Python's
    # (tests/clock.py); CI's third run moves the machine's clock with libfaketime for this process, which
    # neither Node nor Chromium runs well under, and their clock is not what the tests check.
    moved = {
        name: os.environ.pop(name)
        for name in list(os.environ)
        if name.startswith("FAKETIME") or (name == "LD_PRELOAD" and "faketime" in os.environ[name])
    }
    try:
        manager = sync_playwright().start()
    finally:
        os.environ.update(moved)
    try:
        yield manager
    finally:
        manager.stop()


@pytest.fixture
def browser_context(
    playwright_session: Playwright, live_server: Any, tmp_path: Path
) -> Iterator[BrowserContext]:
    """A fresh Chromium with its own profile directory for each test, speaking Chinese like our users."""
    context = playwright_session.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    # Every page of every browser test runs under the site's Content-Security-Policy: a violation (an
    # inline script or handler, a library evaluating code, a resource from elsewhere) fails the test.
    refused: list[str] = []
    context.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        yield context
    finally:
        context.close()
    assert refused == [], "the Content-Security-Policy refused: " + " | ".join(refused)


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.pages[0] if browser_context.pages else browser_context.new_page()


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """build_world() plus a data steward, committed so the live server thread can see it."""
    world = build_world()
    world.people[STEWARD] = actions.do_create_person(
        actor=world.system,
        username=STEWARD,
        full_name="测试数据管理员",
        unit=None,
        password=PASSWORD,
        is_superuser=True,
    )
    return world
