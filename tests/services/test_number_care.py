"""NumberCare through the real twilio library against the emulator: rename and release go
through the plan runner (Cancel sends nothing), and in Shared mode another customer's number
on Loquent's account is never touched."""

from __future__ import annotations

from typing import Any

import pytest

from loquent_desktop.domain.errors import InvalidInput, LoquentError, PlanCancelled
from tests.services.test_numbers_service import Confirmer, connect_byo, connect_shared, writes


def demo_number(sandbox: Any, shared: bool = False) -> Any:
    account = sandbox.seed.shared_account_sid if shared else sandbox.seed.account_sid
    with sandbox.server.state.lock:
        return next(n for n in sandbox.server.state.numbers.values() if n.account_sid == account)


def test_rename_runs_only_when_confirmed(context, qloop, sandbox) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    number = demo_number(sandbox)
    care, plans = context.numbers.care, context.plans
    sandbox.server.clear_log()

    async def rename(answer: bool) -> Any:
        change = await care.prepare_rename(org_id, number.sid, "Reception")
        return await plans.apply(change, Confirmer(answer))

    with pytest.raises(PlanCancelled):
        qloop.run_until_complete(rename(False))
    assert writes(sandbox) == []
    done = qloop.run_until_complete(rename(True))
    assert done.number.friendly_name == "Reception" and not done.released
    assert "not in Loquent's database" in done.local_record  # never imported
    with pytest.raises(InvalidInput):
        qloop.run_until_complete(care.prepare_rename(org_id, number.sid, "x" * 65))


def test_shared_mode_never_touches_another_customers_number(context, qloop, sandbox) -> None:
    org_id = connect_shared(context, qloop, sandbox)
    theirs = demo_number(sandbox, shared=True)
    sandbox.server.clear_log()
    care = context.numbers.care

    for prepare in (
        care.prepare_release(org_id, theirs.sid),
        care.prepare_rename(org_id, theirs.sid, "Mine now"),
    ):
        with pytest.raises(LoquentError, match="not recorded for this organization"):
            qloop.run_until_complete(prepare)
    assert sandbox.server.requests() == []
