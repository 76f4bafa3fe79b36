"""HistoryPagesGateway against the emulator: the Messages and Calls lists a page at a time as
Twilio's JSON, resumable from a stored next-page link of the same account only."""

from __future__ import annotations

from typing import Any

from loquent_desktop.twilio_api.account import TwilioAccount
from tests.twilio_api import sandbox_account
from tests.twilio_api.sandbox_account import emulator_writes

factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def test_first_pages_hold_every_seeded_record_as_json(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    pages = demo_account.history_pages
    messages = qloop.run_until_complete(pages.first_messages_page())
    calls = qloop.run_until_complete(pages.first_calls_page())
    # The seed is smaller than Twilio's maximum page: one page each.
    assert len(messages.records) == sandbox.seed.message_count and messages.next_page_uri is None
    assert len(calls.records) == sandbox.seed.call_count and calls.next_page_uri is None
    assert all(r["sid"].startswith("SM") and "date_sent" in r for r in messages.records)
    assert all(r["sid"].startswith("CA") and "start_time" in r for r in calls.records)
    assert emulator_writes(sandbox) == []


def test_stored_links_are_followed_to_the_end(demo_account: TwilioAccount, qloop: Any) -> None:
    pages = demo_account.history_pages
    link: str | None = pages.list_path("Messages") + "?PageSize=70&Page=0"
    seen: list[str] = []
    while link is not None:
        assert pages.belongs_to("Messages", link)
        page = qloop.run_until_complete(pages.page_at("Messages", link))
        seen += [r["sid"] for r in page.records]
        link = page.next_page_uri
    everything = qloop.run_until_complete(pages.first_messages_page()).records
    assert seen == [r["sid"] for r in everything]


def test_a_link_of_another_account_or_list_is_not_ours(
    demo_account: TwilioAccount, sandbox: Any
) -> None:
    pages = demo_account.history_pages
    own = pages.list_path("Calls")
    assert own == f"/2010-04-01/Accounts/{sandbox.seed.account_sid}/Calls.json"
    assert pages.belongs_to("Calls", own + "?PageSize=1000&PageToken=PACA1")
    assert not pages.belongs_to("Messages", own + "?PageSize=1000")
    other = own.replace(sandbox.seed.account_sid, sandbox.seed.shared_account_sid)
    assert not pages.belongs_to("Calls", other + "?PageSize=1000")
    assert not pages.belongs_to("Calls", None)
