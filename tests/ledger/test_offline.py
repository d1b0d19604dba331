"""The offline verifier `liuquan-verify`: one line out, exit 0/1/2, never a traceback, never Django.

The byte-flip tests change every byte of a real receipt and require a FAIL with a reason each time.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from liuquan.ledger.note import Signer, generate_signer
from liuquan.ledger.offline import KEY_ENV, main
from tests.ledger.test_receipt import ORIGIN, build

SCRIPT = Path(sys.executable).parent / "liuquan-verify"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return generate_signer(ORIGIN)


@pytest.fixture(scope="module")
def receipt_text(signer: Signer) -> str:
    return build(13, 6, signer).text


@pytest.fixture
def files(
    tmp_path: Path, receipt_text: str, signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    monkeypatch.delenv(KEY_ENV, raising=False)
    receipt = tmp_path / "entry-6.tlog-proof"
    receipt.write_text(receipt_text, encoding="utf-8")
    key = tmp_path / "ledger.vkey"
    key.write_text(signer.verifier_key + "\n", encoding="utf-8")
    return receipt, key


ENTRY = """entry '{"act":"发布权力清单","by":"p0006","seq":6}'"""  # what the entry says, quoted
OK_SIGNED = f"OK: entry 6 is in {ORIGIN} at size 13; signature by {ORIGIN} verified; {ENTRY}\n"
OK_UNSIGNED = f"OK: entry 6 is in {ORIGIN} at size 13; signature NOT checked (give --key); {ENTRY}\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_fail_line(code: int, out: str, err: str) -> str:
    assert code == 1, (out, err)
    assert out == ""
    assert err.startswith("FAIL: ") and err.endswith("\n") and err.count("\n") == 1, err
    reason = err[len("FAIL: ") : -1]
    assert reason and not reason.startswith("internal error"), err
    return reason


# --- Success -----------------------------------------------------------------------------------------


def test_ok_with_key_string(
    files: tuple[Path, Path], signer: Signer, capsys: pytest.CaptureFixture[str]
) -> None:
    receipt, _ = files
    assert run(capsys, str(receipt), "--key", signer.verifier_key) == (0, OK_SIGNED, "")


def test_ok_with_key_file(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    receipt, key = files
    assert run(capsys, str(receipt), f"--key=@{key}") == (0, OK_SIGNED, "")


def test_ok_with_env_key(
    files: tuple[Path, Path],
    signer: Signer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receipt, key = files
    monkeypatch.setenv(KEY_ENV, signer.verifier_key)
    assert run(capsys, str(receipt)) == (0, OK_SIGNED, "")
    monkeypatch.setenv(KEY_ENV, f"@{key}")
    assert run(capsys, str(receipt)) == (0, OK_SIGNED, "")
    # --key wins over the environment.
    code, out, err = run(capsys, str(receipt), "--key", generate_signer("other.example").verifier_key)
    assert "no signature by a known key" in assert_one_fail_line(code, out, err)


def test_empty_env_key_counts_as_unset(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "")
    assert run(capsys, str(files[0]), "--no-key") == (0, OK_UNSIGNED, "")


def test_ok_without_key_says_signature_not_checked(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, str(files[0]), "--no-key") == (0, OK_UNSIGNED, "")


def test_no_key_at_all_is_a_usage_error_unless_asked_for(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(files[0]))
    assert code == 2 and out == "" and err.startswith("usage error: no verifier key") and err.count("\n") == 1


def test_receipt_from_stdin(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt, key = files
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(receipt.read_bytes())))
    assert run(capsys, "-", "--key", f"@{key}") == (0, OK_SIGNED, "")


# --- Failures and usage ------------------------------------------------------------------------------


def test_unreadable_inputs_are_fail_lines(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipt, _ = files
    reason = assert_one_fail_line(*run(capsys, str(tmp_path / "missing.tlog-proof"), "--no-key"))
    assert reason.startswith("cannot read receipt ") and reason.endswith("No such file or directory")
    reason = assert_one_fail_line(*run(capsys, str(tmp_path), "--no-key"))
    assert reason.startswith("cannot read receipt ") and "directory" in reason
    reason = assert_one_fail_line(*run(capsys, str(receipt), "--key", f"@{tmp_path / 'missing.vkey'}"))
    assert reason.startswith("cannot read key file ")
    (tmp_path / "binary.vkey").write_bytes(b"\xff\xfe")
    reason = assert_one_fail_line(*run(capsys, str(receipt), "--key", f"@{tmp_path / 'binary.vkey'}"))
    assert "key file is not valid UTF-8" in reason and reason.endswith("(from --key)")
    (tmp_path / "binary.tlog-proof").write_bytes(b"\x00\xff" * 10)
    reason = assert_one_fail_line(*run(capsys, str(tmp_path / "binary.tlog-proof"), "--no-key"))
    assert reason.startswith("receipt line 1:")


def test_bad_key_is_a_fail_line(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt, _ = files
    reason = assert_one_fail_line(*run(capsys, str(receipt), "--key", "not-a-key"))
    assert reason == "verifier key must look like name+<8 hex digit key id>+<base64 key> (from --key)"
    monkeypatch.setenv(KEY_ENV, "a+00000000+AQ==")
    reason = assert_one_fail_line(*run(capsys, str(receipt)))
    assert reason.startswith("verifier key: Ed25519 key is 0 bytes") and reason.endswith(f"(from ${KEY_ENV})")


def test_tampered_receipt_names_the_layer(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    receipt, key = files
    receipt.write_text(receipt.read_text().replace("index 6", "index 7"))
    reason = assert_one_fail_line(*run(capsys, str(receipt), "--key", f"@{key}"))
    assert reason == "inclusion proof: computed root differs from the expected root"


@pytest.mark.parametrize("argv", [[], ["a", "b"], ["--bogus", "x"], ["x", "--key"]])
def test_usage_errors_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("usage error: ") and err.count("\n") == 1
    assert "liuquan-verify RECEIPT (--key VERIFIER_KEY | --no-key)" in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and KEY_ENV in out


# --- Every byte of the receipt -----------------------------------------------------------------------


def _flipped(data: bytes, position: int, mask: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= mask
    return bytes(changed)


@pytest.mark.parametrize("mask", [0x01, 0x80])
def test_every_changed_byte_fails_with_key(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], mask: int
) -> None:
    receipt, key = files
    data = receipt.read_bytes()
    target = tmp_path / "changed.tlog-proof"
    layers: set[str] = set()
    for position in range(len(data)):
        target.write_bytes(_flipped(data, position, mask))
        reason = assert_one_fail_line(*run(capsys, str(target), "--key", f"@{key}"))
        layers.add(reason.split(":")[0].split(" (")[0].rstrip("0123456789 "))
    # The flips must exercise every layer, not fail early for one trivial reason.
    # With 0x80 every ASCII byte becomes invalid UTF-8, so only the first layer can answer.
    expected = (
        {"receipt line", "checkpoint", "signature", "inclusion proof"} if mask == 0x01 else {"receipt line"}
    )
    assert layers == expected, layers


def test_every_truncation_fails(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipt, key = files
    data = receipt.read_bytes()
    target = tmp_path / "short.tlog-proof"
    for length in range(len(data)):
        target.write_bytes(data[:length])
        assert_one_fail_line(*run(capsys, str(target), "--key", f"@{key}"))


def test_without_key_only_unsigned_claims_can_change(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without a key nothing vouches for the checkpoint, so the origin and signature lines can be
    # altered unnoticed, and so can the tree size: an inclusion proof fixes only the shape of the path,
    # which neighbouring sizes share (index 6 has the same path in trees of 12 and 13 leaves). The
    # entry, index, proof and root must still be caught.
    receipt, _ = files
    data = receipt.read_bytes()
    origin_start = data.index(b"\n\n") + 2
    size_end = data.index(b"\n", data.index(b"\n", origin_start) + 1)
    signatures_start = data.rindex(b"\n\n") + 2
    target = tmp_path / "changed.tlog-proof"
    passed = []
    for position in range(len(data)):
        target.write_bytes(_flipped(data, position, 0x01))
        code, out, err = run(capsys, str(target), "--no-key")
        if code == 0:
            assert "signature NOT checked (give --key)" in out and err == ""
            passed.append(position)
        else:
            assert_one_fail_line(code, out, err)
    assert passed
    for position in passed:
        assert origin_start <= position < size_end or signatures_start <= position < len(data) - 1, position


# --- Real processes ----------------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "LIUQUAN"))}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def test_module_entry_point(files: tuple[Path, Path], signer: Signer, tmp_path: Path) -> None:
    receipt, key = files
    command = [sys.executable, "-m", "liuquan.ledger.offline"]
    done = subprocess.run(
        [*command, str(receipt), "--key", signer.verifier_key],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=tmp_path,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, OK_SIGNED, "")
    data = receipt.read_bytes()
    target = tmp_path / "changed.tlog-proof"
    # A sample through a real interpreter: the in-process tests above cover every byte.
    for position in range(0, len(data), max(1, len(data) // 12)):
        target.write_bytes(_flipped(data, position, 0x01))
        done = subprocess.run(
            [*command, str(target), "--key", f"@{key}"],
            capture_output=True,
            text=True,
            env=_clean_env(),
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 1 and done.stdout == ""
        assert_one_fail_line(done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr


def test_installed_console_script(files: tuple[Path, Path], tmp_path: Path) -> None:
    if not SCRIPT.exists():
        pytest.skip("liuquan-verify not installed (pip install -e .)")
    receipt, key = files
    env = _clean_env()
    done = subprocess.run(
        [str(SCRIPT), str(receipt), "--key", f"@{key}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, OK_SIGNED, "")
    done = subprocess.run(
        [str(SCRIPT), "-", "--no-key"],
        input=receipt.read_text(),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, OK_UNSIGNED, "")
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert done.returncode == 2 and done.stderr.startswith("usage error: ") and done.stderr.count("\n") == 1


def test_offline_verifier_imports_neither_django_nor_settings(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    receipt, key = files
    code = (
        "import sys\n"
        "import liuquan.ledger.offline as offline\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'liuquan.settings')))\n"
        "assert not bad, bad\n"
        f"status = offline.main([{str(receipt)!r}, '--key', {'@' + str(key)!r}])\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith(('django.', 'liuquan.settings')))\n"
        "assert not bad, bad\n"
        "raise SystemExit(status)\n"
    )
    # -I: no PYTHON* variables, no user site, and not the project directory on sys.path; the package
    # comes from the venv's installation, as on a citizen's machine.
    done = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=tmp_path,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, OK_SIGNED, "")


def test_a_liuquan_record_is_named_with_the_state_verified() -> None:
    from liuquan.ledger.offline import _describe

    leaf = (
        '{"action":"org.rename_unit","actor":"p-1","index":7,"private":null,"state":{"name":"乙"},'
        '"subject":{"id":"7","type":"org.Unit"},"time":"2026-06-10T10:00:00+08:00","v":1}'
    ).encode()
    assert _describe(leaf) == (
        "record 'org.Unit':'7', 'org.rename_unit' at '2026-06-10T10:00:00+08:00', state '{\"name\":\"乙\"}'"
    )
    sealed = leaf.replace('{"name":"乙"}'.encode(), b'{"sealed":true}')
    assert _describe(sealed).endswith("""state '{"sealed":true}'""")
    assert _describe(b"\xff") == "entry of 1 bytes (not JSON)"
