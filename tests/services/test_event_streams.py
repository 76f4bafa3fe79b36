"""EventStreamsService through the real twilio library against the emulator over HTTP.

What a user would notice: one sink and one subscription however often (or however
interrupted) set-up runs, a plan that says what is created and what is left alone, a cancel
that sends nothing, the other platform's sink never touched, a sink deleted only when nothing
uses it, and Shared or unconnected organizations refused in words.
"""

from __future__ import annotations

import asyncio
from dataclasses import astuple
from datetime import UTC, datetime
from typing import Any

import pytest

from loquent_desktop.domain.errors import (
    CredentialsMissing,
    InvalidInput,
    LoquentError,
    PlanCancelled,
)
from loquent_desktop.domain.event_streams import (
    Access,
    StreamKind,
    normalize_destination,
    organization_tag,
)
from loquent_desktop.sandbox.seed_events import CRM_EVENTS_URL
from loquent_desktop.sandbox.state import Sink, Subscription
from loquent_desktop.services.event_streams import StreamChange
from loquent_desktop.settings import DEFAULT_EVENTS_URL
from tests.services.test_numbers_service import Confirmer, connect_byo, connect_shared, writes

SMS, CALLS = StreamKind.SMS, StreamKind.CALLS
SMS_TYPES = {
    "com.twilio.messaging.message.queued",
    "com.twilio.messaging.message.sent",
    "com.twilio.messaging.message.delivered",
    "com.twilio.messaging.message.undelivered",
    "com.twilio.messaging.message.failed",
    "com.twilio.messaging.message.read",
    "com.twilio.messaging.inbound-message.received",
}
# How the plan lists them: exact names, grouped so that the dialog's table can wrap them.
SMS_CELL = (
    "com.twilio.messaging.message.{queued, sent, delivered, undelivered, failed, read} "
    "(schema v8)\ncom.twilio.messaging.inbound-message.received (schema v4)"
)
CALL_TYPES = {
    f"com.twilio.voice.status-callback.call.{s}"
    for s in ("initiated", "ringing", "answered", "completed")
}


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def ours(sandbox: Any, url: str = DEFAULT_EVENTS_URL) -> tuple[list[Sink], list[Subscription]]:
    """Sinks to our events URL and the subscriptions on them, as the emulator holds them."""
    state = sandbox.server.state
    with state.lock:
        sinks = [s for s in state.sinks.values() if s.configuration.get("destination") == url]
        sids = {s.sid for s in sinks}
        subs = [s for s in state.subscriptions.values() if s.sink_sid in sids]
        return list(sinks), list(subs)


def crm(sandbox: Any) -> list[tuple[Any, ...]]:
    """Every field of the other platform's sink and subscription."""
    state = sandbox.server.state
    with state.lock:
        sinks = state.sinks.values()
        sink = next(s for s in sinks if s.configuration["destination"] == CRM_EVENTS_URL)
        subs = [s for s in state.subscriptions.values() if s.sink_sid == sink.sid]
        return [astuple(sink)] + [(*astuple(s)[:4], dict(s.types)) for s in subs]


async def set_up(context: Any, org_id: int, kind: StreamKind, confirm: Any) -> StreamChange:
    """Plan a set-up, ask `confirm`, apply it: what the Event streaming page does."""
    change = await context.event_streams.prepare_setup(org_id, kind)
    return await context.plans.apply(change, confirm)


async def tear_down(context: Any, org_id: int, kind: StreamKind, confirm: Any) -> StreamChange:
    """Plan a removal, ask `confirm`, apply it."""
    change = await context.event_streams.prepare_remove(org_id, kind)
    return await context.plans.apply(change, confirm)


def setup(context: Any, qloop: Any, org_id: int, kind: StreamKind, answer: bool = True) -> Any:
    return run(qloop, set_up(context, org_id, kind, Confirmer(answer)))


def remove(context: Any, qloop: Any, org_id: int, kind: StreamKind) -> Any:
    return run(qloop, tear_down(context, org_id, kind, Confirmer(True)))


