"""VoiceRoutingService against the emulator over real HTTP through the twilio library.

What a user would notice: configure then restore leaves every number exactly as it was (all
voice fields, in the emulator's own state); a cancel sends nothing; configuring twice keeps
the customer's original routing; a change someone made since is shown before it is
overwritten; one failing number does not stop the others; 429s are ridden out.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from loquent_desktop.domain.errors import LoquentError, PlanCancelled
from loquent_desktop.domain.voice_routing import FIELDS
from loquent_desktop.services.plan_runner import RunControl
from loquent_desktop.services.voice_routing import CONFIGURE
from loquent_desktop.settings import DEFAULT_VOICE_URL
from tests.services.test_numbers_service import Confirmer, connect_byo, connect_shared, writes

# Every field Twilio keeps on a number, not only the voice ones: restore must not touch SMS.
COMPARED = (*FIELDS, "sms_url", "sms_method", "sms_application_sid", "friendly_name")


def emulator_numbers(sandbox: Any) -> dict[str, dict[str, Any]]:
    with sandbox.server.state.lock:
        return {
            n.sid: {f: getattr(n, f) for f in COMPARED}
            for n in sandbox.server.state.numbers.values()
            if n.account_sid == sandbox.seed.account_sid
        }


def console_update(sandbox: Any, sid: str, **fields: Any) -> None:
    """Someone changes the number outside Loquent (the Twilio Console, another platform)."""
    with sandbox.server.state.lock:
        number = sandbox.server.state.numbers[sid]
        for name, value in fields.items():
            setattr(number, name, value)


def url_number(sandbox: Any) -> str:
    """A number answered by another platform's Voice URL (no trunk or app in front)."""
    return next(
        sid
        for sid, n in emulator_numbers(sandbox).items()
        if n["voice_url"] and not n["trunk_sid"] and not n["voice_application_sid"]
    )


def import_all(context: Any, qloop: Any, org_id: int) -> list[str]:
    owned = qloop.run_until_complete(context.numbers.list_owned(org_id))
    qloop.run_until_complete(context.numbers.import_numbers(org_id, owned))
    return [n.sid for n in owned]


def configure(context: Any, qloop: Any, org_id: int, sids: list[str], answer: bool = True) -> Any:
    async def go() -> Any:
        change = await context.voice.prepare_configure(org_id, sids)
        return change.plan, await context.plans.apply(change, Confirmer(answer))

    return qloop.run_until_complete(go())


def restore(context: Any, qloop: Any, org_id: int, sids: list[str]) -> Any:
    async def go() -> Any:
        change = await context.voice.prepare_restore(org_id, sids)
        return change.plan, await context.plans.apply(change, Confirmer(True))

    return qloop.run_until_complete(go())


@pytest.fixture
def byo(context: Any, qloop: Any, sandbox: Any) -> tuple[int, list[str]]:
    org_id = connect_byo(context, qloop, sandbox)
    return org_id, import_all(context, qloop, org_id)


