"""Leaving BYO: the one plan that restores numbers and removes event streams, against the
emulator over HTTP, and its pure builder.

What a user would notice: SMS and call events sharing one sink end with the subscriptions
and the sink gone (the sink deleted once, after both), a plan that holds every change of its
parts, one journal entry, and a clear refusal when there is nothing to undo."""

from __future__ import annotations

from typing import Any

import pytest

from loquent_desktop.domain.errors import LoquentError
from loquent_desktop.domain.event_streams import StreamKind
from loquent_desktop.domain.plans import Change, Plan
from loquent_desktop.services.leaving_byo import NOTHING_TO_UNDO, LeavingByoService
from loquent_desktop.services.leaving_byo_plans import (
    LEAVE,
    SWITCH,
    WhatStays,
    leave_plan,
    stays_text,
)
from tests.services.test_numbers_service import Confirmer, connect_byo


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def service(context: Any) -> LeavingByoService:
    return LeavingByoService(context.voice, context.event_streams)


def ours(sandbox: Any) -> tuple[int, int]:
    state = sandbox.server.state
    with state.lock:
        subs = [s for s in state.subscriptions.values() if "Loquent" in s.description]
        sinks = [s for s in state.sinks.values() if "loquent" in str(s.configuration)]
    return len(subs), len(sinks)


def test_both_streams_on_one_sink_go_with_the_sink_deleted_once(context, qloop, sandbox) -> None:  # type: ignore[no-untyped-def]
    org_id = connect_byo(context, qloop, sandbox)
    for kind in (StreamKind.SMS, StreamKind.CALLS):
        change = run(qloop, context.event_streams.prepare_setup(org_id, kind))
        run(qloop, context.plans.apply(change, Confirmer(True)))
    assert ours(sandbox) == (2, 1)  # one sink shared by both subscriptions
    leaving = service(context)
    stays = run(qloop, leaving.what_stays(org_id))
    assert stays.streams == ("SMS events", "Call events") and stays.undoable

    confirmer = Confirmer(True)
    change = run(qloop, leaving.prepare(org_id, SWITCH))
    result = run(qloop, context.plans.apply(change, confirmer))
    assert result.complete, result.grade()
    assert ours(sandbox) == (0, 0)
    plan = confirmer.plans[0]
    assert plan.action == LEAVE
    assert [c.field for c in plan.changes].count("Subscription") == 2
    assert [c.field for c in plan.changes].count("Sink") == 1
    assert run(qloop, leaving.what_stays(org_id)).streams == ()
    entries = context.database.journal.list_actions(org_id, (LEAVE,))
    assert [e.outcome for e in entries] == ["succeeded"]
    # Nothing left: asking again is refused in words, and sends nothing.
    with pytest.raises(LoquentError, match="Nothing to restore or remove"):
        run(qloop, leaving.prepare(org_id, SWITCH))
    assert NOTHING_TO_UNDO.startswith("Nothing")


def test_the_builder_joins_its_parts_and_says_what_follows() -> None:
    restore = Plan(
        "voice.restore", "Restore 1 number", "Acme", "AC…1", (Change("+1", "Voice URL", "a", "b"),),
        affected=("Inbound calls move",), acknowledge="Overwrite the change made since",
        details={"run": "r1"},
    )  # fmt: skip
    remove = Plan(
        "events.sms.remove", "Remove SMS event streaming", "Acme", "AC…1",
        (Change("Subscription DF…", "Subscription", "7 types", "Deleted"),),
        notes=("Loquent stops receiving SMS events of this account.",),
    )  # fmt: skip
    plan = leave_plan("Acme", "AC…1", [restore, remove], SWITCH)
    assert plan.changes == restore.changes + remove.changes
    assert plan.acknowledge == "Overwrite the change made since"
    assert plan.affected == ("Inbound calls move",)
    assert any(n.startswith("Then the organization switches to Shared") for n in plan.notes)
    assert plan.details["parts"] == ["voice.restore", "events.sms.remove"]
    assert plan.title.startswith("Before Acme switches to Shared: Restore 1 number")

    stays = WhatStays("Acme", "AC…1", True, ("+14155550100",), ("+14155550101",), ("SMS events",))
    text = stays_text(stays, SWITCH)
    assert "1 number pointing at Loquent, with the previous configuration saved" in text
    assert "nothing saved to restore (bought through Loquent): +14155550101" in text
    assert "Or switch to Shared now and leave them as they are." in text
    unconnected = WhatStays("Acme", "", False, ("+14155550100",), (), ())
    assert "Without the organization's credentials" in stays_text(unconnected, SWITCH)