def test_sms_setup_creates_one_sink_and_subscription(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    before = crm(sandbox)
    confirm = Confirmer(True)
    result = run(qloop, set_up(context, org_id, SMS, confirm))

    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 1
    assert sinks[0].configuration == {
        "destination": DEFAULT_EVENTS_URL,
        "method": "POST",
        "batch_events": False,
    }
    # The description names the organization (by its tag, no PII): never adopted by another.
    tag = organization_tag(context.database.organizations.get(org_id).keychain_id)
    assert sinks[0].sink_type == "webhook"
    assert subs[0].description == f"Loquent SMS events (org {tag})"
    assert set(subs[0].types) == SMS_TYPES and set(subs[0].types.values()) == {4, 8}  # latest
    assert (result.sink_sid, result.subscription_sid) == (sinks[0].sid, subs[0].sid)
    assert crm(sandbox) == before  # the CRM's sink and subscription are untouched

    plan = confirm.plans[0]
    fields = [(c.field, c.after) for c in plan.changes]
    assert ("Destination", DEFAULT_EVENTS_URL) in fields
    assert next(after for f, after in fields if f == "Event types (7)") == SMS_CELL
    assert {t["type"] for t in plan.details["add_types"]} == SMS_TYPES  # the journal's copy
    assert "Per-number webhooks are untouched" in " ".join(plan.notes)
    assert any(CRM_EVENTS_URL in n and "Left alone" in n for n in plan.notes)
    assert "No charge from Twilio" in plan.cost

    stored = context.database.event_streams.get(org_id, "sms")
    assert (stored.sink_sid, stored.subscription_sid, stored.sink_created) == (
        sinks[0].sid, subs[0].sid, True,
    )  # fmt: skip
    entry = context.database.journal.list(org_id=org_id)[0]
    assert (entry.action, entry.outcome) == ("events.sms.setup", "succeeded")
    assert entry.result["subscription_sid"] == subs[0].sid


def test_cancel_sends_nothing(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    sandbox.server.clear_log()
    with pytest.raises(PlanCancelled):
        setup(context, qloop, org_id, SMS, answer=False)
    assert writes(sandbox) == []
    assert ours(sandbox) == ([], [])
    assert context.database.event_streams.get(org_id, "sms") is None
    assert context.database.journal.list(org_id=org_id)[0].outcome == "cancelled"


def test_setting_up_twice_changes_nothing_the_second_time(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    setup(context, qloop, org_id, SMS)
    sandbox.server.clear_log()
    confirm = Confirmer(True)
    with pytest.raises(LoquentError, match=r"already set up.*Nothing was changed"):
        run(qloop, set_up(context, org_id, SMS, confirm))
    assert confirm.plans == [] and writes(sandbox) == []
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 1


def test_a_lost_answer_then_a_retry_still_makes_one_of_each(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    # Twilio creates the subscription, but its answer never arrives.
    sandbox.server.faults.add("/v1/Subscriptions", "drop_after", method="POST")
    with pytest.raises(LoquentError):
        setup(context, qloop, org_id, SMS)
    assert len(ours(sandbox)[1]) == 1
    # The next attempt finds both (sink by destination, subscription by description).
    with pytest.raises(LoquentError, match="already set up"):
        setup(context, qloop, org_id, SMS)
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 1
    assert context.database.event_streams.get(org_id, "sms").subscription_sid == subs[0].sid


def test_an_existing_sink_to_our_url_is_reused(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    state, now = sandbox.server.state, datetime.now(UTC)
    config = {"destination": DEFAULT_EVENTS_URL, "method": "POST", "batch_events": False}
    existing = Sink("DG" + "a" * 32, sandbox.seed.account_sid, "Set up by hand", "webhook",
                    config, now, now)  # fmt: skip
    state.add(state.sinks, existing)
    sandbox.server.clear_log()
    confirm = Confirmer(True)
    result = run(qloop, set_up(context, org_id, SMS, confirm))
    assert sandbox.server.requests("POST", "/v1/Sinks") == []
    assert result.sink_sid == existing.sid and not result.sink_created
    assert any("Reuses the sink" in n for n in confirm.plans[0].notes)
    assert not any(c.field == "Destination" for c in confirm.plans[0].changes)
    assert state.sinks[existing.sid].description == "Set up by hand"  # not changed


def test_calls_are_independent_and_share_the_sink(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    before = crm(sandbox)
    setup(context, qloop, org_id, SMS)
    calls = setup(context, qloop, org_id, CALLS)
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 2
    by_desc = {s.description.split(" (org ")[0]: set(s.types) for s in subs}
    assert by_desc == {"Loquent SMS events": SMS_TYPES, "Loquent call events": CALL_TYPES}
    assert calls.sink_sid == sinks[0].sid and not calls.sink_created

    # Removing SMS keeps the sink the calls stream still uses...
    confirm = Confirmer(True)
    result = run(qloop, tear_down(context, org_id, SMS, confirm))
    assert not result.sink_deleted
    assert any("stays" in n and "Loquent call events" in n for n in confirm.plans[0].notes)
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and [s.description[:19] for s in subs] == ["Loquent call events"]
    status = run(qloop, context.event_streams.status(org_id))
    assert status.calls.is_active and not status.sms.is_set_up
    # ...and removing calls deletes it, since nothing uses it any more.
    assert remove(context, qloop, org_id, CALLS).sink_deleted
    assert ours(sandbox) == ([], [])
    assert crm(sandbox) == before
    assert context.database.event_streams.list_for(org_id) == []
    actions = [e.action for e in context.database.journal.list(org_id=org_id)]
    assert actions[:2] == ["events.calls.remove", "events.sms.remove"]


def test_a_new_available_type_is_added_to_the_subscription(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    state = sandbox.server.state
    state.event_types["com.twilio.messaging.message.read"].status = "deprecated"
    first = setup(context, qloop, org_id, SMS)
    assert "com.twilio.messaging.message.read" not in first.types  # only available types
    state.event_types["com.twilio.messaging.message.read"].status = "available"
    status = run(qloop, context.event_streams.status(org_id))
    assert status.sms.missing_types == ("com.twilio.messaging.message.read",)

    sandbox.server.clear_log()
    confirm = Confirmer(True)
    run(qloop, set_up(context, org_id, SMS, confirm))
    posts = [r.path for r in writes(sandbox)]
    assert posts == [f"/v1/Subscriptions/{first.subscription_sid}/SubscribedEvents"]
    changes = [(c.field, c.after) for c in confirm.plans[0].changes]
    assert changes == [("Event types added (1)", "com.twilio.messaging.message.read (schema v8)")]
    assert set(ours(sandbox)[1][0].types) == SMS_TYPES


def test_a_failed_subscription_leaves_a_sink_that_set_up_reuses(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    sandbox.server.faults.add("/v1/Subscriptions", "500", method="POST")
    with pytest.raises(LoquentError, match=r"server problem.*new sink .* was created"):
        setup(context, qloop, org_id, SMS)
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and subs == []
    assert context.database.journal.list(org_id=org_id)[0].outcome == "failed"
    # Remove cleans up the unused sink...
    assert remove(context, qloop, org_id, SMS).sink_deleted
    assert ours(sandbox) == ([], [])
    # ...or, after another failure, Set up finishes with the same sink.
    sandbox.server.faults.add("/v1/Subscriptions", "500", method="POST")
    with pytest.raises(LoquentError):
        setup(context, qloop, org_id, SMS)
    leftover = ours(sandbox)[0][0].sid
    assert setup(context, qloop, org_id, SMS).sink_sid == leftover
    assert [len(x) for x in ours(sandbox)] == [1, 1]


def test_a_subscription_deleted_elsewhere_is_reported_and_restored(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    first = setup(context, qloop, org_id, SMS)
    with sandbox.server.state.lock:
        del sandbox.server.state.subscriptions[first.subscription_sid]
    status = run(qloop, context.event_streams.status(org_id))
    assert "is gone from Twilio" in status.sms.problem
    again = setup(context, qloop, org_id, SMS)
    assert again.sink_sid == first.sink_sid and again.subscription_sid != first.subscription_sid
    assert [len(x) for x in ours(sandbox)] == [1, 1]


def test_events_url_is_validated_and_used(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    with pytest.raises(InvalidInput, match="https://"):
        run(qloop, context.event_streams.set_events_url(org_id, "http://events.example/x"))
    url = "https://events.northwind.example/twilio"
    run(qloop, context.event_streams.set_events_url(org_id, f"  {url} "))
    setup(context, qloop, org_id, SMS)
    assert [len(x) for x in ours(sandbox, url)] == [1, 1]

    # Moving the URL later: the stream says where it really goes and set-up refuses to
    # make a second one.
    run(qloop, context.event_streams.set_events_url(org_id, ""))
    status = run(qloop, context.event_streams.status(org_id))
    assert status.events_url == DEFAULT_EVENTS_URL and status.events_url_is_default
    assert url in status.sms.problem and "Remove" in status.sms.problem
    with pytest.raises(LoquentError, match="Remove them first"):
        setup(context, qloop, org_id, SMS)
    remove(context, qloop, org_id, SMS)
    assert ours(sandbox, url) == ([], [])


def test_shared_and_unconnected_organizations(context, qloop, sandbox) -> None:
    shared_id = connect_shared(context, qloop, sandbox)
    sandbox.server.clear_log()
    status = run(qloop, context.event_streams.status(shared_id))
    assert status.access is Access.SHARED and status.sms is None
    with pytest.raises(LoquentError, match="Shared mode"):
        setup(context, qloop, shared_id, SMS)
    assert [r for r in sandbox.server.requests() if r.path.startswith("/v1/")] == []

    org = run(qloop, context.organizations.add("Not yet connected"))
    run(qloop, context.organizations.set_mode(org.id, True))
    assert run(qloop, context.event_streams.status(org.id)).access is Access.NOT_CONNECTED
    with pytest.raises(CredentialsMissing):
        setup(context, qloop, org.id, CALLS)


def test_removing_what_is_not_there(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    sandbox.server.clear_log()
    with pytest.raises(LoquentError, match=r"not set up.*nothing to remove"):
        remove(context, qloop, org_id, CALLS)
    assert writes(sandbox) == []


def test_two_set_ups_at_once_still_make_one_sink(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)

    async def both() -> None:
        await asyncio.gather(
            set_up(context, org_id, SMS, Confirmer(True)),
            set_up(context, org_id, CALLS, Confirmer(True)),
        )

    run(qloop, both())
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 2


def test_a_cancelled_or_dropped_plan_does_not_hold_up_the_next_change(
    context, qloop, sandbox
) -> None:
    """The account's turn ends with a cancelled plan, with one prepared but never shown, and
    a plan applied later on (its execution takes a new turn and reads the account again)."""
    org_id = connect_byo(context, qloop, sandbox)

    async def cancel_then_set_up() -> StreamChange:
        with pytest.raises(PlanCancelled):
            await set_up(context, org_id, SMS, Confirmer(False))
        return await asyncio.wait_for(set_up(context, org_id, SMS, Confirmer(True)), 10)

    run(qloop, context.event_streams.prepare_setup(org_id, SMS))  # dropped: never shown
    assert run(qloop, cancel_then_set_up()).sink_created
    change = run(qloop, context.event_streams.prepare_setup(org_id, CALLS))
    run(qloop, asyncio.wait_for(context.plans.apply(change, Confirmer(True)), 10))
    sinks, subs = ours(sandbox)
    assert len(sinks) == 1 and len(subs) == 2


# -- after confirm, only what the plan showed ------------------------------------------------


def drop_subscription(sandbox: Any, description_start: str) -> None:
    state = sandbox.server.state
    with state.lock:
        sid = next(s.sid for s in state.subscriptions.values()
                   if s.description.startswith(description_start))  # fmt: skip
        del state.subscriptions[sid]


def test_a_sink_the_plan_keeps_is_kept_when_its_user_goes_meanwhile(
    context, qloop, sandbox
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    setup(context, qloop, org_id, SMS)
    setup(context, qloop, org_id, CALLS)
    sink = ours(sandbox)[0][0]

    async def confirm_while_calls_are_removed_elsewhere(plan: Any) -> bool:
        assert not any(c.field == "Sink" for c in plan.changes)
        assert any("stays" in n and "Loquent call events" in n for n in plan.notes)
        drop_subscription(sandbox, "Loquent call events")  # the Console, another window
        return True

    result = run(qloop, tear_down(context, org_id, SMS, confirm_while_calls_are_removed_elsewhere))
    # The plan said the sink stays: it stays, and the user is told why it is now unused.
    assert sink.sid in sandbox.server.state.sinks and not result.sink_deleted
    assert "stays, as the plan said, but nothing uses it" in result.warning
    assert sandbox.server.requests("DELETE", f"/v1/Sinks/{sink.sid}") == []
    # It stays recorded, so the status offers to delete it and Remove can.
    status = run(qloop, context.event_streams.status(org_id))
    assert status.sms.sink_sid == sink.sid and "Remove… deletes it" in status.sms.problem
    confirm = Confirmer(True)
    again = run(qloop, tear_down(context, org_id, SMS, confirm))
    assert [c.after for c in confirm.plans[0].changes] == [
        "Deleted (no other subscription uses it)"
    ]
    assert again.sink_deleted and sink.sid not in sandbox.server.state.sinks


def test_set_up_sends_nothing_when_a_sink_appeared_after_the_plan(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    state = sandbox.server.state

    async def confirm_while_someone_creates_a_sink(plan: Any) -> bool:
        assert any(c.field == "Destination" for c in plan.changes)  # the plan: a new sink
        now = datetime.now(UTC)
        config = {"destination": DEFAULT_EVENTS_URL, "method": "POST", "batch_events": False}
        state.add(state.sinks, Sink("DG" + "d" * 32, sandbox.seed.account_sid, "Other window",
                                    "webhook", config, now, now))  # fmt: skip
        sandbox.server.clear_log()
        return True

    with pytest.raises(LoquentError, match=r"changed since the plan was shown.*Nothing was sent"):
        run(qloop, set_up(context, org_id, SMS, confirm_while_someone_creates_a_sink))
    assert writes(sandbox) == []
    assert [len(x) for x in ours(sandbox)] == [1, 0]  # only the sink made elsewhere
    assert context.database.journal.list(org_id=org_id)[0].outcome == "failed"


def test_set_up_sends_nothing_when_the_subscription_went_after_the_plan(
    context, qloop, sandbox
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    state = sandbox.server.state
    state.event_types["com.twilio.messaging.message.read"].status = "deprecated"
    setup(context, qloop, org_id, SMS)
    state.event_types["com.twilio.messaging.message.read"].status = "available"

    async def confirm_while_it_is_deleted(plan: Any) -> bool:
        assert plan.changes[0].field == "Event types added (1)"
        drop_subscription(sandbox, "Loquent SMS events")
        sandbox.server.clear_log()
        return True

    with pytest.raises(LoquentError, match=r"subscription DF\S+ was deleted.*Nothing was sent"):
        run(qloop, set_up(context, org_id, SMS, confirm_while_it_is_deleted))
    assert writes(sandbox) == []


def test_removal_checks_live_before_deleting_the_sink_and_says_so(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    setup(context, qloop, org_id, SMS)
    sink = ours(sandbox)[0][0]

    async def confirm_while_someone_subscribes(plan: Any) -> bool:
        state, now = sandbox.server.state, datetime.now(UTC)
        other = Subscription("DF" + "e" * 32, sandbox.seed.account_sid, sink.sid, "Analytics",
                             {"com.twilio.messaging.message.sent": 1}, now, now)  # fmt: skip
        state.add(state.subscriptions, other)
        return True

    result = run(qloop, tear_down(context, org_id, SMS, confirm_while_someone_subscribes))
    assert not result.sink_deleted and result.incomplete
    assert "“Analytics”" in result.warning and "changed since the plan was shown" in result.warning
    assert "Nothing more was sent" in result.warning
    entry = context.database.journal.list(org_id=org_id)[0]
    assert entry.outcome == "partial" and "Analytics" in entry.error


def test_a_sink_already_gone_is_reported_as_gone(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    setup(context, qloop, org_id, SMS)
    sink = ours(sandbox)[0][0]

    async def confirm_while_the_sink_is_deleted(plan: Any) -> bool:
        with sandbox.server.state.lock:
            del sandbox.server.state.sinks[sink.sid]
        return True

    result = run(qloop, tear_down(context, org_id, SMS, confirm_while_the_sink_is_deleted))
    assert result.sink_gone and not result.sink_deleted and result.warning is None


# -- several organizations on one Twilio account ---------------------------------------------


def test_an_organization_never_takes_over_anothers_stream(context, qloop, sandbox) -> None:
    first = connect_byo(context, qloop, sandbox, "Acme Dental")
    second = connect_byo(context, qloop, sandbox, "Acme Billing")  # the same Twilio account
    setup(context, qloop, first, SMS)
    theirs = ours(sandbox)[1][0]
    sandbox.server.clear_log()

    # Set up for the second organization: told, nothing created, nothing recorded.
    confirm = Confirmer(True)
    with pytest.raises(LoquentError, match=r"already streams its SMS events to Loquent for "
                       r"organization “Acme Dental”.*Nothing was changed"):  # fmt: skip
        run(qloop, set_up(context, second, SMS, confirm))
    assert confirm.plans == [] and writes(sandbox) == []
    assert context.database.event_streams.get(second, "sms") is None
    status = run(qloop, context.event_streams.status(second))
    assert not status.sms.is_set_up and "Acme Dental" in status.sms.elsewhere
    assert all(s.sid != theirs.sink_sid for s in status.other_sinks)  # Loquent's, not a CRM's

    # Remove for the second organization leaves the first one's stream alone.
    with pytest.raises(LoquentError, match=r"not set up for Acme Billing.*leaves that stream"):
        remove(context, qloop, second, SMS)
    assert writes(sandbox) == [] and theirs.sid in sandbox.server.state.subscriptions
    assert run(qloop, context.event_streams.status(first)).sms.is_active

    # Call events are the second organization's own: its subscription shares the sink, and the
    # first organization's removal keeps that sink for it.
    calls = setup(context, qloop, second, CALLS)
    assert calls.sink_sid == theirs.sink_sid and not calls.sink_created
    assert not remove(context, qloop, first, SMS).sink_deleted
    assert remove(context, qloop, second, CALLS).sink_deleted
    assert ours(sandbox) == ([], [])


def test_a_lost_record_is_found_again_only_by_its_own_organization(context, qloop, sandbox) -> None:
    first = connect_byo(context, qloop, sandbox, "Acme Dental")
    second = connect_byo(context, qloop, sandbox, "Acme Billing")
    setup(context, qloop, first, SMS)
    context.database.event_streams.remove(first, "sms")  # the answer (or the row) was lost

    with pytest.raises(LoquentError, match="another Loquent organization"):
        setup(context, qloop, second, SMS)
    assert context.database.event_streams.get(second, "sms") is None
    with pytest.raises(LoquentError, match="already set up"):
        setup(context, qloop, first, SMS)  # its own description: adopted and recorded again
    assert (
        context.database.event_streams.get(first, "sms").subscription_sid == ours(sandbox)[1][0].sid
    )
    assert [len(x) for x in ours(sandbox)] == [1, 1]


def test_a_stream_both_recorded_is_kept_by_the_first(context, qloop, sandbox) -> None:
    """An earlier version let a second organization adopt (and record) the first's stream."""
    first = connect_byo(context, qloop, sandbox, "Acme Dental")
    second = connect_byo(context, qloop, sandbox, "Acme Billing")
    made = setup(context, qloop, first, SMS)
    context.database.event_streams.save(
        second, "sms", sink_sid=made.sink_sid, subscription_sid=made.subscription_sid,
        destination=DEFAULT_EVENTS_URL, sink_created=False, types=list(made.types),
    )  # fmt: skip
    sandbox.server.clear_log()
    with pytest.raises(LoquentError, match="nothing to remove"):
        remove(context, qloop, second, SMS)
    assert writes(sandbox) == [] and made.subscription_sid in sandbox.server.state.subscriptions
    assert context.database.event_streams.get(second, "sms") is None  # its wrong claim is gone
    assert run(qloop, context.event_streams.status(first)).sms.is_active


# -- one spelling per address ----------------------------------------------------------------


def test_destinations_are_compared_normalised() -> None:
    same = [
        "https://voice.loquent.app/twilio/events",
        "HTTPS://Voice.Loquent.APP/twilio/events/",
        "https://voice.loquent.app:443/twilio/events",
    ]
    assert {normalize_destination(u) for u in same} == {same[0]}
    assert normalize_destination("https://h.example:8443/X/") == "https://h.example:8443/X"
    assert normalize_destination("https://h.example/") == "https://h.example"


def test_a_sink_spelled_differently_is_reused(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    state, now = sandbox.server.state, datetime.now(UTC)
    spelled = "HTTPS://Voice.Loquent.app:443/twilio/events/"
    config = {"destination": spelled, "method": "POST", "batch_events": False}
    state.add(state.sinks, Sink("DG" + "f" * 32, sandbox.seed.account_sid, "Earlier", "webhook",
                                config, now, now))  # fmt: skip
    status = run(qloop, context.event_streams.status(org_id))
    assert [s.destination for s in status.other_sinks] == [CRM_EVENTS_URL]  # not "another's"
    sandbox.server.clear_log()
    result = setup(context, qloop, org_id, SMS)
    assert sandbox.server.requests("POST", "/v1/Sinks") == []  # no second sink
    assert result.sink_sid == "DG" + "f" * 32
    assert run(qloop, context.event_streams.status(org_id)).sms.is_active

    # The events URL is stored in its one spelling, so the next comparison is plain too.
    run(qloop, context.event_streams.set_events_url(org_id, "https://Events.Example:443/in/"))
    assert context.database.organizations.get(org_id).events_url == "https://events.example/in"
