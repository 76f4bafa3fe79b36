"""Recordings services against the emulator: sync (read-only, upsert by SID, resumable;
a Shared organization's per-call sync is in test_recordings_shared.py),
downloads (byte for byte, resumable mid-file, never twice, no credentials to media storage,
429 back-off), and the trunk recording plan (confirm sends and journals, cancel sends nothing).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from loquent_desktop.domain.errors import PlanCancelled
from loquent_desktop.domain.recordings import RecordingQuery
from loquent_desktop.sandbox.resources.recording_media import audio_for


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


@pytest.fixture
def org(qloop: Any, context: Any, sandbox: Any) -> int:
    record = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(record.id, sandbox.demo_credentials))
    return int(record.id)


def seeded(sandbox: Any) -> dict[str, Any]:
    return dict(sandbox.server.state.recordings)


def writes(sandbox: Any) -> list[Any]:
    return [r for r in sandbox.server.requests() if r.method != "GET"]


def test_sync_copies_every_recording_once_and_only_reads(qloop, context, sandbox, org) -> None:
    service = context.recordings
    summary = run(qloop, service.sync.start(org, "recordings"))
    rows = run(qloop, service.browse.search(org, RecordingQuery()))
    emulator = seeded(sandbox)
    assert len(emulator) == 10 and summary.counts.new == 10
    assert {r.sid for r in rows} == set(emulator)
    for row in rows:
        source = emulator[row.sid]
        assert row.recording.call_sid == source.call_sid
        assert row.recording.duration == source.duration
        assert row.recording.channels == source.channels
        assert row.recording.recording_source == source.source
        assert row.recording.price and row.recording.price_unit == "USD"
    again = run(qloop, service.sync.start(org, "recordings"))
    assert again.counts.new == 0  # incremental: upsert by SID, nothing twice
    assert run(qloop, asyncio.to_thread(context.database.recordings.count, org)) == 10
    assert writes(sandbox) == []
    listed = [r for r in sandbox.server.requests() if r.path.endswith("/Recordings.json")]
    assert listed and "DateCreated>" in listed[-1].query  # the second run starts a day back


def test_filters_by_source_and_number(qloop, context, sandbox, org) -> None:
    run(qloop, context.history.sync.start(org, "calls"))
    run(qloop, context.recordings.sync.start(org, "recordings"))
    rows = run(qloop, context.recordings.browse.search(org, RecordingQuery()))
    assert all(r.number for r in rows)  # the calls are synced: each has its number
    number = rows[0].number
    by_number = run(qloop, context.recordings.browse.search(org, RecordingQuery(number=number)))
    assert by_number and all(r.number == number for r in by_number)
    source = rows[0].recording.recording_source
    by_source = run(qloop, context.recordings.browse.search(org, RecordingQuery(source=source)))
    expected = {s for s, r in seeded(sandbox).items() if r.source == source}
    assert {r.sid for r in by_source} == expected


def test_bulk_download_resumes_mid_file_and_never_refetches(qloop, context, sandbox, org) -> None:
    service = context.recordings
    run(qloop, service.sync.start(org, "recordings"))
    sids = sorted(seeded(sandbox))
    media = sandbox.server.media
    # A first file completes; the second is cut off after 5,000 bytes.
    first = run(qloop, service.downloads.download(org, sids[:1], "wav"))
    assert len(first.downloaded) == 1
    media.cut_after = 5000
    cut = run(qloop, service.downloads.download(org, sids[1:2], "wav"))
    assert sids[1] in cut.failed and not cut.downloaded
    parts = list(service.downloads.folder_for(org).glob("*.part"))
    assert len(parts) == 1 and parts[0].stat().st_size == 5000
    media.storage_hits.clear()
    media.api_requests.clear()
    seen: list[Any] = []
    result = run(qloop, service.downloads.download(org, sids, "wav", seen.append))
    assert len(result.downloaded) == len(sids) - 1 and len(result.already_there) == 1
    assert not result.failed and not list(service.downloads.folder_for(org).glob("*.part"))
    # The finished file was not fetched again; the cut one continued where it stopped.
    assert not any(sids[0] in path for path in media.api_requests)
    resumed = [h for h in media.storage_hits if sids[1] in h.path]
    assert [h.range for h in resumed] == ["bytes=5000-"]
    # Media storage never receives credentials.
    assert media.storage_hits and not any(h.authorization for h in media.storage_hits)
    state = sandbox.server.state
    for path in service.downloads.folder_for(org).iterdir():
        sid = path.stem.rsplit("_", 1)[1]
        expected = audio_for(sid, state.recordings[sid].channels, "wav")
        assert path.read_bytes() == expected  # byte for byte
        assert path.read_bytes()[:4] == b"RIFF"
    records = {r.sid: r.recording for r in run(qloop, service.browse.search(org, RecordingQuery()))}
    by_name = sorted(service.downloads.folder_for(org).iterdir())
    by_date = sorted(by_name, key=lambda p: records[p.stem.rsplit("_", 1)[1]].when)
    assert by_name == by_date  # names sort by date
    assert seen and seen[-1].files_done == len(sids)
    assert writes(sandbox) == []


def test_download_backs_off_on_429_and_fetches_mp3(qloop, context, sandbox, org) -> None:
    run(qloop, context.recordings.sync.start(org, "recordings"))
    sid = sorted(seeded(sandbox))[0]
    sandbox.server.media.throttle = 2
    result = run(qloop, context.recordings.downloads.download(org, [sid], "mp3"))
    assert len(result.downloaded) == 1 and result.downloaded[0].suffix == ".mp3"
    body = result.downloaded[0].read_bytes()
    assert body == audio_for(sid, 1, "mp3") and body[:2] == b"\xff\xfb"
    assert len(body) == 28 * 144  # 28 MPEG frames: about one second
    assert len(sandbox.server.media.api_requests) == 3  # two 429s, then the redirect


def test_trunk_mode_change_confirmed_is_sent_and_journaled(qloop, context, sandbox, org) -> None:
    trunks = context.recordings.trunks
    views = run(qloop, trunks.list_trunks(org))
    view = next(v for v in views if v.trunk.recording and v.trunk.recording.mode == "do-not-record")
    change = run(qloop, trunks.prepare_mode_change(org, view.trunk.sid, "record-from-answer-dual"))
    plan = change.plan
    assert [(c.field, c.before, c.after) for c in plan.changes] == [
        ("Recording mode", "do-not-record", "record-from-answer-dual")
    ]
    assert "bills" in plan.cost and any("Every call" in a for a in plan.affected)

    async def no(_plan: Any) -> bool:
        return False

    sandbox.server.clear_log()
    with pytest.raises(PlanCancelled):
        run(qloop, context.plans.apply(change, no))
    assert writes(sandbox) == []  # cancel sends nothing

    async def yes(_plan: Any) -> bool:
        return True

    change = run(qloop, trunks.prepare_mode_change(org, view.trunk.sid, "record-from-answer-dual"))
    done = run(qloop, context.plans.apply(change, yes))
    assert done.mode == "record-from-answer-dual"
    trunk = sandbox.server.state.trunks[view.trunk.sid]
    assert trunk.recording_mode == "record-from-answer-dual"
    entries = context.database.journal.list_actions(org, ("trunk_recording",))
    assert [e.outcome for e in entries] == ["succeeded", "cancelled"]
    # Restore is just another change, back to the journaled before.
    again = {v.trunk.sid: v for v in run(qloop, trunks.list_trunks(org))}
    assert again[view.trunk.sid].previous_mode == "do-not-record"


def test_media_downloads_stay_under_the_account_cap(qloop, context, sandbox, org) -> None:
    run(qloop, context.recordings.sync.start(org, "recordings"))
    sids = sorted(seeded(sandbox))
    result = run(qloop, context.recordings.downloads.download(org, sids, "wav"))
    assert len(result.downloaded) == len(sids)
    cap = context.recordings.downloads.concurrency
    assert 1 <= sandbox.server.media.most_in_flight <= cap


@pytest.mark.parametrize(
    "location",
    ["http://media.example.com/RE.wav", "ftp://127.0.0.1/RE.wav", "http://10.0.0.1/RE.wav"],
)
def test_a_redirect_off_https_is_refused(location: str) -> None:
    """Credentials never travel with a redirect; and the media itself only over https
    (plain http only on this machine, where the sandbox lives)."""
    from loquent_desktop.twilio_api.recording_media import MediaError, _checked

    with pytest.raises(MediaError):
        _checked(location)
    assert _checked("https://media.twiliocdn.example/RE.wav").startswith("https://")


def test_a_sync_stopped_by_twilio_resumes_to_the_same_result(qloop, context, sandbox, org) -> None:
    from loquent_desktop.services.history_sync import HistorySyncError

    service = context.recordings.sync
    # More 500s than the retry policy tries: the run stops, saved and resumable.
    sandbox.server.faults.add("*/Recordings.json", "500", count=10)
    with pytest.raises(HistorySyncError):
        run(qloop, service.start(org, "recordings"))
    status = run(qloop, service.status(org, "recordings"))
    assert status.resumable and "Resume" in status.text()
    sandbox.server.faults.clear()
    summary = run(qloop, service.resume(org, "recordings"))
    assert summary.resumed and summary.counts.new == 10
    rows = run(qloop, context.recordings.browse.search(org, RecordingQuery()))
    assert {r.sid for r in rows} == set(seeded(sandbox))


def test_the_request_log_shows_credentials_only_reached_twilios_api_host(
    qloop, context, sandbox, org
) -> None:
    """Media requests are in the emulator's request log, marked: the api host got the
    account's credentials and answered with a redirect; media storage got none."""
    from tests.support.request_contract import violations

    run(qloop, context.recordings.sync.start(org, "recordings"))
    sids = sorted(seeded(sandbox))[:2]
    sandbox.server.clear_log()
    run(qloop, context.recordings.downloads.download(org, sids, "mp3"))
    media = [r for r in sandbox.server.requests() if r.media is not None]
    api = [r for r in media if r.media == "api"]
    storage = [r for r in media if r.media == "storage"]
    assert len(api) == len(storage) == 2 and len(media) == len(sandbox.server.requests())
    account = sandbox.demo_credentials.account_sid
    assert all(r.authorization and r.auth_username == account for r in api)
    assert all(r.status == 302 and r.path.endswith(".mp3") for r in api)
    assert all(r.status == 200 and r.path.startswith("/media/") for r in storage)
    assert not any(r.authorization or r.auth_username for r in storage)
    # The contract check leaves media alone (no API spec describes them).
    assert all(violations(r) == [] for r in media)
