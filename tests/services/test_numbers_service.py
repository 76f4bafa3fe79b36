"""NumbersService through the real twilio library against the emulator over HTTP.

What a user would notice: every owned number listed (all pages), the right "who answers",
searches that say why nothing came back, a purchase that happens once (even when the answer
is lost), a cancel that sends nothing, imports that never touch Twilio, and a CSV that opens
safely in a spreadsheet.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loquent_desktop.domain.errors import (
    CredentialsMissing,
    LoquentError,
    PlanCancelled,
    TwilioApiError,
)
from loquent_desktop.domain.numbers import AvailableNumber, OwnedNumber, SearchQuery
from loquent_desktop.domain.plans import Plan
from loquent_desktop.domain.validation import format_phone
from loquent_desktop.domain.voice_route import RouteKind
from loquent_desktop.services.number_export import CSV_HEADER
from loquent_desktop.services.sandbox_session import SandboxSession
from loquent_desktop.settings import DEFAULT_VOICE_URL

IPN = "/IncomingPhoneNumbers"


def connect_byo(context: Any, qloop: Any, sandbox: Any, name: str = "Acme Dental") -> int:
    async def go() -> int:
        org = await context.organizations.add(name)
        await context.connection.connect(org.id, sandbox.demo_credentials)
        return int(org.id)

    return int(qloop.run_until_complete(go()))


def connect_shared(context: Any, qloop: Any, sandbox: Any) -> int:
    async def go() -> int:
        await context.connection.connect_shared(sandbox.shared_credentials)
        org = await context.organizations.add("Shared Clinic")
        return int(org.id)

    return int(qloop.run_until_complete(go()))


def writes(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.server.requests() if r.is_write]


class Confirmer:
    """Stands in for the confirmation dialog: records the plan, answers yes or no."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.plans: list[Plan] = []

    async def __call__(self, plan: Plan) -> bool:
        self.plans.append(plan)
        return self.answer


def us_number(context: Any, qloop: Any, org_id: int, area_code: str = "415") -> AvailableNumber:
    query = SearchQuery(country="US", number_type="Local", area_code=area_code)
    result = qloop.run_until_complete(context.numbers.search(org_id, query))
    return result.numbers[0]


def owned_matching(sandbox: Any, phone: str) -> list[Any]:
    with sandbox.server.state.lock:
        return [n for n in sandbox.server.state.numbers.values() if n.phone_number == phone]


def put_on_account(
    sandbox: Any, phone: str, voice_url: str = DEFAULT_VOICE_URL, age: timedelta = timedelta(0)
) -> str:
    """The number appears on the demo account as if bought `age` ago (by us or anyone)."""
    from loquent_desktop.sandbox.state import IncomingNumber

    created = datetime.now(UTC) - age
    sid = "PN" + "5" * 32
    with sandbox.server.state.lock:
        sandbox.server.state.add_number(
            IncomingNumber(
                sid=sid,
                account_sid=sandbox.seed.account_sid,
                phone_number=phone,
                friendly_name=phone,
                iso_country="US",
                number_type="local",
                date_created=created,
                date_updated=created,
                capabilities={"voice": True, "sms": True, "mms": False, "fax": False},
                voice_url=voice_url,
            )
        )
        sandbox.server.state.inventory.take(phone)  # sold: no longer for sale
    return sid


def add_shared_org(context: Any, qloop: Any, name: str) -> int:
    return int(qloop.run_until_complete(context.organizations.add(name)).id)


# -- listing -------------------------------------------------------------------------------


@pytest.fixture
def big_context(qloop, app_paths, secret_store) -> Iterator[tuple[Any, SandboxSession]]:  # type: ignore[no-untyped-def]
    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.settings import Settings
    from tests.conftest import no_wait_retries

    session = SandboxSession.start(numbers=2500)
    settings = Settings(twilio_base_url=session.base_url, request_timeout_s=10)
    options = StartOptions(app_paths, settings, secrets=secret_store, retry=no_wait_retries())
    ctx = qloop.run_until_complete(start_app(options))
    yield ctx, session
    qloop.run_until_complete(ctx.aclose())
    session.stop()


