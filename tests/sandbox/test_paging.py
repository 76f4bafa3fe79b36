"""Paging like Twilio: big lists in pages of 1000, stable tokens, PageSize limits."""

from __future__ import annotations

import copy

import pytest

from .spec_check import check_response


@pytest.fixture(scope="module")
def listed(big_sandbox):
    """All 10,000 demo numbers, listed once through the twilio library (pages of 1000)."""
    big_sandbox.server.clear_log()
    numbers = big_sandbox.client().incoming_phone_numbers.list(page_size=1000)
    return numbers, big_sandbox.server.requests("GET", "IncomingPhoneNumbers")


def test_ten_thousand_numbers_in_pages_of_1000(listed):
    numbers, pages = listed
    assert len(numbers) == 10_000
    assert len({n.sid for n in numbers}) == 10_000
    assert len({n.phone_number for n in numbers}) == 10_000
    assert len(pages) == 10
    assert all(r.query["PageSize"] == "1000" and r.status == 200 for r in pages)
    assert all(r.query["PageToken"].startswith("PA") for r in pages[1:])


def test_demo_numbers_mix(listed):
    numbers, _ = listed
    assert sum(1 for n in numbers if n.voice_application_sid) == 1
    assert sum(1 for n in numbers if n.trunk_sid) == 1
    no_url = [n for n in numbers if not n.voice_url and not n.trunk_sid
              and not n.voice_application_sid]  # fmt: skip
    assert 0 < len(no_url) < len(numbers) // 4
    assert any("crm.example.com" in (n.voice_url or "") for n in numbers)
    assert any("pbx.example.net" in (n.voice_url or "") for n in numbers)
    assert any(n.sms_url for n in numbers)
    gb = [n for n in numbers if n.phone_number.startswith("+44")]
    assert 0 < len(gb) < 1000


def test_page_size_over_1000_is_20007(sandbox):
    resp = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json?PageSize=1001")
    assert (resp.status_code, resp.json()["code"]) == (400, 20007)
    resp = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json?PageSize=0")
    assert (resp.status_code, resp.json()["code"]) == (400, 20007)


def test_default_page_size_is_50_and_envelope_links(sandbox):
    body = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json").json()
    assert body["page_size"] == 50
    assert body["next_page_uri"] is None
    assert body["first_page_uri"].endswith("PageSize=50&Page=0")
    assert (body["start"], body["end"]) == (0, 24)


def test_paging_is_stable_when_a_number_is_released_between_pages(sandbox):
    first = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json?PageSize=10").json()
    page1 = [n["sid"] for n in first["incoming_phone_numbers"]]
    # Release the last number of page 1: the next page must neither skip nor repeat.
    sandbox.raw("DELETE", f"{sandbox.acct}/IncomingPhoneNumbers/{page1[-1]}.json")
    second = sandbox.raw("GET", first["next_page_uri"]).json()
    page2 = [n["sid"] for n in second["incoming_phone_numbers"]]
    everything = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json").json()
    all_sids = [n["sid"] for n in everything["incoming_phone_numbers"]]
    assert page2 == all_sids[9:19]
    assert second["page"] == 1 and second["start"] == 9
    back = sandbox.raw("GET", second["previous_page_uri"]).json()
    assert [n["sid"] for n in back["incoming_phone_numbers"]] == all_sids[:9]


def test_filters_are_kept_in_page_links(sandbox):
    body = sandbox.raw(
        "GET", f"{sandbox.acct}/IncomingPhoneNumbers.json?PhoneNumber=1415&PageSize=1"
    ).json()
    assert body["next_page_uri"].startswith(
        f"{sandbox.acct}/IncomingPhoneNumbers.json?PhoneNumber=1415&PageSize=1&Page=1&PageToken=PA"
    )


def test_spec_checker_rejects_wrong_shapes(sandbox):
    body = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json").json()
    path = f"{sandbox.acct}/IncomingPhoneNumbers.json"
    missing = copy.deepcopy(body)
    del missing["incoming_phone_numbers"][0]["trunk_sid"]
    with pytest.raises(AssertionError, match="trunk_sid"):
        check_response("GET", path, 200, missing)
    bad_date = copy.deepcopy(body)
    bad_date["incoming_phone_numbers"][0]["date_created"] = "2026-01-01T00:00:00Z"
    with pytest.raises(Exception, match="date-time-rfc-2822"):
        check_response("GET", path, 200, bad_date)
    with pytest.raises(Exception, match="more_info"):
        check_response("GET", path, 404, {"code": 20404, "message": "x", "status": 404})
