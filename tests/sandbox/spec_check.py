"""Check emulator responses against Twilio's OpenAPI specs (tests/specs, twilio-oai 2.6.7).

For a method + path + status, find the spec operation, take its response schema and
validate the body with openapi-schema-validator (OAS 3.0 rules: ``nullable`` etc.).
On top of the schema, every property the spec defines must be present (Twilio always
sends every field, null when unknown), and Twilio's own date formats are checked.
The specs describe no error bodies, so errors are checked against ``ERROR_SCHEMA``.
"""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker
from openapi_schema_validator import OAS30Validator

SPEC_DIR = Path(__file__).resolve().parent.parent / "specs"
SPEC_FILES = (
    "twilio_api_v2010.json",
    "twilio_events_v1.json",
    "twilio_trunking_v1.json",
    "twilio_pricing_v1.json",
    "twilio_monitor_v1.json",
)

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer"},
    },
}

_FORMATS = FormatChecker()


@_FORMATS.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def _rfc2822(value: object) -> bool:
    if not isinstance(value, str):
        return True
    shape = r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000"  # what Twilio sends
    return re.fullmatch(shape, value) is not None and parsedate_to_datetime(value) is not None


@_FORMATS.checks("date-time", raises=ValueError)
def _iso(value: object) -> bool:
    return not isinstance(value, str) or bool(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value)
    )


@_FORMATS.checks("phone-number")
def _e164(value: object) -> bool:
    # friendly_name of an available number also uses this format: "(415) 555-0100".
    return not isinstance(value, str) or bool(
        re.fullmatch(r"\+\d{6,15}|\(\d{3}\) \d{3}-\d{4}", value)
    )


@cache
def _specs() -> list[dict[str, Any]]:
    return [json.loads((SPEC_DIR / name).read_text(encoding="utf-8")) for name in SPEC_FILES]


@cache
def _templates() -> list[tuple[re.Pattern[str], str, int]]:
    out = []
    for index, spec in enumerate(_specs()):
        for template in spec["paths"]:
            regex = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
            out.append((re.compile(f"^{regex}$"), template, index))
    # Literal segments first: /IncomingPhoneNumbers/Local.json before /{Sid}.json.
    out.sort(key=lambda t: t[1].count("{"))
    return out


def operation(method: str, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(spec document, operation object) for a request; AssertionError if undocumented."""
    for pattern, template, index in _templates():
        if pattern.match(path):
            spec = _specs()[index]
            op = spec["paths"][template].get(method.lower())
            if op is not None:
                return spec, op
    raise AssertionError(f"{method} {path} is not in the Twilio specs")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _all_properties_present(spec: dict[str, Any], schema: dict[str, Any], body: Any, at: str):
    schema = _resolve(spec, schema)
    if isinstance(body, dict) and "properties" in schema:
        missing = sorted(set(schema["properties"]) - set(body))
        assert not missing, f"{at}: missing properties {missing}"
        for key, sub in schema["properties"].items():
            _all_properties_present(spec, sub, body[key], f"{at}.{key}")
    elif isinstance(body, list) and "items" in schema:
        for i, item in enumerate(body):
            _all_properties_present(spec, schema["items"], item, f"{at}[{i}]")


_BY_ID: dict[int, dict[str, Any]] = {}


@cache
def _validator(spec_id: int, schema_id: int) -> OAS30Validator:
    # Built once per response schema: creating a validator over the spec's components
    # costs far more than validating one page.
    spec, schema = _BY_ID[spec_id], _BY_ID[schema_id]
    return OAS30Validator({**schema, "components": spec["components"]}, format_checker=_FORMATS)


def check_response(method: str, path: str, status: int, body: Any) -> None:
    """Assert that a response is what Twilio would send for this request."""
    if status >= 400:
        OAS30Validator(ERROR_SCHEMA).validate(body)
        assert body["status"] == status
        assert body["more_info"].endswith(f"/{body['code']}")
        return
    spec, op = operation(method, path)
    _BY_ID[id(spec)] = spec
    responses = op["responses"]
    assert str(status) in responses, f"{method} {path}: spec documents {list(responses)}"
    if status == 204:
        assert body in (None, b"", ""), "204 must have no body"
        return
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    _BY_ID[id(schema)] = schema
    _validator(id(spec), id(schema)).validate(body)
    _all_properties_present(spec, schema, body, "$")
