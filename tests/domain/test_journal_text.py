"""Journal entries read as sentences: per-number outcomes of a bulk change, event streams, a
purchase, and nothing printed the way Python prints it (None, dicts, lists)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from loquent_desktop.domain.journal_text import details_text, number_line, result_lines
from loquent_desktop.domain.records import JournalRecord
from loquent_desktop.domain.validation import format_phone, set_home_region


def entry(
    action: str, result: dict[str, Any] | None, outcome: str = "succeeded", error: str | None = None
) -> JournalRecord:
    return JournalRecord(
        id=1,
        organization_id=1,
        organization_name="Northwind",
        action=action,
        title="Point 3 numbers at Loquent",
        plan={},
        outcome=outcome,
        error=error,
        result=result,
        created_at=datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
        finished_at=None,
    )


BULK = {
    "numbers": {
        "PN1": {
            "phone_number": "+14159000137",
            "outcome": "succeeded",
            "after": {"voice_url": "x"},
        },
        "PN2": {
            "phone_number": "+12129000137",
            "outcome": "failed",
            "error": "Twilio refused: the number is not on this account",
        },
        "PN3": {"phone_number": "+13059000137", "outcome": "unchanged"},
    }
}


def test_a_bulk_change_lists_each_number_in_words_problems_first() -> None:
    lines = result_lines("voice.configure", BULK)
    assert lines == [
        "+1 212-900-0137: failed — Twilio refused: the number is not on this account",
        "+1 415-900-0137: pointed at Loquent",
        "+1 305-900-0137: already as planned, nothing sent",
    ]


def test_details_never_print_python_values() -> None:
    stream = {
        "kind": "sms",
        "sink_sid": "DG" + "a" * 32,
        "subscription_sid": "DF" + "b" * 32,
        "sink_created": True,
        "sink_deleted": False,
        "subscription_gone": False,
        "sink_gone": False,
        "types": ["com.twilio.messaging.message.sent"],
        "warning": None,
        "store_error": None,
    }
    for action, result in (("voice.configure", BULK), ("events.sms.setup", stream)):
        text = details_text(entry(action, result, "partial", "1 of 3 numbers: 1 failed"), "partial")
        for python in ("None", "{", "}", "[", "'", "True", "False"):
            assert python not in text, (python, text)
    text = details_text(entry("events.sms.setup", stream), "succeeded")
    assert "Created the sink DG…aaaa." in text
    assert "Subscription DF…bbbb streams SMS events to Loquent." in text


def test_an_old_entry_with_unknown_keys_still_reads() -> None:
    lines = result_lines("something.old", {"mode": "record-from-answer", "count": 3, "x": None})
    assert lines == ["Recording mode: record-from-answer.", "Count: 3."]


def test_a_cancelled_entry_says_nothing_was_sent() -> None:
    text = details_text(entry("voice.configure", None, "cancelled"), "cancelled")
    assert "Outcome: Cancelled: nothing was sent to Twilio." in text


def test_number_line_gives_the_reason() -> None:
    line = number_line("voice.restore", "+14159000137", {"outcome": "skipped", "error": "gone"})
    assert line == "+1 415-900-0137: skipped — gone"


def test_phone_numbers_of_the_users_country_read_as_dialled_there() -> None:
    try:
        set_home_region("US")
        assert format_phone("+14159000137") == "(415) 900-0137"
        assert format_phone("+442071838750") == "+44 20 7183 8750"
        set_home_region("GB")
        assert format_phone("+14159000137") == "+1 415-900-0137"
        assert format_phone("client:alice") == "client:alice"
    finally:
        set_home_region(None)
    assert format_phone("+14159000137") == "+1 415-900-0137"
