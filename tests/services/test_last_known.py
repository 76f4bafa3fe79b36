"""LastKnownService against the emulator and a real SQLite file: live reads are stored, and
when Twilio cannot be reached (connection refused, 5xx after the retries) the Numbers and
Voice routing reads answer with what Loquent last saw and how old it is; bad credentials are
still an error, and nothing is invented when nothing was stored.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.domain.last_known import age_text, is_unreachable
from loquent_desktop.store.repositories.last_known import OWNED, VOICE
from loquent_desktop.twilio_api.routing import HostRouting
from tests.services.test_numbers_service import connect_byo
from tests.services.test_voice_routing import console_update, import_all


def closed_port() -> int:
    """A port nothing listens on (bound, then closed): connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def twilio_unreachable(context: Any) -> Iterator[None]:
    """Every Twilio request of the app goes to a closed port until the block ends."""
    http = context.factory.http
    saved = http.routing
    http.routing = HostRouting(base_url=f"http://127.0.0.1:{closed_port()}")
    try:
        yield
    finally:
        http.routing = saved


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def test_numbers_offline_show_the_last_live_read_with_its_age(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    live = run(qloop, context.last_known.owned_numbers(org_id))
    assert live.live and len(live.value) == sandbox.seed.number_count
    with twilio_unreachable(context):
        offline = run(qloop, context.last_known.owned_numbers(org_id))
    assert not offline.live
    assert sorted(offline.value, key=lambda n: n.sid) == sorted(live.value, key=lambda n: n.sid)
    assert offline.freshness.read_at == live.freshness.read_at
    banner = offline.freshness.banner()
    assert banner.startswith("Twilio could not be reached — showing what Loquent last saw ")
    assert "Could not reach Twilio" in banner
    # Back online: live again, and the stored copy follows what Twilio says now.
    assert run(qloop, context.last_known.owned_numbers(org_id)).live


def test_voice_offline_shows_the_last_configuration_read_not_an_older_one(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    sids = import_all(context, qloop, org_id)
    console_update(sandbox, sids[5], voice_url="https://console.example.com/new")
    live = run(qloop, context.last_known.voice_overview(org_id))
    assert live.live
    with twilio_unreachable(context):
        offline = run(qloop, context.last_known.voice_overview(org_id))
    assert not offline.live and len(offline.value) == len(sids)
    shown = {n.sid: n for n in offline.value}
    # Not what the import copied: what Voice routing read last.
    assert shown[sids[5]].live.voice_url == "https://console.example.com/new"
    assert {n.sid: n.live for n in offline.value} == {n.sid: n.live for n in live.value}


def test_voice_offline_before_any_voice_read_uses_the_import(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    sids = import_all(context, qloop, org_id)
    with twilio_unreachable(context):
        offline = run(qloop, context.last_known.voice_overview(org_id))
    assert not offline.live and offline.freshness.read_at is not None
    assert all(n.live is not None for n in offline.value)
    assert {n.sid for n in offline.value} == set(sids)


def test_server_errors_after_the_retries_count_as_unreachable(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    run(qloop, context.last_known.owned_numbers(org_id))
    sandbox.server.faults.add("*/IncomingPhoneNumbers.json", kind="503", count=50)
    offline = run(qloop, context.last_known.owned_numbers(org_id))
    assert not offline.live and "server problem" in (offline.freshness.problem or "")


def test_bad_credentials_are_an_error_not_old_data(context: Any, qloop: Any, sandbox: Any) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    run(qloop, context.last_known.owned_numbers(org_id))
    with sandbox.server.state.lock:
        sandbox.server.state.accounts[sandbox.seed.account_sid].auth_token = "0" * 32
    with pytest.raises(TwilioApiError) as caught:
        run(qloop, context.last_known.owned_numbers(org_id))
    assert caught.value.is_auth_error and not is_unreachable(caught.value)


def test_nothing_stored_means_the_failure_itself(context: Any, qloop: Any, sandbox: Any) -> None:
    org_id = connect_byo(context, qloop, sandbox)
    with twilio_unreachable(context), pytest.raises(TwilioApiError) as caught:
        run(qloop, context.last_known.owned_numbers(org_id))
    assert caught.value.kind == "connection"


def test_another_accounts_last_known_state_is_never_shown(context: Any, sandbox: Any) -> None:
    repository = context.last_known.repository
    org = context.database.organizations.add("Elsewhere")
    now = datetime.now(UTC)
    repository.replace(org.id, OWNED, "AC" + "1" * 32, [{"sid": "PN" + "2" * 32}], now)
    assert not repository.load(org.id, OWNED, "AC" + "3" * 32)
    assert repository.load(org.id, OWNED, "AC" + "1" * 32).read_at == now
    assert not repository.load(org.id, VOICE, "AC" + "1" * 32)
    # A new read replaces the whole set: a number released since is gone.
    repository.replace(org.id, OWNED, "AC" + "1" * 32, [], now)
    assert not repository.load(org.id, OWNED, "AC" + "1" * 32)


def test_an_older_read_stored_late_does_not_replace_a_newer_one(context: Any) -> None:
    repository = context.last_known.repository
    org = context.database.organizations.add("Twice")
    account = "AC" + "4" * 32
    newer, older = (
        datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 3, 11, 0, tzinfo=UTC),
    )
    repository.replace(org.id, OWNED, account, [{"sid": "PN" + "5" * 32}], newer)
    repository.replace(org.id, OWNED, account, [{"sid": "PN" + "6" * 32}], older)
    stored = repository.load(org.id, OWNED, account)
    assert list(stored.rows) == ["PN" + "5" * 32] and stored.read_at == newer


def test_age_reads_like_a_person_would_say_it() -> None:
    then = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert age_text(then, datetime(2026, 12, 3, 9, 0, 30, tzinfo=UTC)) == "just now"
    assert age_text(then, datetime(2026, 12, 3, 9, 20, tzinfo=UTC)) == "20 min ago"
    assert age_text(then, datetime(2026, 12, 3, 12, 5, tzinfo=UTC)) == "3 h ago"
    assert age_text(then, datetime(2026, 12, 8, 9, 0, tzinfo=UTC)) == "5 days ago"


def test_an_unchanged_read_moves_the_stored_time_and_a_change_is_stored(
    context: Any, qloop: Any, sandbox: Any
) -> None:
    from tests.services.test_voice_routing import console_update

    service, repository = context.last_known, context.last_known.repository
    org_id = connect_byo(context, qloop, sandbox)
    first = run(qloop, service.owned_numbers(org_id))
    run(qloop, service.flush())
    account = sandbox.seed.account_sid
    replaced: list[datetime] = []
    original = repository.replace
    repository.replace = lambda *a, **k: (replaced.append(a[4]), original(*a, **k))  # type: ignore[method-assign]

    again = run(qloop, service.owned_numbers(org_id))
    run(qloop, service.flush())
    stored = repository.load(org_id, OWNED, account)
    assert replaced == [] and stored.read_at == again.freshness.read_at  # only its time moved
    assert again.freshness.read_at != first.freshness.read_at

    sid = first.value[0].sid
    console_update(sandbox, sid, friendly_name="Changed since")
    changed = run(qloop, service.owned_numbers(org_id))
    run(qloop, service.flush())
    stored = repository.load(org_id, OWNED, account)
    assert replaced == [changed.freshness.read_at]
    assert stored.rows[sid]["friendly_name"] == "Changed since"
