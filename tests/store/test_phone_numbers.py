"""PhoneNumberRepository: bulk import, refresh, voice snapshot and restore data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loquent_desktop.domain.voice_route import VoiceConfig
from loquent_desktop.store import Database, RecordNotFound
from loquent_desktop.store.repositories.phone_numbers import parse_twilio_date


def twilio_number(i: int, **overrides: Any) -> dict[str, Any]:
    """An IncomingPhoneNumber as the 2010 API returns it (RFC 2822 dates, SMS in caps)."""
    number = {
        "sid": f"PN{i:032x}",
        "account_sid": "AC" + "0" * 32,  # ignored: not a column
        "phone_number": f"+1415{i:07d}",
        "friendly_name": f"({i}) main line",
        "capabilities": {"voice": True, "SMS": True, "MMS": False, "fax": False},
        "iso_country": "US",
        "address_requirements": "none",
        "voice_url": "https://crm.example/voice",
        "voice_method": "POST",
        "voice_fallback_url": "",
        "voice_fallback_method": "POST",
        "voice_application_sid": None,
        "trunk_sid": None,
        "status_callback": "",
        "status_callback_method": "POST",
        "sms_url": "https://crm.example/sms",
        "sms_method": "POST",
        "sms_application_sid": "",
        "date_created": "Mon, 16 Aug 2010 03:45:01 +0000",
        "date_updated": "Tue, 17 Aug 2010 04:00:00 +0000",
    }
    number.update(overrides)
    return number


def test_upsert_inserts_then_refreshes(db: Database) -> None:
    org = db.organizations.add("Acme")
    other = db.organizations.add("Other")
    assert db.phone_numbers.upsert_many(org.id, [twilio_number(1), twilio_number(2)]) == (2, 0)
    # Same SID in another organization is a separate row (unique per organization).
    assert db.phone_numbers.upsert_many(other.id, [twilio_number(1)]) == (1, 0)

    changed = twilio_number(2, friendly_name="Sales", voice_url="https://pbx.example/in")
    inserted, existed = db.phone_numbers.upsert_many(org.id, [changed, twilio_number(3)])
    assert (inserted, existed) == (1, 1)

    records = db.phone_numbers.list_for_org(org.id)
    assert [r.phone_number for r in records] == ["+14150000001", "+14150000002", "+14150000003"]
    refreshed = db.phone_numbers.get_by_sid(org.id, twilio_number(2)["sid"])
    assert refreshed is not None
    assert refreshed.friendly_name == "Sales"
    assert refreshed.voice_url == "https://pbx.example/in"
    assert refreshed.capabilities == {"voice": True, "sms": True, "mms": False, "fax": False}
    assert refreshed.capability("SMS") and not refreshed.capability("fax")
    assert refreshed.date_created == datetime(2010, 8, 16, 3, 45, 1, tzinfo=UTC)
    assert refreshed.source == "imported"
    assert refreshed.imported_at is not None
    assert refreshed.routed_to_loquent is False
    assert db.phone_numbers.sids_for_org(org.id) == {twilio_number(i)["sid"] for i in (1, 2, 3)}
    assert db.phone_numbers.get_by_sid(org.id, "PN" + "f" * 32) is None


def test_purchased_source_and_bad_input(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.phone_numbers.upsert_many(org.id, [twilio_number(7)], source="purchased")
    record = db.phone_numbers.get_by_sid(org.id, twilio_number(7)["sid"])
    assert record is not None and record.source == "purchased"
    with pytest.raises(ValueError):
        db.phone_numbers.upsert_many(org.id, [twilio_number(8)], source="stolen")
    assert db.phone_numbers.upsert_many(org.id, []) == (0, 0)


def test_numbers_go_with_their_organization(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.phone_numbers.upsert_many(org.id, [twilio_number(i) for i in range(5)])
    db.organizations.remove(org.id)
    assert db.phone_numbers.list_for_org(org.id) == []


def test_snapshot_is_taken_once_and_cleared(db: Database) -> None:
    org = db.organizations.add("Acme")
    sid = twilio_number(1)["sid"]
    db.phone_numbers.upsert_many(
        org.id, [twilio_number(1, voice_application_sid="AP" + "1" * 32, trunk_sid=None)]
    )
    original = db.phone_numbers.get_by_sid(org.id, sid)
    assert original is not None and original.previous_voice_config is None

    taken_at = db.phone_numbers.save_snapshot(org.id, sid, original.voice_config)
    saved = db.phone_numbers.get_by_sid(org.id, sid)
    assert taken_at is not None and saved.snapshot_taken_at == taken_at
    assert saved.previous_voice_config == original.voice_config
    assert saved.previous_voice_application_sid == "AP" + "1" * 32

    loquent = VoiceConfig(voice_url="https://voice.loquent.app/twilio/voice", voice_method="POST")
    routed = db.phone_numbers.update_voice(org.id, sid, loquent, routed_to_loquent=True)
    assert routed.routed_to_loquent and routed.voice_url == loquent.voice_url
    assert routed.voice_application_sid is None

    # A second configure must not replace the customer's original routing with Loquent's.
    assert db.phone_numbers.save_snapshot(org.id, sid, routed.voice_config) is None
    again = db.phone_numbers.get_by_sid(org.id, sid)
    assert again.previous_voice_config == original.voice_config

    # Clearing "the snapshot I took" leaves one taken at another time alone.
    kept = db.phone_numbers.clear_snapshot(org.id, sid, taken_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert kept.previous_voice_config == original.voice_config
    cleared = db.phone_numbers.clear_snapshot(org.id, sid, taken_at=taken_at)
    assert cleared.previous_voice_config is None
    assert cleared.previous_voice_url is None

    with pytest.raises(RecordNotFound):
        db.phone_numbers.save_snapshot(org.id, "PN" + "e" * 32, loquent)


def test_remove_numbers(db: Database) -> None:
    org = db.organizations.add("Acme")
    db.phone_numbers.upsert_many(org.id, [twilio_number(i) for i in range(3)])
    assert db.phone_numbers.remove(org.id, [twilio_number(0)["sid"], "PN" + "9" * 32]) == 1
    assert len(db.phone_numbers.list_for_org(org.id)) == 2


def test_ten_thousand_numbers_upsert_counts(db: Database) -> None:
    # How fast this is lives in bench/bench_store.py; here only the counts.
    org = db.organizations.add("Big")
    numbers = [twilio_number(i) for i in range(10_000)]
    assert db.phone_numbers.upsert_many(org.id, numbers) == (10_000, 0)
    assert db.phone_numbers.upsert_many(org.id, numbers) == (0, 10_000)
    assert len(db.phone_numbers.sids_for_org(org.id)) == 10_000


def test_parse_twilio_dates() -> None:
    expected = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_twilio_date("Tue, 02 Jan 2024 03:04:05 +0000") == expected
    assert parse_twilio_date("2024-01-02T03:04:05Z") == expected
    assert parse_twilio_date(expected.replace(tzinfo=None)) == expected
    assert parse_twilio_date("") is None and parse_twilio_date(None) is None
