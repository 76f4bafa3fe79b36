"""Crash test: a bulk "point at Loquent" killed with SIGKILL at a random moment leaves a trace
of what it changed, and running it again finishes and repairs it.

Each trial resets the emulator's numbers and the database, starts the bulk configure in a
child process (the real services over the real twilio library, its own SQLite connection,
its own lease holder), SIGKILLs it at a random moment of the run (seeded: after a random
number of its updates reached Twilio, plus a random few milliseconds), then runs the same
change again in this process, through the app's own context. It checks that:

- every number Twilio changed has its saved previous configuration (taken before sending);
- the killed run's journal entry is unfinished ("interrupted") and keeps the per-number
  outcomes written before the kill, each of them true on Twilio and in the database;
- afterwards every number points at Loquent, with its saved configuration and Loquent's
  record (routed_config); a number the killed run changed but never recorded is "recorded";
- no number was changed twice: one applied update per number over both runs, one detach.

Child processes are forked from one warm "zygote" process (the heavy imports done once), so
20+ trials fit in well under a minute on two cores. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import update

from loquent_desktop.domain.voice_route import VoiceConfig
from loquent_desktop.domain.voice_routing import FIELDS, points_at_loquent
from loquent_desktop.services.voice_routing_history import INTERRUPTED_AFTER
from loquent_desktop.settings import DEFAULT_VOICE_URL
from loquent_desktop.store.models import PhoneNumber
from tests.services.test_numbers_service import Confirmer, connect_byo

NUMBERS = 24
TRIALS = 20
SEED = 20261203
WAIT_S = 20.0  # the bound on every wait for the child
ROOT = Path(__file__).resolve().parents[2]

# The zygote: imports what is slow to import, then forks one child per job it reads on
# stdin. Nothing that fixes a process identity (services.leases' holder and pid, imported by
# services.voice_routing) is imported before the fork; each child imports it fresh.
ZYGOTE = r"""
import json, os, sys, time, traceback
import aiohttp, alembic.context, keyring, sqlalchemy, twilio.rest  # noqa: F401
import loquent_desktop.store, loquent_desktop.twilio_api.client_factory  # noqa: F401
import loquent_desktop.services.plan_runner, loquent_desktop.services.twilio_access  # noqa
import loquent_desktop.services.voice_routing_steps, tests.support.memory_keyring  # noqa
assert "loquent_desktop.services.leases" not in sys.modules

