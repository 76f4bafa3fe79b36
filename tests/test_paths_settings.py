"""AppPaths (platformdirs / LOQUENT_HOME / sandbox) and settings.json handling."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from loquent_desktop.app import routing_for
from loquent_desktop.domain.errors import InvalidInput
from loquent_desktop.paths import AppPaths, default_database_url
from loquent_desktop.settings import (
    DEFAULT_VOICE_URL,
    Settings,
    load_settings,
    save_settings,
)


def test_loquent_home_overrides_all_four(tmp_path: Path) -> None:
    paths = AppPaths.default({"LOQUENT_HOME": str(tmp_path)})
    dirs = [paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir]
    assert all(d.parent == tmp_path for d in dirs)
    assert len(set(dirs)) == 4
    assert not paths.data_dir.exists()
    assert paths.ensure() is paths
    assert all(d.is_dir() for d in dirs)
    paths.ensure()  # idempotent


def test_platformdirs_default_uses_app_name() -> None:
    paths = AppPaths.default({})
    assert "loquent-desktop" in str(paths.data_dir)
    assert "loquent-desktop" in str(paths.config_dir)


def test_sandbox_database_is_a_separate_file(tmp_path: Path) -> None:
    env = {"LOQUENT_HOME": str(tmp_path)}
    real, sandbox = AppPaths.default(env), AppPaths.for_sandbox(env)
    assert real.database_file.name == "loquent.sqlite3"
    assert sandbox.database_file.name == "sandbox.sqlite3"
    assert default_database_url(real, False).endswith("/data/loquent.sqlite3")
    assert default_database_url(real, True).endswith("/data/sandbox.sqlite3")
    assert "loquent.sqlite3" not in default_database_url(sandbox, True)
    assert Settings().effective_database_url(sandbox).endswith("sandbox.sqlite3")
    assert default_database_url(real, False).startswith("sqlite:///")


def test_defaults() -> None:
    s = Settings()
    assert s.database_url is None and s.twilio_base_url is None
    assert s.request_timeout_s == 30
    assert s.default_voice_url == DEFAULT_VOICE_URL == "https://voice.loquent.app/twilio/voice"
    assert routing_for(s).is_real_twilio


def test_save_load_round_trip(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://u@db:5432/loquent",
        twilio_base_url="http://127.0.0.1:8080",
        twilio_product_urls={"events": "http://127.0.0.1:9090"},
        request_timeout_s=12.5,
        default_voice_url="https://voice.example/v",
    )
    save_settings(tmp_path, settings)
    assert load_settings(tmp_path, env={}) == settings
    routing = routing_for(settings)
    assert routing.target_for("events") == "http://127.0.0.1:9090"
    assert routing.target_for("trunking") == "http://127.0.0.1:8080"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp files left
    assert json.loads((tmp_path / "settings.json").read_text())["request_timeout_s"] == 12.5


def test_env_overrides(tmp_path: Path) -> None:
    save_settings(tmp_path, Settings(database_url="sqlite:///file.db"))
    env = {
        "LOQUENT_DATABASE_URL": "postgresql://x@y/z",
        "LOQUENT_TWILIO_BASE_URL": "http://127.0.0.1:5000/",
    }
    loaded = load_settings(tmp_path, env=env)
    assert loaded.database_url == "postgresql://x@y/z"
    assert loaded.twilio_base_url == "http://127.0.0.1:5000"
    assert load_settings(tmp_path, env={}).database_url == "sqlite:///file.db"


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        '{"request_timeout_s": "soon"}',
        '{"request_timeout_s": -1}',
        '{"twilio_product_urls": {"video": "http://x"}}',
        '{"database_url": 42}',
    ],
)
def test_corrupt_file_gives_defaults_and_a_warning(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "settings.json").write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="loquent_desktop.settings"):
        assert load_settings(tmp_path, env={}) == Settings()
    assert "using default settings" in caplog.text
    # The damaged file is kept for the user to inspect until the next save.
    assert (tmp_path / "settings.json").read_text(encoding="utf-8") == content


def test_missing_file_is_silent(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_settings(tmp_path / "nowhere", env={}) == Settings()
    assert caplog.text == ""


def test_unknown_keys_from_newer_versions_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text(
        '{"request_timeout_s": 5, "theme": "dark"}', encoding="utf-8"
    )
    assert load_settings(tmp_path, env={}).request_timeout_s == 5


def test_database_password_is_never_saved(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        save_settings(tmp_path, Settings(database_url="postgresql://u:hunter22@db/loquent"))
    assert err.value.field == "database_url" and ".pgpass" in str(err.value)
    assert "hunter22" not in str(err.value)
    assert not (tmp_path / "settings.json").exists()
