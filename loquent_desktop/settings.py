"""App settings kept in `settings.json` in the config directory.

Settings never hold secrets (those live in the OS keychain), so the file can be read, copied
and attached to a support ticket. A damaged file must not stop the app from starting: it is
replaced by defaults in memory and a warning is logged; the file itself is left alone until
the next save so the user can still recover it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .domain.errors import InvalidInput
from .paths import AppPaths, default_database_url

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
DATABASE_URL_ENV = "LOQUENT_DATABASE_URL"
TWILIO_BASE_URL_ENV = "LOQUENT_TWILIO_BASE_URL"
DEFAULT_VOICE_URL = "https://voice.loquent.app/twilio/voice"
# Where Twilio Event Streams deliver an organization's SMS and call events by default.
DEFAULT_EVENTS_URL = "https://voice.loquent.app/twilio/events"
DEFAULT_TIMEOUT_S = 30.0
# Twilio products the app talks to, by the host prefix they use (api.twilio.com, ...).
TWILIO_PRODUCTS = ("api", "events", "trunking")


@dataclass(frozen=True)
class Settings:
    """Everything the user can configure that is not a secret."""

    # None -> the local SQLite file from `paths.default_database_url`.
    database_url: str | None = None
    # None -> real Twilio. When set, every Twilio host is rewritten to it (sandbox, proxies).
    twilio_base_url: str | None = None
    # Per-product overrides ("api", "events", "trunking"); win over `twilio_base_url`.
    twilio_product_urls: dict[str, str] = field(default_factory=dict)
    request_timeout_s: float = DEFAULT_TIMEOUT_S
    default_voice_url: str = DEFAULT_VOICE_URL
    default_events_url: str = DEFAULT_EVENTS_URL
    # Where recordings are downloaded ("Download to…"); None -> the app's data folder.
    recordings_folder: str | None = None

    def effective_database_url(self, paths: AppPaths) -> str:
        return self.database_url or default_database_url(paths, paths.sandbox)

    def with_env(self, env: Mapping[str, str] | None = None) -> Settings:
        """Apply environment overrides (not saved: they are for tests, CI and the sandbox)."""
        env = os.environ if env is None else env
        changes: dict[str, Any] = {}
        if env.get(DATABASE_URL_ENV, "").strip():
            changes["database_url"] = env[DATABASE_URL_ENV].strip()
        if env.get(TWILIO_BASE_URL_ENV, "").strip():
            changes["twilio_base_url"] = env[TWILIO_BASE_URL_ENV].strip().rstrip("/")
        return replace(self, **changes) if changes else self

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Settings:
        """Build from parsed JSON, ignoring unknown keys (written by a newer version)
        and raising ValueError/TypeError on wrongly typed values."""
        if not isinstance(data, Mapping):
            raise TypeError("settings must be a JSON object")
        product_urls = data.get("twilio_product_urls") or {}
        if not isinstance(product_urls, Mapping):
            raise TypeError("twilio_product_urls must be an object")
        unknown = set(product_urls) - set(TWILIO_PRODUCTS)
        if unknown:
            raise ValueError(f"unknown Twilio products: {sorted(unknown)}")
        timeout = float(data.get("request_timeout_s", DEFAULT_TIMEOUT_S))
        if timeout <= 0:
            raise ValueError("request_timeout_s must be positive")
        return cls(
            database_url=_optional_str(data.get("database_url")),
            twilio_base_url=_optional_str(data.get("twilio_base_url")),
            twilio_product_urls={str(k): str(v).rstrip("/") for k, v in product_urls.items()},
            request_timeout_s=timeout,
            default_voice_url=_optional_str(data.get("default_voice_url")) or DEFAULT_VOICE_URL,
            default_events_url=_optional_str(data.get("default_events_url")) or DEFAULT_EVENTS_URL,
            recordings_folder=_optional_str(data.get("recordings_folder")),
        )


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value.strip() or None


def load_settings(config_dir: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `config_dir/settings.json` plus env overrides; defaults on any problem."""
    path = config_dir / SETTINGS_FILE
    settings = Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("Could not read %s (%s); using default settings.", path, exc)
    else:
        try:
            settings = Settings.from_json(json.loads(text))
        except (ValueError, TypeError) as exc:
            log.warning("Settings file %s is damaged (%s); using default settings.", path, exc)
    return settings.with_env(env)


def _check_no_password(database_url: str | None) -> None:
    # settings.json is not protected; a PostgreSQL password belongs in ~/.pgpass or
    # PGPASSWORD (libpq reads both), never in this file.
    if database_url and urlsplit(database_url).password:
        raise InvalidInput(
            "database_url",
            "The database URL contains a password, and settings are stored unencrypted. "
            "Remove it from the URL and put it in ~/.pgpass (or PGPASSWORD) instead.",
        )


def save_settings(config_dir: Path, settings: Settings) -> None:
    """Write atomically: a crash mid-write leaves the old file, never half a file.

    Pass settings loaded with `env={}` so environment overrides are not persisted.
    """
    _check_no_password(settings.database_url)
    config_dir.mkdir(parents=True, exist_ok=True)
    path = config_dir / SETTINGS_FILE
    fd, tmp_name = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=config_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(settings.to_json(), handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def remember_recordings_folder(config_dir: Path, folder: Path | None) -> None:
    """Keep the folder chosen with "Download to…" (None: back to the app's data folder) in
    settings.json, leaving every other setting as the file has it."""
    current = load_settings(config_dir, env={})
    chosen = None if folder is None else str(folder)
    save_settings(config_dir, replace(current, recordings_folder=chosen))