def say(**message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()

def child(job):
    import asyncio
    from loquent_desktop.domain.credentials import Credentials
    from loquent_desktop.secrets.store import SecretStore, org_key
    from loquent_desktop.services.leases import Leases
    from loquent_desktop.services.plan_runner import PlanRunner
    from loquent_desktop.services.twilio_access import TwilioAccess
    from loquent_desktop.services.voice_routing import VoiceRoutingService
    from loquent_desktop.store import open_database
    from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
    from loquent_desktop.twilio_api.routing import HostRouting
    from tests.support.memory_keyring import MemoryKeyring

    async def main():
        db = open_database(job["db"])
        secrets = SecretStore("loquent-crash-test", backend=MemoryKeyring())
        org = db.organizations.get(job["org"])
        creds = Credentials(job["account_sid"], job["token"])
        secrets.set_credentials(org_key(org.keychain_id), creds)
        factory = TwilioClientFactory(HostRouting(base_url=job["base_url"]), timeout_s=5)
        plans = PlanRunner(db.journal)
        voice = VoiceRoutingService(
            TwilioAccess(db.organizations, secrets, factory), db.phone_numbers,
            db.organizations, db.journal, plans, job["voice_url"], leases=Leases(db.leases),
        )
        change = await voice.prepare_configure(job["org"], job["sids"])

        async def confirm(plan):
            say(kind="confirmed", pid=os.getpid(), t=time.monotonic())
            return True

        await plans.apply(change, confirm)
        say(kind="done", pid=os.getpid(), t=time.monotonic())
        await factory.aclose()
        db.dispose()

    asyncio.run(main())

say(kind="ready")
for line in sys.stdin:
    job = json.loads(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            child(job)
        except BaseException:
            say(kind="error", pid=os.getpid(), text=traceback.format_exc())
            code = 1
        os._exit(code)
    say(kind="forked", pid=pid)
    _, status = os.waitpid(pid, 0)  # reaped: the lease sees the process is gone
    say(kind="exited", pid=pid, status=status)
"""


class Zygote:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            text=True,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.current: int | None = None  # the child of the trial under way
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready", None)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.messages.put(json.loads(line))
        self.messages.put({"kind": "eof"})

    def start(self, job: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def expect(self, kind: str, pid: int | None) -> dict[str, Any]:
        """The first message of `kind` (for `pid`) not taken yet; the child's and the
        zygote's lines may come in either order, so the others wait in `seen`."""
        deadline = time.monotonic() + WAIT_S
        while True:
            for message in self.seen:
                if message["kind"] == kind and (pid is None or message.get("pid") == pid):
                    self.seen.remove(message)
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {kind!r} from the child")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if message["kind"] in ("error", "eof"):
                raise AssertionError(f"child failed: {message.get('text', 'no output')}")
            self.seen.append(message)

    def saw(self, kind: str, pid: int) -> bool:
        while not self.messages.empty():
            self.seen.append(self.messages.get_nowait())
        return any(m["kind"] == kind and m.get("pid") == pid for m in self.seen)

    def close(self) -> None:
        """Stop the zygote; a child still running (a failed trial) is killed first."""
        if self.current is not None and not self.saw("exited", self.current):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.current, signal.SIGKILL)
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def sandbox() -> Iterator[Any]:
    """The emulator with more numbers than the suite's default: a long enough run to kill."""
    from loquent_desktop.services.sandbox_session import SandboxSession

    session = SandboxSession.start(numbers=NUMBERS)
    yield session
    session.stop()


def voice_fields(sandbox: Any) -> dict[str, dict[str, Any]]:
    with sandbox.server.state.lock:
        return {
            n.sid: {f: getattr(n, f) for f in FIELDS}
            for n in sandbox.server.state.numbers.values()
            if n.account_sid == sandbox.seed.account_sid
        }


def reset(context: Any, sandbox: Any, org_id: int, original: dict[str, dict[str, Any]]) -> None:
    """Every number as seeded, on Twilio and in the database (nothing saved or recorded):
    one statement, not a transaction per number."""
    with sandbox.server.state.lock:
        for sid, fields in original.items():
            number = sandbox.server.state.numbers[sid]
            for name, value in fields.items():
                setattr(number, name, value)
    sandbox.server.clear_log()
    forget = {f"previous_{name}": None for name in (*FIELDS, "date_updated")}
    forget.update(
        snapshot_taken_at=None,
        routed_to_loquent=False,
        loquent_voice_url=None,
        routed_config=None,
        routed_at=None,
    )
    with context.database.sessions.begin() as session:
        session.execute(
            update(PhoneNumber).where(PhoneNumber.organization_id == org_id).values(forget)
        )


def settle(sandbox: Any) -> None:
    """Let the emulator finish what the dead child had already sent: a request written just
    before the kill sits in the emulator's socket buffer and is applied moments later. Two
    requests of our own, answered in turn, come after it."""
    url = f"{sandbox.base_url}/2010-04-01/Accounts/{sandbox.seed.account_sid}.json"
    for _ in range(2):
        answer = requests.get(url, auth=(sandbox.seed.account_sid, sandbox.seed.auth_token),
                              timeout=WAIT_S)  # fmt: skip
        assert answer.status_code == 200


def applied(sandbox: Any, method: str, suffix: str) -> int:
    ok = 204 if method == "DELETE" else 200
    return sum(
        1 for r in sandbox.server.requests(method) if r.path.endswith(suffix) and r.status == ok
    )


def test_a_killed_bulk_configure_leaves_a_trace_and_the_rerun_repairs_it(
    context: Any, qloop: Any, sandbox: Any, trial_report: Any
) -> None:
    started = time.monotonic()
    org_id = connect_byo(context, qloop, sandbox)
    owned = qloop.run_until_complete(context.numbers.list_owned(org_id))
    qloop.run_until_complete(context.numbers.import_numbers(org_id, owned))
    sids = [n.sid for n in owned]
    original = voice_fields(sandbox)
    assert not any(
        points_at_loquent(VoiceConfig(**f), DEFAULT_VOICE_URL) for f in original.values()
    )
    trunked = next(s for s, f in original.items() if f["trunk_sid"])
    db = context.database
    lease_name = f"voice:{org_id}"
    job = {
        "db": db.url.render_as_string(hide_password=False),
        "org": org_id,
        "sids": sids,
        "account_sid": sandbox.seed.account_sid,
        "token": sandbox.seed.auth_token,
        "base_url": sandbox.base_url,
        "voice_url": DEFAULT_VOICE_URL,
    }
    rng = random.Random(SEED)
    zygote = Zygote()
    try:
        mid_number = unrecorded_trials = recorded_numbers = after_end = journaled_total = 0
        for trial in range(TRIALS):
            last_entry = max((e.id for e in db.journal.list(limit=1)), default=0)
            zygote.seen.clear()
            zygote.start(job)
            pid = zygote.current = zygote.expect("forked", None)["pid"]
            zygote.expect("confirmed", pid)
            # A random moment: soon after a random number of updates reached Twilio (so the
            # kill scales with the machine's speed), plus a random few milliseconds.
            updates, jitter = rng.randint(0, NUMBERS - 1), rng.uniform(0, 0.02)
            deadline = time.monotonic() + WAIT_S
            while len(sandbox.server.requests("POST")) < updates and not zygote.saw("exited", pid):
                assert time.monotonic() < deadline, "the child made no progress"
                time.sleep(0.001)
            time.sleep(jitter)
            if not zygote.saw("exited", pid):  # never signal a pid that was reaped already
                with contextlib.suppress(ProcessLookupError):  # it is just finishing
                    os.kill(pid, signal.SIGKILL)
            zygote.expect("exited", pid)
            zygote.current = None  # reaped: its pid is no longer ours to signal
            finished = zygote.saw("done", pid)
            settle(sandbox)

            # -- what the kill left ------------------------------------------------------
            live = voice_fields(sandbox)
            records = {r.sid: r for r in db.phone_numbers.list_for_org(org_id)}
            entries = [e for e in db.journal.list(limit=5) if e.id > last_entry]
            killed = entries[0] if entries else None
            for sid in sids:
                if live[sid] != original[sid]:  # Twilio changed: the saved config is there
                    previous = records[sid].previous_voice_config
                    assert previous is not None, (trial, sid)
                    assert {f: getattr(previous, f) for f in FIELDS} == original[sid]
            in_flight = {
                s for s, r in records.items() if r.snapshot_taken_at and r.routed_config is None
            }
            recorded_before = {s for s, r in records.items() if r.routed_config is not None}
            ours_unrecorded = {
                s for s in in_flight if points_at_loquent(VoiceConfig(**live[s]), DEFAULT_VOICE_URL)
            }
            journaled = dict(((killed.result or {}).get("numbers") or {}) if killed else {})
            for sid, outcome in journaled.items():  # every journaled outcome is true
                assert outcome["outcome"] == "succeeded", (trial, sid, outcome)
                assert sid in recorded_before
                assert points_at_loquent(VoiceConfig(**live[sid]), DEFAULT_VOICE_URL)
            if killed is None:
                assert live == original and not in_flight  # killed before it journaled
            held = db.leases.get(lease_name)
            if in_flight:  # killed inside the run: it held the organization's lease
                assert held is not None and held.pid == pid, (trial, held)
            if finished or (killed is not None and killed.outcome is not None):
                after_end += 1
            journaled_total += len(journaled)
            mid_number += bool(in_flight)
            unrecorded_trials += bool(ours_unrecorded)
            recorded_numbers += len(ours_unrecorded)

            # -- the re-run, in this process -------------------------------------------
            async def rerun() -> Any:
                change = await context.voice.prepare_configure(org_id, sids)
                return await context.plans.apply(change, Confirmer(True))

            result = qloop.run_until_complete(asyncio.wait_for(rerun(), WAIT_S))
            live = voice_fields(sandbox)
            records = {r.sid: r for r in db.phone_numbers.list_for_org(org_id)}
            for sid in sids:
                assert live[sid]["voice_url"] == DEFAULT_VOICE_URL, (trial, sid)
                assert live[sid]["trunk_sid"] is None and live[sid]["voice_application_sid"] is None
                record = records[sid]
                assert record.previous_voice_config is not None and record.routed_config
                assert {f: getattr(record.previous_voice_config, f) for f in FIELDS} == original[
                    sid
                ]
                expected = (
                    "unchanged"
                    if sid in recorded_before
                    else "recorded"
                    if sid in ours_unrecorded
                    else "succeeded"
                )
                got = result.outcomes[sid]
                assert got["outcome"] == expected, (trial, sid, expected, got, sid in in_flight)
                # One update applied per number over both runs: nothing changed twice.
                assert applied(sandbox, "POST", f"/IncomingPhoneNumbers/{sid}.json") == 1
            assert applied(sandbox, "DELETE", f"/PhoneNumbers/{trunked}") == 1
            assert db.leases.get(lease_name) is None  # taken over from the dead child, released
            if killed is not None:
                again = db.journal.get(killed.id)
                assert again.outcome == killed.outcome and again.result == killed.result
                if killed.outcome is None and journaled:
                    sid = next(iter(journaled))
                    events = qloop.run_until_complete(context.voice.history(org_id, sid))
                    event = next(e for e in events if e.entry_id == killed.id)
                    assert event.outcome == "succeeded" and INTERRUPTED_AFTER in (event.error or "")
            reset(context, sandbox, org_id, original)
    finally:
        zygote.close()
    took = time.monotonic() - started
    trial_report(
        f"bulk voice routing: {TRIALS} SIGKILL trials of {NUMBERS} numbers, "
        f"{mid_number} kills fell mid-number, {unrecorded_trials} left a change on Twilio "
        f"unrecorded ({recorded_numbers} numbers recorded by the re-run), {after_end} after "
        f"the run ended; the killed runs' entries kept {journaled_total} per-number outcomes; "
        f"{took:.1f} s"
    )
    assert mid_number >= TRIALS // 3  # the kills do land inside the run
