"""The contract check: every request the app sends to the emulator must be one that
Twilio's pinned OpenAPI specs (tests/specs, twilio-oai 2.6.7) describe — a documented
operation, documented parameters only, each value of the documented type, pattern, enum
and format, and every required field present.

Real Twilio accepts a few requests its spec forbids; those are listed in `ACCEPTED` with the
reason, and nothing else passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator

from loquent_desktop.sandbox.request_log import RequestRecord
from tests.sandbox.spec_check import operation

_URL_FIELDS = {
    "VoiceUrl",
    "VoiceFallbackUrl",
    "StatusCallback",
    "SmsUrl",
    "SmsFallbackUrl",
}


@dataclass(frozen=True)
class Accepted:
    """A documented departure from the spec that real Twilio accepts."""

    method: str
    path: re.Pattern[str]
    field: str
    value: Callable[[str], bool]
    why: str


ACCEPTED: tuple[Accepted, ...] = (
    # Twilio's documented way to clear a URL field is to send it empty ("" is not a valid
    # `uri`, so the spec cannot say so). Restore writes back a number that had no URL.
    *(
        Accepted(
            "POST",
            re.compile(r"/IncomingPhoneNumbers(/PN[0-9a-fA-F]{32})?\.json$"),
            name,
            lambda v: v == "",
            "an empty string clears a URL field",
        )
        for name in sorted(_URL_FIELDS)
    ),
    # Twilio documents an empty VoiceApplicationSid as the way to remove a number's TwiML
    # app, and no other endpoint does it; the spec's ^AP… pattern cannot say so. (A trunk,
    # by contrast, is detached through the Trunking API, so an empty TrunkSid is not here.)
    Accepted(
        "POST",
        re.compile(r"/IncomingPhoneNumbers/PN[0-9a-fA-F]{32}\.json$"),
        "VoiceApplicationSid",
        lambda v: v == "",
        "an empty string removes the TwiML app",
    ),
)


_FORMATS = FormatChecker()


@_FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc) and not any(c.isspace() for c in value)


@_FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # The library sends list filters as ISO 8601; Twilio reads day-granular dates too.
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        date.fromisoformat(value)
    return True


@_FORMATS.checks("date", raises=ValueError)
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


_BY_ID: dict[int, dict[str, Any]] = {}


def _remember(*objects: dict[str, Any]) -> None:
    for obj in objects:
        _BY_ID[id(obj)] = obj  # the specs live as long as the process: ids stay valid


@cache
def _validator(spec_id: int, schema_id: int) -> OAS30Validator:
    spec, schema = _BY_ID[spec_id], _BY_ID[schema_id]
    return OAS30Validator(
        {**schema, "components": spec.get("components", {})}, format_checker=_FORMATS
    )


def _typed(schema: dict[str, Any], text: str) -> Any:
    """A form or query value (always text on the wire) as the type its schema names."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            return {"true": True, "false": False}.get(text, text)
        if kind == "object" or (kind is None and text[:1] in "{["):
            return json.loads(text)
    except ValueError:
        return text  # the validator then says what type was expected
    return text


def _matches(method: str, path: str, name: str, value: str) -> Accepted | None:
    for rule in ACCEPTED:
        same_place = rule.method == method and rule.path.search(path) and rule.field == name
        if same_place and rule.value(value):
            return rule
    return None


def _problems(
    spec: dict[str, Any], schema: dict[str, Any], name: str, values: list[str]
) -> Iterable[str]:
    schema = _resolve(spec, schema)
    _remember(spec, schema)
    if schema.get("type") == "array":
        items = _resolve(spec, schema.get("items") or {})
        value: Any = [_typed(items, v) for v in values]
    else:
        if len(values) > 1:
            yield f"{name} sent {len(values)} times"
        value = _typed(schema, values[-1])
    for error in _validator(id(spec), id(schema)).iter_errors(value):
        yield f"{name}={values!r}: {error.message}"


def violations(record: RequestRecord) -> list[str]:
    """What is wrong with one request, as sentences; empty when Twilio's spec allows it.
    Recording media (`record.media`) are not in Twilio's API specs: not checked here (the
    recordings tests check who got credentials)."""
    if record.media is not None:
        return []
    method, path = record.method.upper(), record.path
    try:
        spec, op = operation(method, path)
    except AssertionError as err:
        return [str(err)]
    found: list[str] = []
    declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    for name, values in (record.query_multi or {k: [v] for k, v in record.query.items()}).items():
        if name not in declared:
            found.append(f"query parameter {name} is not in the spec")
            continue
        found += _problems(spec, declared[name].get("schema", {}), name, values)
    form = record.form_multi or {k: [v] for k, v in record.form.items()}
    body = op.get("requestBody", {}).get("content", {})
    schema = body.get("application/x-www-form-urlencoded", {}).get("schema")
    if schema is None:
        found += [f"form field {name} sent, but the operation takes none" for name in form]
        return [f"{method} {path}: {v}" for v in found]
    schema = _resolve(spec, schema)
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in form:
            found.append(f"required form field {name} missing")
    for name, values in form.items():
        if name not in properties:
            found.append(f"form field {name} is not in the spec")
            continue
        if len(values) == 1 and _matches(method, path, name, values[0]):
            continue
        found += _problems(spec, properties[name], name, values)
    return [f"{method} {path}: {v}" for v in found]
