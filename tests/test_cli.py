"""`loquent-desktop --sandbox --screenshot` as a user (or an installer smoke test) runs it:
a separate process, a real keychain, the emulator, a PNG, exit 0, and no secret left in any
file of the app's folders."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from loquent_desktop.sandbox import SandboxState, seed_demo
from loquent_desktop.secrets.store import SANDBOX_SERVICE
from tests.conftest import REAL_KEYCHAIN


def run_app(
    home: Path, *args: str, fixed_credentials: bool = False
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LOQUENT_HOME=str(home))
    if fixed_credentials:
        env["LOQUENT_SANDBOX_FIXED_CREDENTIALS"] = "1"
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.run(
        [sys.executable, "-m", "loquent_desktop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def sandbox_keychain_entries(delete: bool = False) -> list[str]:
    """Every item the real Secret Service holds for the sandbox's service name (removed with
    `delete`: they are throw-away demo credentials)."""
    import secretstorage

    with closing(secretstorage.dbus_init()) as bus:
        collection = secretstorage.get_default_collection(bus)
        items = list(collection.search_items({"service": SANDBOX_SERVICE}))
        names = [item.get_attributes().get("username", "?") for item in items]
        if delete:
            for item in items:
                item.delete()
        return names


def test_help_lists_the_documented_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loquent_desktop", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    for flag in ("--sandbox", "--screenshot", "--database-url", "--twilio-base-url"):
        assert flag in result.stdout


@pytest.mark.keychain
@pytest.mark.skipif(not REAL_KEYCHAIN, reason="needs a real Secret Service keychain")
def test_sandbox_screenshot_exits_0_and_leaves_no_secret_on_disk(tmp_path: Path) -> None:
    home = tmp_path / "home"
    png = tmp_path / "shot.png"
    sandbox_keychain_entries(delete=True)  # left by an older run: start from none
    result = run_app(home, "--sandbox", "--screenshot", str(png), fixed_credentials=True)
    assert result.returncode == 0, result.stderr[-2000:]

    image = QImage(str(png))
    assert image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, 200, 7)}
    assert len(colours) > 5  # a painted window, not a blank grab

    # The app ran with the fixed demo tokens; seeding the same way here tells us what they are.
    seed = seed_demo(SandboxState(), numbers=1, fixed_credentials=True)
    secrets = [seed.auth_token, seed.shared_auth_token]
    # ... and it removed them from the keychain when it quit.
    assert sandbox_keychain_entries() == []
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "sandbox.sqlite3" for p in files)
    assert any(p.suffix == ".log" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, f"secret found in {path}"
    log = (home / "logs" / "loquent-desktop.log").read_text()
    assert "Connected organization" in log
    assert "AC••••••••" in log


def test_bad_database_url_is_reported_not_a_traceback(tmp_path: Path) -> None:
    result = run_app(
        tmp_path / "home",
        "--database-url",
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "--screenshot",
        str(tmp_path / "x.png"),
    )
    assert result.returncode == 1
    assert "Could not open the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_http_to_another_host_is_refused_before_anything_starts(tmp_path: Path) -> None:
    result = run_app(tmp_path / "home", "--twilio-base-url", "http://proxy.example.com:8080")
    assert result.returncode == 2
    assert "unencrypted" in result.stderr