def test_list_owned_follows_every_page_of_1000(big_context, qloop) -> None:  # type: ignore[no-untyped-def]
    context, session = big_context
    org_id = connect_byo(context, qloop, session)
    session.server.clear_log()
    seen: list[tuple[int, int]] = []

    numbers = qloop.run_until_complete(
        context.numbers.list_owned(org_id, lambda *counts: seen.append(counts))
    )

    assert len(numbers) == 2500
    assert len({n.sid for n in numbers}) == 2500
    assert seen == [(1000, 1000), (2000, 2000), (2500, 2500)]
    pages = session.server.requests("GET", IPN)
    assert len(pages) == 3
    assert all(r.query.get("PageSize") == "1000" for r in pages)
    assert writes(session) == []


def test_who_answers_follows_twilio_precedence(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    numbers = qloop.run_until_complete(context.numbers.list_owned(org_id))
    url = qloop.run_until_complete(context.numbers.loquent_voice_url(org_id))
    assert url == DEFAULT_VOICE_URL
    by_kind: dict[RouteKind, list[OwnedNumber]] = {}
    for n in numbers:
        by_kind.setdefault(n.voice_route(url).kind, []).append(n)

    (trunked,) = by_kind[RouteKind.TRUNK]
    assert trunked.trunk_sid == sandbox.seed.trunk_sid
    assert trunked.voice_route(url).describe() == f"SIP trunk TK…{sandbox.seed.trunk_sid[-4:]}"
    (app,) = by_kind[RouteKind.APP]
    assert app.voice_route(url).describe().startswith("TwiML app AP…")
    foreign = by_kind[RouteKind.URL]
    assert foreign and all(n.voice_route(url).describe() == n.voice_url for n in foreign)
    assert RouteKind.LOQUENT not in by_kind  # nothing routed to Loquent yet

    # An organization whose Loquent URL is the CRM's host sees those numbers as Loquent's.
    context.database.organizations.set_voice_url(org_id, "https://crm.example.com/voice")
    url = qloop.run_until_complete(context.numbers.loquent_voice_url(org_id))
    crm = [n for n in foreign if (n.voice_url or "").startswith("https://crm.example.com/voice/")]
    assert crm and all(n.voice_route(url).describe() == "Loquent" for n in crm)


# -- search --------------------------------------------------------------------------------


def test_search_sends_only_the_filters_set_and_reports_the_cap(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    sandbox.server.clear_log()
    query = SearchQuery(country="US", number_type="Local", area_code="415", sms=True)

    result = qloop.run_until_complete(context.numbers.search(org_id, query))

    assert result.numbers and len(result.numbers) == 30
    assert all(n.phone_number.startswith("+1415") for n in result.numbers)
    assert all(n.capabilities["sms"] for n in result.numbers)
    assert result.capped and "at most 30" in (result.message or "")
    (sent,) = sandbox.server.requests("GET", "/AvailablePhoneNumbers/US/Local")
    assert sent.query["AreaCode"] == "415"
    assert sent.query["SmsEnabled"] == "true"
    assert sent.query["PageSize"] == "30"
    assert "VoiceEnabled" not in sent.query and "MmsEnabled" not in sent.query
    assert "Contains" not in sent.query


def test_search_without_results_explains_what_to_try(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    query = SearchQuery(country="US", area_code="415", contains="99999999")
    result = qloop.run_until_complete(context.numbers.search(org_id, query))
    assert result.numbers == [] and not result.capped
    assert result.message and "Twilio has no local numbers in US" in result.message
    assert "area code 415" in result.message and "remove the pattern" in result.message


def test_search_of_a_type_not_offered_says_so(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    query = SearchQuery(country="GB", number_type="TollFree")
    with pytest.raises(LoquentError, match="no toll-free numbers in GB"):
        qloop.run_until_complete(context.numbers.search(org_id, query))


def test_countries_sorted_with_their_types(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    countries = qloop.run_until_complete(context.numbers.countries(org_id))
    assert [c.name for c in countries] == [
        "Canada",
        "Germany",
        "United Kingdom",
        "United States",
    ]
    types = {c.code: c.types for c in countries}
    assert types["US"] == ("Local", "TollFree")
    assert types["GB"] == ("Local", "Mobile")


# -- buying --------------------------------------------------------------------------------


def test_buy_sets_voice_url_in_the_same_request_and_stores_it(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    confirm = Confirmer(True)

    purchase = qloop.run_until_complete(context.numbers.buy(org_id, number, confirm))
    bought = purchase.number

    assert purchase.stored_locally and purchase.store_error is None
    (plan,) = confirm.plans
    assert plan.details["phone_number"] == number.phone_number
    assert "organization's own Twilio account" in plan.cost and "monthly" in plan.cost
    assert plan.affected == ("Nobody: the number is new to this account.",)
    assert any(c.field == "Voice URL" and c.after == DEFAULT_VOICE_URL for c in plan.changes)
    (post,) = [r for r in writes(sandbox)]
    assert post.method == "POST" and post.path.endswith("/IncomingPhoneNumbers.json")
    assert post.form["PhoneNumber"] == number.phone_number
    assert post.form["VoiceUrl"] == DEFAULT_VOICE_URL
    assert post.form["VoiceMethod"] == "POST"
    (owned,) = owned_matching(sandbox, number.phone_number)
    assert owned.voice_url == DEFAULT_VOICE_URL and owned.sid == bought.sid
    assert bought.voice_route(DEFAULT_VOICE_URL).kind is RouteKind.LOQUENT
    stored = context.database.phone_numbers.get_by_sid(org_id, bought.sid)
    assert stored is not None and stored.source == "purchased"
    assert stored.voice_url == DEFAULT_VOICE_URL and stored.phone_number == number.phone_number
    journal = context.database.journal.list(5, org_id)
    assert journal[0].action == "number.buy" and journal[0].outcome == "succeeded"
    assert journal[0].result == {
        "number_sid": bought.sid,
        "phone_number": number.phone_number,
        "stored_locally": True,
    }


def test_buy_cancelled_sends_nothing(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    with pytest.raises(PlanCancelled):
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(False)))
    assert writes(sandbox) == []
    assert owned_matching(sandbox, number.phone_number) == []
    assert context.database.phone_numbers.sids_for_org(org_id) == set()
    assert context.database.journal.list(5, org_id)[0].outcome == "cancelled"


def test_lost_purchase_answer_buys_exactly_once(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    # Twilio buys the number, then the connection drops before the answer arrives.
    sandbox.server.faults.add(f"*{IPN}.json", "drop_after", count=1, method="POST")

    bought = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True))).number

    assert len(sandbox.server.requests("POST", IPN)) == 1
    assert len(owned_matching(sandbox, number.phone_number)) == 1
    checks = sandbox.server.requests("GET", IPN)
    assert any(r.query.get("PhoneNumber") == number.phone_number for r in checks)
    assert bought.phone_number == number.phone_number
    assert context.database.phone_numbers.get_by_sid(org_id, bought.sid) is not None


def test_dropped_purchase_that_never_happened_is_retried_once(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "drop", count=1, method="POST")

    bought = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True))).number

    assert len(sandbox.server.requests("POST", IPN)) == 2
    (owned,) = owned_matching(sandbox, number.phone_number)
    assert owned.sid == bought.sid


