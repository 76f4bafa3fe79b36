"""The pure plan builders for renaming and releasing a number: what the plans say, and what
the release plan keeps for the journal (no Twilio, no database)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest

from loquent_desktop.domain.errors import InvalidInput, LoquentError
from loquent_desktop.domain.numbers import OwnedNumber
from loquent_desktop.domain.records import PhoneNumberRecord
from loquent_desktop.services.number_care_plans import (
    RELEASE,
    RENAME,
    ReleaseContext,
    release_plan,
    rename_plan,
)

LOQUENT = "https://voice.loquent.example/twilio/voice"
SID = "PN" + "a1" * 16


def number(**overrides: object) -> OwnedNumber:
    values: dict[str, object] = {
        "sid": SID,
        "phone_number": "+14155550100",
        "friendly_name": "Front desk",
        "capabilities": {"voice": True, "sms": True, "mms": False, "fax": False},
        "iso_country": "US",
        "voice_url": "https://crm.example.com/voice",
        "voice_method": "POST",
        "sms_url": "https://user:secret@crm.example.com/sms",
        "date_created": datetime(2025, 1, 2, tzinfo=UTC),
    }
    values.update(overrides)
    return OwnedNumber(**values)  # type: ignore[arg-type]


def record(**overrides: object) -> PhoneNumberRecord:
    values = {f.name: None for f in fields(PhoneNumberRecord)}
    values.update(
        id=1, organization_id=1, sid=SID, phone_number="+14155550100", source="imported",
        routed_to_loquent=False,
    )  # fmt: skip
    values.update(overrides)
    return PhoneNumberRecord(**values)  # type: ignore[arg-type]


def test_rename_plan_shows_before_and_after_and_costs_nothing() -> None:
    plan = rename_plan("Acme", "AC…0001", number(), "  Reception  ")
    assert plan.action == RENAME and plan.cost == "No charge."
    ((change),) = plan.changes
    assert (change.field, change.before, change.after) == (
        "Friendly name",
        "Front desk",
        "Reception",
    )
    assert plan.details["after"] == "Reception" and plan.type_to_confirm is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "bad\x1bname"])
def test_rename_refuses_names_twilio_would_not_take(name: str) -> None:
    with pytest.raises(InvalidInput):
        rename_plan("Acme", "AC…0001", number(), name)


def test_rename_to_the_same_name_is_no_plan() -> None:
    with pytest.raises(LoquentError, match="already named"):
        rename_plan("Acme", "AC…0001", number(), "Front desk")


def test_release_plan_says_what_ends_and_asks_for_the_number() -> None:
    context = ReleaseContext(
        record(snapshot_taken_at=datetime(2025, 3, 1, tzinfo=UTC), previous_voice_url="https://a"),
        LOQUENT,
        ("SMS",),
        "the organization's own Twilio account",
    )
    plan = release_plan("Acme", "AC…0001", number(), context)

    assert plan.action == RELEASE and plan.type_to_confirm == "+1 415-555-0100"
    text = "\n".join(plan.summary_lines())
    assert "stops receiving calls and messages" in text
    assert "may not be possible to buy it back" in text
    assert "stops billing the organization's own Twilio account" in text
    assert "Inbound calls stop reaching https://crm.example.com/voice" in text
    assert "Inbound messages stop reaching https://user:••••@crm.example.com/sms" in text
    assert "saved configuration" in text and "SMS event streams stay" in text
    assert "secret" not in text
    kept = plan.details["configuration"]
    assert kept["voice_url"] == "https://crm.example.com/voice"
    assert kept["sms_url"] == "https://user:••••@crm.example.com/sms"  # as the journal keeps URLs
    assert kept["date_created"] == "2025-01-02T00:00:00+00:00"
    assert plan.details["loquent_record"]["previous_voice_url"] == "https://a"


@pytest.mark.parametrize(
    ("route", "words"),
    [
        ({"trunk_sid": "TK" + "b2" * 16}, "Calls to it through SIP trunk TK…b2b2 stop"),
        ({"voice_application_sid": "AP" + "c3" * 16}, "TwiML app AP…c3c3 no longer receives"),
        ({"voice_url": LOQUENT}, "Loquent stops receiving its calls"),
    ],
)
def test_release_plan_names_who_loses_the_calls(route: dict[str, str], words: str) -> None:
    plan = release_plan("Acme", "AC…0001", number(**route), ReleaseContext(None, LOQUENT))
    assert any(words in line for line in plan.affected)
    assert not any("Loquent's database" in line for line in plan.affected)
