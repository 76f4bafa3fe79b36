"""The one start-up path: the command line's options, and `start_app` building the context
(emulator, routing, keychain, database) and taking it all down again."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from loquent_desktop.app import SandboxOptions, StartOptions, StartupFailed, start_app
from loquent_desktop.cli import parse_args, start_options
from loquent_desktop.domain.errors import InvalidInput
from loquent_desktop.paths import AppPaths
from loquent_desktop.sandbox import start_emulator
from loquent_desktop.secrets.store import SHARED_KEY
from loquent_desktop.settings import Settings


def emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "loquent-sandbox" and t.is_alive()]


def test_command_line_becomes_start_options(tmp_path: Path) -> None:
    env = {"LOQUENT_HOME": str(tmp_path), "LOQUENT_SANDBOX_FIXED_CREDENTIALS": "1"}
    options = start_options(parse_args(["--sandbox", "--sandbox-numbers", "7"]), env)
    assert options.paths.sandbox and options.paths.data_dir == tmp_path / "data"
    assert options.sandbox == SandboxOptions(numbers=7, fixed_credentials=True)
    assert options.secrets is None  # the OS keychain, chosen by start_app

    args = parse_args(["--twilio-base-url", "https://twilio.example.org/", "--database-url", "x"])
    options = start_options(args, {"LOQUENT_HOME": str(tmp_path)})
    assert options.sandbox is None and not options.paths.sandbox
    assert options.settings.twilio_base_url == "https://twilio.example.org"
    assert options.settings.database_url == "x"


def test_an_unencrypted_remote_target_is_refused_before_anything_starts(tmp_path: Path) -> None:
    args = parse_args(["--twilio-base-url", "http://proxy.example.com:8080"])
    with pytest.raises(InvalidInput, match="unencrypted"):
        start_options(args, {"LOQUENT_HOME": str(tmp_path)}).check()


def test_sandbox_start_routes_to_the_emulator_and_close_takes_it_all_down(
    qloop, tmp_path: Path, secret_store
) -> None:  # type: ignore[no-untyped-def]
    before = len(emulator_threads())
    options = StartOptions(
        AppPaths.under(tmp_path, sandbox=True),
        Settings(twilio_base_url="https://ignored.example.org"),
        sandbox=SandboxOptions(numbers=3, messages=5, calls=5),
        secrets=secret_store,
    )
    context = qloop.run_until_complete(start_app(options))
    try:
        assert context.is_sandbox and context.sandbox is not None
        assert context.twilio_redirect == context.sandbox.base_url.removeprefix("http://")
        assert context.paths.database_file.name == "sandbox.sqlite3"
        assert len(emulator_threads()) == before + 1
        shared = context.sandbox.shared_credentials
        qloop.run_until_complete(context.connection.connect_shared(shared))
        assert secret_store.get_credentials(SHARED_KEY) is not None
    finally:
        qloop.run_until_complete(context.aclose())
    assert secret_store.get_credentials(SHARED_KEY) is None  # demo secrets forgotten
    assert len(emulator_threads()) == before


def test_real_twilio_has_no_redirect(qloop, tmp_path: Path, secret_store) -> None:  # type: ignore[no-untyped-def]
    options = StartOptions(AppPaths.under(tmp_path), Settings(), secrets=secret_store)
    context = qloop.run_until_complete(start_app(options))
    try:
        assert context.twilio_redirect is None and not context.is_sandbox
    finally:
        qloop.run_until_complete(context.aclose())


def test_a_database_that_cannot_open_stops_the_emulator_again(
    qloop, tmp_path: Path, secret_store
) -> None:  # type: ignore[no-untyped-def]
    before = len(emulator_threads())
    options = StartOptions(
        AppPaths.under(tmp_path),  # not the sandbox's paths: the database URL is used
        Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"),
        sandbox=SandboxOptions(numbers=1, messages=0, calls=0),
        secrets=secret_store,
    )
    with pytest.raises(StartupFailed, match="Could not open the database") as err:
        qloop.run_until_complete(start_app(options))
    assert "nobody@" not in str(err.value)  # never the URL, which may hold a password
    assert len(emulator_threads()) == before


def test_start_emulator_serves_seeded_numbers_with_faults_until_stopped() -> None:
    before = len(emulator_threads())
    with start_emulator(
        numbers=2, messages=0, calls=0, faults=["*/IncomingPhoneNumbers.json:503:1"]
    ) as running:
        seed = running.seed
        url = f"{running.base_url}/2010-04-01/Accounts/{seed.account_sid}/IncomingPhoneNumbers.json"
        auth = (seed.account_sid, seed.auth_token)
        assert requests.get(url, auth=auth, timeout=5).status_code == 503
        assert len(requests.get(url, auth=auth, timeout=5).json()["incoming_phone_numbers"]) == 2
        assert len(emulator_threads()) == before + 1
    assert running.server.port is None and len(emulator_threads()) == before


def test_the_window_is_told_before_an_existing_database_is_upgraded(
    qloop, tmp_path: Path, secret_store
) -> None:  # type: ignore[no-untyped-def]
    from loquent_desktop.store.database import create_database_engine, upgrade

    told: list[str] = []
    paths = AppPaths.under(tmp_path)
    options = StartOptions(
        paths, Settings(), secrets=secret_store, on_upgrade=lambda: told.append("upgrading")
    )
    # A new database is created, not upgraded: nothing to tell.
    qloop.run_until_complete(qloop.run_until_complete(start_app(options)).aclose())
    assert told == []
    # One left at an older version (as the previous release left it) is upgraded: told once.
    url = Settings().effective_database_url(paths.ensure())
    (paths.ensure().database_file).unlink()
    engine = create_database_engine(url)
    try:
        upgrade(engine, "0009")
    finally:
        engine.dispose()
    qloop.run_until_complete(qloop.run_until_complete(start_app(options)).aclose())
    assert told == ["upgrading"]
    # Now current: not again.
    qloop.run_until_complete(qloop.run_until_complete(start_app(options)).aclose())
    assert told == ["upgrading"]