def test_configure_then_restore_returns_every_seeded_number_exactly(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    original = emulator_numbers(sandbox)
    _plan, result = configure(context, qloop, org_id, sids)
    assert result.count("succeeded") == len(sids) and result.failed == 0
    routed = emulator_numbers(sandbox)
    for sid in sids:
        assert routed[sid]["voice_url"] == DEFAULT_VOICE_URL
        assert routed[sid]["voice_method"] == "POST"
        assert routed[sid]["trunk_sid"] is None and routed[sid]["voice_application_sid"] is None
        # Fallback, status callback and SMS stay the customer's.
        for kept in ("voice_fallback_url", "status_callback", "sms_url"):
            assert routed[sid][kept] == original[sid][kept]
    _, result = restore(context, qloop, org_id, sids)
    assert result.count("succeeded") == len(sids)
    assert emulator_numbers(sandbox) == original
    stored = qloop.run_until_complete(context.voice.overview(org_id))
    assert not any(n.has_snapshot for n in stored)


def test_plan_names_who_stops_receiving_calls_and_what_is_detached(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    numbers = {n.sid: n for n in qloop.run_until_complete(context.voice.overview(org_id))}
    trunk = next(s for s in sids if numbers[s].live and numbers[s].live.trunk_sid)
    crm = next(
        s
        for s in sids
        if numbers[s].live and numbers[s].live.voice_url and not numbers[s].live.trunk_sid
    )
    plan = qloop.run_until_complete(context.voice.prepare_configure(org_id, [trunk, crm])).plan
    text = "\n".join(plan.summary_lines())
    assert f"will stop reaching SIP trunk {sandbox.seed.trunk_sid}" in text
    assert "detached" in " ".join(plan.warnings)
    url = numbers[crm].live.voice_url
    assert any(url in a for a in plan.affected)
    assert any(c.field == "Voice URL" and c.after == DEFAULT_VOICE_URL for c in plan.changes)
    assert any("recording" in n.lower() for n in plan.notes)


def test_cancel_sends_nothing_and_saves_nothing(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    sandbox.server.clear_log()
    with pytest.raises(PlanCancelled):
        configure(context, qloop, org_id, sids[:3], answer=False)
    assert writes(sandbox) == []
    overview = qloop.run_until_complete(context.voice.overview(org_id))
    assert not any(n.has_snapshot for n in overview)
    entries = qloop.run_until_complete(context.journal.recent()).entries
    assert entries[0].outcome == "cancelled" and entries[0].action == CONFIGURE


def test_configure_twice_keeps_the_original_previous_configuration(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _sids = byo
    target = url_number(sandbox)
    before = emulator_numbers(sandbox)[target]
    configure(context, qloop, org_id, [target])
    sandbox.server.clear_log()
    plan, result = configure(context, qloop, org_id, [target])
    assert plan.changes == () and result.count("unchanged") == 1
    assert writes(sandbox) == []  # nothing to send: already Loquent's
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_url == before["voice_url"]
    restore(context, qloop, org_id, [target])
    assert emulator_numbers(sandbox)[target] == before


def test_restore_shows_drift_and_requires_acknowledgement(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _sids = byo
    target = url_number(sandbox)
    before = emulator_numbers(sandbox)[target]
    configure(context, qloop, org_id, [target])
    # Someone changes it in the Console afterwards.
    console_update(sandbox, target, voice_url="https://other.example/x")
    plan = qloop.run_until_complete(context.voice.prepare_restore(org_id, [target])).plan
    assert plan.acknowledge is not None
    assert any(
        "https://other.example/x" in w and "changed after Loquent" in w for w in plan.warnings
    )
    assert any(c.before == "https://other.example/x" for c in plan.changes)
    restore(context, qloop, org_id, [target])
    assert emulator_numbers(sandbox)[target] == before


def test_restore_without_drift_needs_no_acknowledgement(
    context: Any, qloop: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    configure(context, qloop, org_id, sids[:2])
    plan = qloop.run_until_complete(context.voice.prepare_restore(org_id, sids[:2])).plan
    assert plan.acknowledge is None and plan.warnings == ()


def test_number_that_had_no_voice_url_is_restored_to_none(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _ = byo
    empty = next(
        s
        for s, n in emulator_numbers(sandbox).items()
        if not n["voice_url"] and not n["trunk_sid"] and not n["voice_application_sid"]
    )
    configure(context, qloop, org_id, [empty])
    assert emulator_numbers(sandbox)[empty]["voice_url"] == DEFAULT_VOICE_URL
    plan, _ = restore(context, qloop, org_id, [empty])
    assert any(c.field == "Voice URL" and c.after in (None, "") for c in plan.changes)
    assert emulator_numbers(sandbox)[empty]["voice_url"] is None


def test_one_failure_does_not_stop_the_rest_and_a_rerun_finishes(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    chosen = sids[:5]
    sandbox.server.faults.add(f"*/IncomingPhoneNumbers/{chosen[2]}.json", kind="500", method="POST")
    _, result = configure(context, qloop, org_id, chosen)
    assert result.count("succeeded") == 4 and result.failed == 1
    assert result.outcomes[chosen[2]]["outcome"] == "failed"
    entry = qloop.run_until_complete(context.journal.recent()).entries[0]
    assert entry.outcome == "partial" and "1 of 5" in (entry.error or "")
    # The failed number has no snapshot left (Twilio kept its routing), so it is not
    # mistaken for a configured number; a re-run does only that one.
    record = context.database.phone_numbers.get_by_sid(org_id, chosen[2])
    assert record.snapshot_taken_at is None
    sandbox.server.faults.clear()
    sandbox.server.clear_log()
    _, again = configure(context, qloop, org_id, chosen)
    assert again.count("succeeded") == 1 and again.count("unchanged") == 4
    assert len(sandbox.server.requests("POST")) == 1


def test_429_during_bulk_is_retried(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    sandbox.server.faults.add(
        "*/IncomingPhoneNumbers/PN*", kind="429", count=3, method="POST", retry_after=0
    )
    _, result = configure(context, qloop, org_id, sids[:6])
    assert result.count("succeeded") == 6
    assert [r.status for r in sandbox.server.requests("POST")].count(429) == 3


def test_history_lists_each_change_of_one_number(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    target = url_number(sandbox)
    configure(context, qloop, org_id, [target, sids[0]])
    restore(context, qloop, org_id, [target])
    events = qloop.run_until_complete(context.voice.history(org_id, target))
    assert [e.action for e in events] == ["Restored", "Pointed at Loquent"]
    assert all(e.outcome == "succeeded" for e in events)
    assert f"Voice URL: {DEFAULT_VOICE_URL}" in events[1].after
    assert f"Voice URL: {DEFAULT_VOICE_URL}" in events[0].before


def test_shared_organization_is_refused_per_number_routing(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_shared(context, qloop, sandbox)
    with pytest.raises(LoquentError, match="shared Twilio account"):
        qloop.run_until_complete(context.voice.prepare_configure(org_id, ["PN" + "0" * 32]))
    assert writes(sandbox) == []


def test_snapshot_is_saved_before_the_update_is_sent(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    """The change lands on Twilio, its answer is lost and the number cannot be read back:
    the outcome is unknown (not "failed"), and the snapshot taken before sending is there,
    so Restore still knows the original routing."""
    org_id, _ = byo
    target = url_number(sandbox)
    before = emulator_numbers(sandbox)[target]
    path = f"*/IncomingPhoneNumbers/{target}.json"

    async def go() -> Any:
        change = await context.voice.prepare_configure(org_id, [target])
        # After the plan: the pre-send check reads the number once (the no-op latency rule
        # lets it through), then the POST's answer is lost and every later read fails.
        sandbox.server.faults.add(path, kind="latency", count=1, latency=0.0, method="GET")
        sandbox.server.faults.add(path, kind="drop_after", method="POST")
        sandbox.server.faults.add(path, kind="500", count=50, method="GET")
        return await context.plans.apply(change, Confirmer(True))

    result = qloop.run_until_complete(go())
    assert result.outcomes[target]["outcome"] == "unknown"
    assert "may have been applied" in result.outcomes[target]["error"]
    assert emulator_numbers(sandbox)[target]["voice_url"] == DEFAULT_VOICE_URL  # it did land
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_config is not None
    assert {f: getattr(record.previous_voice_config, f) for f in FIELDS} == {
        f: before[f] for f in FIELDS
    }
    entry = qloop.run_until_complete(context.journal.recent()).entries[0]
    assert entry.outcome == "failed" and "outcome unknown" in (entry.error or "")


def test_a_change_made_while_the_dialog_is_open_is_not_overwritten(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _ = byo
    target = url_number(sandbox)

    async def go() -> Any:
        change = await context.voice.prepare_configure(org_id, [target])

        async def confirm(p: Any) -> bool:
            console_update(sandbox, target, voice_url="https://crm.example.com/new-route")
            return True

        return await context.plans.apply(change, confirm)

    sandbox.server.clear_log()
    result = qloop.run_until_complete(go())
    assert result.outcomes[target]["outcome"] == "changed"
    assert sandbox.server.requests("POST") == []
    assert emulator_numbers(sandbox)[target]["voice_url"] == "https://crm.example.com/new-route"
    assert context.database.phone_numbers.get_by_sid(org_id, target).snapshot_taken_at is None
    # Running it again plans from the new routing and saves that one.
    configure(context, qloop, org_id, [target])
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_url == "https://crm.example.com/new-route"


def test_reconfigure_after_someone_moved_it_keeps_the_original_snapshot(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _ = byo
    target = url_number(sandbox)
    original = emulator_numbers(sandbox)[target]
    configure(context, qloop, org_id, [target])
    console_update(sandbox, target, voice_url="https://crm.example.com/took-it-back")
    plan, result = configure(context, qloop, org_id, [target])
    assert any("already has a previous configuration saved" in w for w in plan.warnings)
    assert result.count("succeeded") == 1
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_url == original["voice_url"]
    restore(context, qloop, org_id, [target])
    assert emulator_numbers(sandbox)[target] == original


def test_an_older_loquent_url_is_never_saved_as_previous(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    """Configured under one Loquent URL, then the organization's URL changes: configuring
    again moves the number to the new URL and keeps the customer's original snapshot;
    a number bought through Loquent never gets Loquent's URL as its "previous"."""
    org_id, _sids = byo
    target = url_number(sandbox)
    original = emulator_numbers(sandbox)[target]
    configure(context, qloop, org_id, [target])
    new_url = "https://new.loquent.example/twilio/voice"
    qloop.run_until_complete(context.organizations.set_voice_url(org_id, new_url))
    overview = {n.sid: n for n in qloop.run_until_complete(context.voice.overview(org_id))}
    assert overview[target].points_at_loquent and not overview[target].drift
    plan, _ = configure(context, qloop, org_id, [target])
    assert not any("stop reaching" in a for a in plan.affected)
    assert emulator_numbers(sandbox)[target]["voice_url"] == new_url
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_url == original["voice_url"]

    # A number still on the app's default Loquent URL (bought earlier) and no snapshot.
    bought = next(
        s
        for s, n in emulator_numbers(sandbox).items()
        if s != target and n["voice_url"] and not n["trunk_sid"] and not n["voice_application_sid"]
    )
    console_update(sandbox, bought, voice_url=DEFAULT_VOICE_URL, voice_method="POST")
    configure(context, qloop, org_id, [bought])
    assert emulator_numbers(sandbox)[bought]["voice_url"] == new_url
    assert context.database.phone_numbers.get_by_sid(org_id, bought).snapshot_taken_at is None


def test_a_field_we_did_not_send_changing_meanwhile_is_not_a_failure(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _ = byo
    target = url_number(sandbox)
    configure(context, qloop, org_id, [target])
    console_update(sandbox, target, voice_fallback_url="https://pbx.example.net/changed")
    plan = qloop.run_until_complete(context.voice.prepare_restore(org_id, [target])).plan
    # The fallback moved after Loquent configured it: that is drift, and it is shown.
    assert plan.acknowledge is not None
    assert any("Fallback URL is now https://pbx.example.net/changed" in w for w in plan.warnings)


def test_configure_of_a_number_not_imported_says_what_to_do(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    with pytest.raises(LoquentError, match="Import it on the Numbers tab"):
        qloop.run_until_complete(context.voice.prepare_configure(org_id, ["PN" + "a" * 32]))


def test_a_released_number_is_shown_and_skipped(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo
    with sandbox.server.state.lock:
        del sandbox.server.state.numbers[sids[0]]
    overview = {n.sid: n for n in qloop.run_until_complete(context.voice.overview(org_id))}
    assert overview[sids[0]].live is None and "released" in (overview[sids[0]].problem or "")
    _, result = configure(context, qloop, org_id, sids[:2])
    assert result.outcomes[sids[0]]["outcome"] == "skipped"
    assert "released" in result.outcomes[sids[0]]["error"]
    assert result.outcomes[sids[1]]["outcome"] == "succeeded"


def test_stop_leaves_the_rest_not_started(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, sids = byo

    async def go() -> Any:
        change = await context.voice.prepare_configure(org_id, sids[:6])
        control = RunControl()

        def progress(done: int, _total: int) -> None:
            if done == 1:
                control.stop.set()

        control.progress = progress
        return await context.plans.apply(change, Confirmer(True), control)

    result = qloop.run_until_complete(go())
    started = result.count("succeeded") + result.count("unchanged")
    assert result.count("not started") == 6 - started and 1 <= started < 6
    assert len(sandbox.server.requests("POST")) <= started
    entry = qloop.run_until_complete(context.journal.recent()).entries[0]
    assert entry.outcome == "partial" and "not started" in (entry.error or "")


def test_routing_plan_is_built_without_twilio() -> None:
    """The pure builder: a trunk number's plan detaches the trunk (in red) and saves the
    previous configuration first; a number already on Loquent sends nothing."""
    from loquent_desktop.domain.voice_route import VoiceConfig
    from loquent_desktop.domain.voice_routing import NumberRouting
    from loquent_desktop.services.voice_routing_plans import build_plan

    trunked = NumberRouting(
        "PN" + "1" * 32,
        "+14155550100",
        None,
        DEFAULT_VOICE_URL,
        VoiceConfig(voice_url="https://crm.example/voice", trunk_sid="TK" + "1" * 32),
    )
    done = NumberRouting(
        "PN" + "2" * 32,
        "+14155550101",
        None,
        DEFAULT_VOICE_URL,
        VoiceConfig(voice_url=DEFAULT_VOICE_URL, voice_method="POST"),
    )
    plan, steps = build_plan(CONFIGURE, "Acme", "AC••••••••0000", [trunked, done])
    assert plan.title == "Point +1 415-555-0100 at Loquent"
    assert any("TK" + "1" * 32 in w and "detached" in w for w in plan.warnings)
    assert steps[0].save_snapshot and steps[0].target is not None
    assert steps[0].target.voice_url == DEFAULT_VOICE_URL and steps[0].target.trunk_sid is None
    assert steps[1].changes == () and not steps[1].save_snapshot


def account_path(sandbox: Any, sid: str) -> str:
    return f"/2010-04-01/Accounts/{sandbox.seed.account_sid}/IncomingPhoneNumbers/{sid}.json"


def trunk_number(sandbox: Any) -> str:
    return next(s for s, n in emulator_numbers(sandbox).items() if n["trunk_sid"])


def test_a_trunk_is_detached_and_put_back_through_the_trunking_api(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    """Never TrunkSid on the number's update (its spec forbids an empty one): configure sets
    the URL first and then detaches (calls reach the PBX until then); restore attaches first."""
    org_id, _ = byo
    tk = sandbox.seed.trunk_sid
    target = trunk_number(sandbox)
    original = emulator_numbers(sandbox)[target]
    sandbox.server.clear_log()
    configure(context, qloop, org_id, [target])
    sent = writes(sandbox)
    assert [(r.method, r.path) for r in sent] == [
        ("POST", account_path(sandbox, target)),
        ("DELETE", f"/v1/Trunks/{tk}/PhoneNumbers/{target}"),
    ]
    assert "TrunkSid" not in sent[0].form and sent[0].form["VoiceUrl"] == DEFAULT_VOICE_URL
    assert emulator_numbers(sandbox)[target]["trunk_sid"] is None
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_config.trunk_sid == tk and record.routed_config

    sandbox.server.clear_log()
    plan, result = restore(context, qloop, org_id, [target])
    assert any(f"SIP trunk {tk} again" in n for n in plan.notes)
    assert result.count("succeeded") == 1
    sent = writes(sandbox)
    assert [(r.method, r.path) for r in sent] == [
        ("POST", f"/v1/Trunks/{tk}/PhoneNumbers"),
        ("POST", account_path(sandbox, target)),
    ]
    assert sent[0].form == {"PhoneNumberSid": target} and "TrunkSid" not in sent[1].form
    assert emulator_numbers(sandbox)[target] == original


def test_a_failed_detach_keeps_the_saved_configuration_and_a_rerun_only_detaches(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    org_id, _ = byo
    tk = sandbox.seed.trunk_sid
    target = trunk_number(sandbox)
    original = emulator_numbers(sandbox)[target]
    sandbox.server.faults.add(f"*/PhoneNumbers/{target}", kind="500", count=3, method="DELETE")
    _, result = configure(context, qloop, org_id, [target])
    assert result.outcomes[target]["outcome"] == "failed"
    live = emulator_numbers(sandbox)[target]
    assert live["voice_url"] == DEFAULT_VOICE_URL and live["trunk_sid"] == tk
    # Twilio did change (the URL): the saved configuration stays for Restore.
    record = context.database.phone_numbers.get_by_sid(org_id, target)
    assert record.previous_voice_config is not None
    assert record.previous_voice_config.voice_url == original["voice_url"]
    sandbox.server.faults.clear()
    sandbox.server.clear_log()
    plan, again = configure(context, qloop, org_id, [target])
    assert [c.field for c in plan.changes] == ["SIP trunk"]
    assert again.count("succeeded") == 1
    assert [(r.method, r.path) for r in writes(sandbox)] == [
        ("DELETE", f"/v1/Trunks/{tk}/PhoneNumbers/{target}")
    ]
    restore(context, qloop, org_id, [target])
    assert emulator_numbers(sandbox)[target] == original


def test_outcomes_are_journaled_while_the_run_goes_on(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    from tests.conftest import wait_until

    org_id, sids = byo
    chosen = [s for s in sids if s != trunk_number(sandbox)][:6]
    slow = chosen[5]
    sandbox.server.faults.add(
        f"*/IncomingPhoneNumbers/{slow}.json", kind="latency", latency=1.5, method="POST"
    )

    def journaled() -> dict[str, Any]:
        entries = context.database.journal.list(limit=1)
        if not entries or entries[0].outcome is not None:
            return {}
        return (entries[0].result or {}).get("numbers") or {}

    async def go() -> Any:
        change = await context.voice.prepare_configure(org_id, chosen)
        task = asyncio.ensure_future(context.plans.apply(change, Confirmer(True)))
        await wait_until(lambda: len(journaled()) == 5, timeout=10, message="5 outcomes")
        numbers = journaled()
        assert slow not in numbers
        assert {o["outcome"] for o in numbers.values()} == {"succeeded"}
        events = await context.voice.history(org_id, chosen[0])
        assert events[0].outcome == "succeeded"  # done, while the run still goes on
        assert (await context.voice.history(org_id, slow))[0].outcome == "running"
        return await asyncio.wait_for(task, 10)

    result = qloop.run_until_complete(go())
    assert result.count("succeeded") == 6
    entry = context.database.journal.list(limit=1)[0]
    assert entry.outcome == "succeeded" and len(entry.result["numbers"]) == 6


def test_a_rerun_records_a_number_an_interrupted_run_changed(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    """The app died between Twilio's change and the local record: the saved configuration
    is there, the number points at Loquent, routed_config is empty. Running it again sends
    nothing and records it, and says so (not "unchanged")."""
    from loquent_desktop.domain.voice_route import VoiceConfig

    org_id, _ = byo
    target = url_number(sandbox)
    original = emulator_numbers(sandbox)[target]
    repo = context.database.phone_numbers
    repo.save_snapshot(org_id, target, VoiceConfig(**{f: original[f] for f in FIELDS}))
    console_update(sandbox, target, voice_url=DEFAULT_VOICE_URL, voice_method="POST")
    sandbox.server.clear_log()

    async def go() -> Any:
        change = await context.voice.prepare_configure(org_id, [target])
        assert change.sends_anything  # there is something to do: record it
        return change.plan, await context.plans.apply(change, Confirmer(True))

    plan, result = qloop.run_until_complete(go())
    assert plan.changes == () and any("interrupted" in n for n in plan.notes)
    assert result.outcomes[target]["outcome"] == "recorded"
    assert "1 recorded (changed by an interrupted run)" in result.describe()
    assert writes(sandbox) == []
    record = repo.get_by_sid(org_id, target)
    assert record.routed_config and record.previous_voice_url == original["voice_url"]
    entry = qloop.run_until_complete(context.journal.recent()).entries[0]
    assert entry.outcome == "succeeded"
    assert entry.result["numbers"][target]["outcome"] == "recorded"
    events = qloop.run_until_complete(context.voice.history(org_id, target))
    assert events[0].outcome == "recorded" and "interrupted" in (events[0].error or "")
    # Now it is an ordinary configured number: a re-run sends nothing, restore goes back.
    _, again = configure(context, qloop, org_id, [target])
    assert again.count("unchanged") == 1
    restore(context, qloop, org_id, [target])
    assert emulator_numbers(sandbox)[target] == original


def test_a_number_saved_but_never_sent_plans_without_a_false_warning(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    """Killed after the snapshot and before the update: the saved configuration equals the
    live one, so the plan does not warn that Restore returns to something else."""
    from loquent_desktop.domain.voice_route import VoiceConfig

    org_id, _ = byo
    target = url_number(sandbox)
    original = emulator_numbers(sandbox)[target]
    repo = context.database.phone_numbers
    repo.save_snapshot(org_id, target, VoiceConfig(**{f: original[f] for f in FIELDS}))
    plan, result = configure(context, qloop, org_id, [target])
    assert not any("already has a previous configuration" in w for w in plan.warnings)
    assert result.count("succeeded") == 1
    restore(context, qloop, org_id, [target])
    assert emulator_numbers(sandbox)[target] == original


def test_a_run_is_refused_while_another_instance_holds_the_lease(
    context: Any, qloop: Any, sandbox: Any, byo: tuple[int, list[str]]
) -> None:
    from datetime import timedelta

    from loquent_desktop.domain.errors import RunningElsewhere

    org_id, sids = byo
    name = f"voice:{org_id}"
    context.database.leases.acquire(name, "pbx-host:4242:x", "pbx-host", 4242, timedelta(minutes=1))
    sandbox.server.clear_log()
    with pytest.raises(RunningElsewhere, match="already running on pbx-host"):
        configure(context, qloop, org_id, sids[:3])
    assert writes(sandbox) == []
    entry = qloop.run_until_complete(context.journal.recent()).entries[0]
    assert entry.outcome == "failed" and "already running" in (entry.error or "")
    assert context.database.phone_numbers.count_snapshots(org_id) == 0
    assert context.database.leases.get(name).holder == "pbx-host:4242:x"
    context.database.leases.release(name, "pbx-host:4242:x")
    _, result = configure(context, qloop, org_id, sids[:3])
    assert result.failed == 0 and context.database.leases.get(name) is None


def test_an_interrupted_run_shows_what_each_number_did() -> None:
    from datetime import UTC, datetime

    from loquent_desktop.domain.records import JournalRecord
    from loquent_desktop.services.voice_routing_history import INTERRUPTED_AFTER, events_for

    done, pending = "PN" + "1" * 32, "PN" + "2" * 32
    change = {"changes": [["voice_url", "https://crm.example/v", DEFAULT_VOICE_URL]]}
    entry = JournalRecord(
        id=7,
        organization_id=1,
        organization_name="Acme",
        action=CONFIGURE,
        title="Point 2 numbers at Loquent",
        plan={"details": {"numbers": {done: change, pending: change}}},
        outcome=None,
        error=None,
        result={"numbers": {done: {"outcome": "succeeded"}}},
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        finished_at=None,
    )
    [finished] = events_for([entry], done, set())
    assert finished.outcome == "succeeded" and finished.error == INTERRUPTED_AFTER
    assert f"Voice URL: {DEFAULT_VOICE_URL}" in finished.after
    [stopped] = events_for([entry], pending, set())
    assert stopped.outcome == "interrupted"
    assert events_for([entry], pending, {7})[0].outcome == "running"