def test_number_no_longer_available_has_a_clear_message(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    other = connect_shared(context, qloop, sandbox)  # another account buys it first
    number = us_number(context, qloop, org_id)
    qloop.run_until_complete(context.numbers.buy(other, number, Confirmer(True)))
    sandbox.server.clear_log()
    with pytest.raises(TwilioApiError, match="someone else bought it") as caught:
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))
    assert caught.value.code == 21422
    assert context.database.journal.list(5, org_id)[0].outcome == "failed"


def test_not_available_is_never_claimed_even_if_the_account_owns_it(
    context, qloop, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    # Another platform on the customer's account bought it a moment ago, even with our URL.
    put_on_account(sandbox, number.phone_number)
    sandbox.server.clear_log()

    with pytest.raises(TwilioApiError, match="already on this Twilio account, but not as a"):
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    assert len(sandbox.server.requests("POST", IPN)) == 1
    assert context.database.phone_numbers.sids_for_org(org_id) == set()
    assert context.database.journal.list(5, org_id)[0].outcome == "failed"


def test_shared_org_cannot_claim_what_another_shared_org_bought(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_a = connect_shared(context, qloop, sandbox)
    org_b = add_shared_org(context, qloop, "Other Clinic")
    stale = us_number(context, qloop, org_a, "212")  # A's search result, then B buys it
    bought = qloop.run_until_complete(context.numbers.buy(org_b, stale, Confirmer(True)))

    with pytest.raises(TwilioApiError, match="no longer available"):
        qloop.run_until_complete(context.numbers.buy(org_a, stale, Confirmer(True)))

    assert context.database.phone_numbers.sids_for_org(org_a) == set()
    assert context.database.phone_numbers.sids_for_org(org_b) == {bought.number.sid}
    assert qloop.run_until_complete(context.numbers.list_owned(org_a)) == []


@pytest.mark.parametrize(
    ("voice_url", "age"),
    [
        ("https://crm.example.com/voice", timedelta(0)),  # another platform's configuration
        (DEFAULT_VOICE_URL, timedelta(hours=1)),  # bought before this purchase started
    ],
)
def test_uncertain_attempt_claims_no_number_it_did_not_create(
    context, qloop, sandbox, voice_url, age
) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    put_on_account(sandbox, number.phone_number, voice_url, age)
    sandbox.server.faults.add(f"*{IPN}.json", "500", count=1, method="POST")

    with pytest.raises(TwilioApiError, match="no longer available"):
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    assert context.database.phone_numbers.sids_for_org(org_id) == set()


def test_uncertain_shared_attempt_claims_no_other_orgs_number(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_a = connect_shared(context, qloop, sandbox)
    org_b = add_shared_org(context, qloop, "Other Clinic")
    stale = us_number(context, qloop, org_a, "212")
    # B bought it seconds ago with the same (default) Voice URL: only Loquent's records tell.
    qloop.run_until_complete(context.numbers.buy(org_b, stale, Confirmer(True)))
    sandbox.server.faults.add(f"*{IPN}.json", "500", count=1, method="POST")

    with pytest.raises(TwilioApiError, match="no longer available"):
        qloop.run_until_complete(context.numbers.buy(org_a, stale, Confirmer(True)))

    assert context.database.phone_numbers.sids_for_org(org_a) == set()


def test_retry_meeting_the_first_purchase_still_in_progress_is_a_success(
    context, qloop, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    # The first answer is lost; Twilio finishes that purchase while the retry is on its way,
    # so the retry gets 21422 although the account now owns (and pays for) the number.
    sandbox.server.faults.add(f"*{IPN}.json", "drop", count=1, method="POST")
    slow = sandbox.server.faults.add(f"*{IPN}.json", "latency", latency=0.5, method="POST")

    async def first_purchase_completes() -> str:
        while slow.remaining:
            await asyncio.sleep(0.01)
        return put_on_account(sandbox, number.phone_number)

    async def scenario() -> tuple[Any, str]:
        late = asyncio.ensure_future(first_purchase_completes())
        purchase = await context.numbers.buy(org_id, number, Confirmer(True))
        return purchase, await late

    purchase, sid = qloop.run_until_complete(scenario())

    assert purchase.number.sid == sid and purchase.stored_locally
    posts = sandbox.server.requests("POST", IPN)
    assert len(posts) == 2 and posts[-1].status == 400  # the retry's 21422
    assert len(owned_matching(sandbox, number.phone_number)) == 1
    assert context.database.journal.list(5, org_id)[0].outcome == "succeeded"


def test_second_lost_answer_says_the_purchase_may_have_gone_through(
    context, qloop, sandbox
) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "drop", count=2, method="POST")
    shown = format_phone(number.phone_number)

    with pytest.raises(LoquentError) as caught:
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    expected = (
        f"The purchase of {shown} may have gone through: Twilio's answer was lost. "
        "Refresh the owned numbers before trying again."
    )
    assert str(caught.value) == expected
    assert len(sandbox.server.requests("POST", IPN)) == 2  # never a third
    entry = context.database.journal.list(5, org_id)[0]
    assert entry.outcome == "unknown" and entry.error == expected


def test_bought_unseen_then_21422_is_claimed_not_blamed_on_someone_else(
    context, qloop, sandbox
) -> None:  # type: ignore[no-untyped-def]
    """The purchase lands but its answer is lost and the ownership check fails too: the
    journal says "unknown" (never "failed"). Buying again meets 21422 for a number the account
    owns with this organization's URL: that is the earlier purchase, recorded now."""
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.faults.add(f"*{IPN}.json", "drop_after", count=1, method="POST")
    sandbox.server.faults.add(f"*{IPN}.json", "500", count=20, method="GET")
    with pytest.raises(LoquentError, match="may or may not have gone through"):
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))
    assert context.database.journal.list(5, org_id)[0].outcome == "unknown"
    assert context.database.phone_numbers.sids_for_org(org_id) == set()
    (owned,) = owned_matching(sandbox, number.phone_number)  # bought, and paid for

    sandbox.server.faults.clear()
    purchase = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    assert purchase.number.sid == owned.sid and purchase.stored_locally
    assert len(owned_matching(sandbox, number.phone_number)) == 1  # never bought twice
    assert context.database.phone_numbers.get_by_sid(org_id, owned.sid) is not None
    assert context.database.journal.list(5, org_id)[0].outcome == "succeeded"


def test_a_cut_off_purchase_answer_is_a_purchase(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "truncate", count=1, method="POST")

    purchase = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    (owned,) = owned_matching(sandbox, number.phone_number)
    assert purchase.number.sid == owned.sid and purchase.stored_locally
    assert len(sandbox.server.requests("POST", IPN)) == 1
    assert context.database.journal.list(5, org_id)[0].outcome == "succeeded"


def test_second_lost_answer_that_bought_the_number_is_a_success(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.faults.add(f"*{IPN}.json", "drop", count=1, method="POST")
    sandbox.server.faults.add(f"*{IPN}.json", "drop_after", count=1, method="POST")

    purchase = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    (owned,) = owned_matching(sandbox, number.phone_number)
    assert purchase.number.sid == owned.sid and purchase.stored_locally


def test_purchase_5xx_not_processed_is_reported_and_not_retried(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "500", count=1, method="POST")

    with pytest.raises(TwilioApiError, match="Twilio had a server problem") as caught:
        qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    assert "is not on the account as of now" in str(caught.value)
    assert "Refresh the owned numbers before trying again" in str(caught.value)
    assert len(sandbox.server.requests("POST", IPN)) == 1  # no automatic second POST
    checks = sandbox.server.requests("GET", IPN)
    assert any(r.query.get("PhoneNumber") == number.phone_number for r in checks)
    assert owned_matching(sandbox, number.phone_number) == []
    assert context.database.journal.list(5, org_id)[0].outcome == "failed"


def test_purchase_5xx_that_twilio_processed_counts_as_bought(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    # Twilio bought it, then answered 500: the account owns the number, the POST "failed".
    put_on_account(sandbox, number.phone_number)
    sandbox.server.clear_log()
    sandbox.server.faults.add(f"*{IPN}.json", "500", count=1, method="POST")

    purchase = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    assert purchase.number.sid == "PN" + "5" * 32 and purchase.stored_locally
    assert len(sandbox.server.requests("POST", IPN)) == 1
    assert context.database.phone_numbers.get_by_sid(org_id, purchase.number.sid) is not None
    assert context.database.journal.list(5, org_id)[0].outcome == "succeeded"


def fail_local_inserts(context: Any) -> None:
    """A real database failure on the next phone-number insert (as a full disk would)."""
    from sqlalchemy import text

    with context.database.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER refuse_numbers BEFORE INSERT ON phone_number "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        )


def test_bought_number_stays_bought_when_the_local_write_fails(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    number = us_number(context, qloop, org_id)
    fail_local_inserts(context)

    purchase = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))

    assert not purchase.stored_locally
    assert "database or disk is full" in (purchase.store_error or "")
    (owned,) = owned_matching(sandbox, number.phone_number)
    assert owned.sid == purchase.number.sid
    entry = context.database.journal.list(5, org_id)[0]
    assert entry.outcome == "succeeded"
    assert entry.result == {
        "number_sid": owned.sid,
        "phone_number": number.phone_number,
        "stored_locally": False,
    }


def test_address_required_uses_a_matching_address(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    query = SearchQuery(country="GB", number_type="Local")
    found = qloop.run_until_complete(context.numbers.search(org_id, query)).numbers
    london = next(n for n in found if n.address_requirements == "any")
    sandbox.server.clear_log()
    confirm = Confirmer(True)

    qloop.run_until_complete(context.numbers.buy(org_id, london, confirm))

    assert confirm.plans[0].details["address_sid"] == sandbox.seed.address_sids["GB"]
    assert any(c.field == "Address" for c in confirm.plans[0].changes)
    (post,) = sandbox.server.requests("POST", IPN)
    assert post.form["AddressSid"] == sandbox.seed.address_sids["GB"]


def test_address_required_without_address_stops_before_the_plan(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_shared(context, qloop, sandbox)  # the shared account has no addresses
    query = SearchQuery(country="GB", number_type="Local")
    needy = qloop.run_until_complete(context.numbers.search(org_id, query)).numbers[0]
    assert needy.needs_address
    sandbox.server.clear_log()
    confirm = Confirmer(True)

    with pytest.raises(LoquentError, match=r"Regulatory → Addresses"):
        qloop.run_until_complete(context.numbers.buy(org_id, needy, confirm))

    assert confirm.plans == []
    assert writes(sandbox) == []


def test_shared_purchase_plan_names_the_shared_account(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_shared(context, qloop, sandbox)
    number = us_number(context, qloop, org_id, "212")
    plan = qloop.run_until_complete(context.numbers.plan_purchase(org_id, number))
    assert "Loquent's shared Twilio account" in plan.cost
    assert plan.details["address_sid"] is None


def test_purchase_plan_is_built_without_twilio() -> None:
    """The pure builder: every field the purchase sets, who pays, and the address Twilio
    requires, from values alone (no emulator, no client)."""
    from loquent_desktop.domain.credentials import Credentials, Mode, ResolvedCredentials
    from loquent_desktop.services.number_purchase_plans import (
        choose_address,
        purchase_plan,
        purchase_request,
    )

    resolved = ResolvedCredentials(Credentials("AC" + "1" * 32, "t" * 32), Mode.BYO)
    number = AvailableNumber("+442071838750", iso_country="GB", address_requirements="local")
    addresses = [("AD" + "1" * 32, "US", "Acme SF"), ("AD" + "2" * 32, "GB", "Acme London")]
    address = choose_address(number, addresses)
    assert address == ("AD" + "2" * 32, "Acme London")
    plan = purchase_plan(number, "Acme", resolved, "https://l.example/voice", address)
    assert plan.action == "number.buy" and plan.organization == "Acme"
    assert [(c.field, c.after) for c in plan.changes][1:3] == [
        ("Voice URL", "https://l.example/voice"),
        ("Voice method", "POST"),
    ]
    assert "own Twilio account" in plan.cost and "Acme London" in " ".join(plan.notes)
    assert purchase_request(plan.details) == {
        "phone_number": "+442071838750",
        "voice_url": "https://l.example/voice",
        "voice_method": "POST",
        "address_sid": "AD" + "2" * 32,
    }
    with pytest.raises(LoquentError, match="Regulatory"):
        choose_address(number, addresses[:1])


# -- import and export ---------------------------------------------------------------------


def test_import_copies_metadata_and_never_writes_to_twilio(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    sandbox.server.clear_log()
    missing = qloop.run_until_complete(context.numbers.not_imported(org_id))
    assert len(missing) == 25
    requests_before = len(sandbox.server.requests())

    first = qloop.run_until_complete(context.numbers.import_numbers(org_id, missing[:10]))
    second = qloop.run_until_complete(context.numbers.import_numbers(org_id, missing))

    assert (first.imported, first.already_existed) == (10, 0)
    assert second.message == "15 imported, 10 already existed"
    assert len(sandbox.server.requests()) == requests_before  # import itself sent nothing
    assert writes(sandbox) == []
    imported = qloop.run_until_complete(context.numbers.imported_sids(org_id))
    assert imported == {n.sid for n in missing}
    assert qloop.run_until_complete(context.numbers.not_imported(org_id)) == []
    trunked = next(n for n in missing if n.trunk_sid)
    record = context.database.phone_numbers.get_by_sid(org_id, trunked.sid)
    assert record.source == "imported" and record.trunk_sid == sandbox.seed.trunk_sid


def test_csv_export_content_and_formula_guard(context, qloop, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    numbers = qloop.run_until_complete(context.numbers.list_owned(org_id))
    evil = OwnedNumber(
        "PN" + "e" * 32,
        "+14155550199",
        friendly_name='=HYPERLINK("https://evil.example","x")',
        capabilities={"voice": True},
        voice_url="@SUM(1)",
    )
    imported = {numbers[0].sid}
    path = tmp_path / "numbers.csv"

    written = context.numbers.export_csv([*numbers, evil], path, DEFAULT_VOICE_URL, imported)

    assert written == 26
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_HEADER
    by_sid = {row[2]: dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]}
    trunked = next(n for n in numbers if n.trunk_sid)
    assert by_sid[trunked.sid]["who_answers"].startswith("SIP trunk TK…")
    assert by_sid[trunked.sid]["phone_number"] == trunked.phone_number  # E.164 kept as is
    assert by_sid[numbers[0].sid]["imported"] == "yes"
    assert by_sid[trunked.sid]["imported"] == "no"
    assert all(row["routed_to_loquent"] == "no" for row in by_sid.values())
    bad = by_sid[evil.sid]
    assert bad["friendly_name"].startswith("'=HYPERLINK")
    assert bad["voice_url"] == "'@SUM(1)"
    assert bad["phone_number"] == "+14155550199"


# -- credentials ---------------------------------------------------------------------------


def test_byo_without_credentials_never_reaches_twilio(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    async def setup() -> int:
        await context.connection.connect_shared(sandbox.shared_credentials)
        org = await context.organizations.add("Unconnected BYO")
        await context.organizations.set_mode(org.id, True)
        return int(org.id)

    org_id = qloop.run_until_complete(setup())
    sandbox.server.clear_log()
    number = AvailableNumber("+14155550123", iso_country="US")
    service = context.numbers
    calls = [
        service.list_owned(org_id),
        service.countries(org_id),
        service.search(org_id, SearchQuery(area_code="415")),
        service.plan_purchase(org_id, number),
        service.buy(org_id, number, Confirmer(True)),
        service.not_imported(org_id),
    ]
    for call in calls:
        with pytest.raises(CredentialsMissing, match="never used"):
            qloop.run_until_complete(call)
    assert sandbox.server.requests() == []


# -- shared mode ---------------------------------------------------------------------------


def test_shared_org_sees_only_its_own_numbers_and_cannot_import(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_shared(context, qloop, sandbox)
    assert qloop.run_until_complete(context.numbers.list_owned(org_id)) == []  # 3 others'

    number = us_number(context, qloop, org_id, "212")
    bought = qloop.run_until_complete(context.numbers.buy(org_id, number, Confirmer(True)))
    seen: list[tuple[int, int]] = []
    listed = qloop.run_until_complete(
        context.numbers.list_owned(org_id, lambda *counts: seen.append(counts))
    )

    assert [n.sid for n in listed] == [bought.number.sid]
    assert seen == [(1, 4)]  # progress counts this organization's numbers, of 4 checked
    record = context.database.phone_numbers.get_by_sid(org_id, bought.number.sid)
    assert record is not None and record.source == "purchased"
    sandbox.server.clear_log()
    for call in (
        context.numbers.not_imported(org_id),
        context.numbers.import_numbers(org_id, listed),
    ):
        with pytest.raises(LoquentError, match="other organizations' numbers"):
            qloop.run_until_complete(call)
    assert sandbox.server.requests() == []


def test_csv_masks_passwords_in_urls(context, qloop, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret_url = "https://crm:s3cr3t@hooks.example.com/voice"
    number = OwnedNumber(
        "PN" + "a" * 32,
        "+14155550142",
        voice_url=secret_url,
        sms_url="https://bot:t0ken@sms.example.com/in",
    )
    path = tmp_path / "numbers.csv"

    context.numbers.export_csv([number], path, DEFAULT_VOICE_URL, set())

    content = path.read_text(encoding="utf-8")
    assert "s3cr3t" not in content and "t0ken" not in content
    (row,) = list(csv.DictReader(content.splitlines()))
    assert row["who_answers"] == row["voice_url"] == "https://crm:••••@hooks.example.com/voice"
    assert row["sms_route"] == "https://bot:••••@sms.example.com/in"
