"""The Recordings tab in the real window against the emulator: sync and browse (BYO, and a
Shared organization's per-call sync), search and filters, a bulk download cut off mid-file
that resumes without refetching finished files, "Download to…" a folder the user picks,
the player (the file loaded, play/pause or "cannot play here"), and a trunk's recording mode
through the plan dialog (confirm changes and journals it; cancel sends nothing)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QApplication, QFileDialog

from loquent_desktop.sandbox.resources.recording_media import audio_for
from loquent_desktop.settings import load_settings
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.player import NO_DEVICE, NO_MULTIMEDIA, multimedia, playback_problem
from tests.conftest import wait_until


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def open_tab(window: Any, qloop: Any, context: Any, sandbox: Any) -> tuple[Any, int]:
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    run(qloop, context.history.sync.start(org.id, "calls"))
    run(qloop, window.load(org.id))
    window.select_tab("recordings")
    tab = window.recordings_tab
    run(qloop, window.tasks.wait_idle())
    return tab, int(org.id)


def test_sync_browse_search_and_filter(window, qloop, context, sandbox) -> None:
    tab, _org = open_tab(window, qloop, context, sandbox)
    view = tab.recordings
    assert view.model.rowCount() == 0 and view.sync_button.isEnabled()
    view.sync_button.click()
    run(qloop, wait_until(lambda: not view.syncing and view.model.rowCount() == 10, 20))
    assert "10 new" in view.sync_status.text()
    shown = {view.model.sid_at(i) for i in range(view.model.rowCount())}
    assert shown == set(sandbox.server.state.recordings)
    assert "10 of 10" in view.count.text()
    sid = view.model.sid_at(0)
    view.search.setText(sid[-8:].upper())  # search is case-insensitive
    assert view.proxy.rowCount() == 1
    view.search.setText("")
    view.source.setCurrentIndex(view.source.findData("Trunking"))
    expected = sum(r.source == "Trunking" for r in sandbox.server.state.recordings.values())
    assert view.proxy.rowCount() == expected
    view.source.setCurrentIndex(0)
    newest = max(r.recording.when for r in view.all_rows).astimezone().date()
    view.date_from.setDate(newest)
    view.from_check.setChecked(True)
    assert view.proxy.rowCount() >= 1
    assert all(r.recording.when.astimezone().date() >= newest for r in view.model.rows)
    view.from_check.setChecked(False)
    assert view.proxy.rowCount() == 10
    view.number.setCurrentIndex(1)
    assert 0 < view.proxy.rowCount() <= 10
    assert all(r.number == view.number.currentData() for r in view.model.rows)
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []


def test_bulk_download_interrupted_resumes_and_player_says_why(
    window, qloop, context, sandbox
) -> None:
    tab, org = open_tab(window, qloop, context, sandbox)
    view = tab.recordings
    run(qloop, view.sync())
    media = sandbox.server.media
    first = view.model.sid_at(0)
    view.table.selectRow(0)
    view.format.setCurrentIndex(view.format.findData("wav"))
    done = run(qloop, view.download(view.selected_sids(), "wav"))
    assert len(done.downloaded) == 1
    media.cut_after = 3000  # the next file is cut off mid-way
    media.api_requests.clear()
    cut = run(qloop, view.download(view.shown_sids(), "wav"))
    assert len(cut.failed) == 1 and "1 failed" in view.download_status.text()
    assert not any(first in p for p in media.api_requests)  # never fetched twice
    media.storage_hits.clear()
    view.download_all.click()
    run(qloop, wait_until(lambda: view.downloading is None and "downloaded" in
                          view.download_status.text() and "failed" not in
                          view.download_status.text(), 20))  # fmt: skip
    assert [h.range for h in media.storage_hits] == ["bytes=3000-"]
    assert not any(h.authorization for h in media.storage_hits)
    folder = context.recordings.downloads.folder_for(org)
    files = sorted(folder.iterdir())
    assert len(files) == 10 and all(p.suffix == ".wav" for p in files)
    for path in files:
        sid = path.stem.rsplit("_", 1)[1]
        channels = sandbox.server.state.recordings[sid].channels
        assert path.read_bytes() == audio_for(sid, channels, "wav")
    assert all(view.model.files.get(view.model.sid_at(i)) for i in range(10))
    view.table.selectRow(0)
    player = view.player
    assert player.path is not None and player.open_folder.isEnabled()
    if multimedia() is not None:  # loaded even where it cannot play: the emulator's second
        run(qloop, wait_until(lambda: player.duration_ms > 0, 10))
        assert abs(player.duration_ms - 1000) <= 20 and player.time.text().endswith("/ 0:01")
    problem = playback_problem()
    player.toggle()
    if problem is not None:  # this machine: no audio device (or no Qt Multimedia)
        assert player.state == "unavailable" and player.message.text() == problem
        assert not player.play_button.isEnabled() and "cannot" in problem
    else:
        run(qloop, wait_until(lambda: player.state == "playing", 5))
        assert player.play_button.text() == "Pause"
        player.toggle()
        run(qloop, wait_until(lambda: player.state == "paused", 5))
        assert player.play_button.text() == "Play"


async def _dialog() -> ConfirmPlanDialog:
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ConfirmPlanDialog))
    found = QApplication.activeModalWidget()
    assert isinstance(found, ConfirmPlanDialog)
    return found


def test_trunk_mode_change_cancel_then_confirm(window, qloop, context, sandbox) -> None:
    tab, org = open_tab(window, qloop, context, sandbox)
    tab.pages.setCurrentWidget(tab.trunks)
    view = tab.trunks
    run(qloop, window.tasks.wait_idle())
    run(qloop, wait_until(lambda: view.table.rowCount() > 0))
    row = next(i for i, t in enumerate(view.trunks)
               if t.trunk.recording and t.trunk.recording.mode == "do-not-record")  # fmt: skip
    sid = view.trunks[row].trunk.sid
    assert view.table.item(row, 4).text() != ""  # its numbers are listed
    view.table.selectRow(row)
    view.mode.setCurrentIndex(view.mode.findData("record-from-answer"))

    async def answer(which: str) -> str:
        view.change_button.click()
        shown = await _dialog()
        rows = [
            tuple(shown.changes.item(r, c).text() for c in range(shown.changes.columnCount()))
            for r in range(shown.changes.rowCount())
        ]
        (shown.confirm_button if which == "confirm" else shown.cancel_button).click()
        await wait_until(lambda: not view.busy, 20)
        return repr(rows)

    sandbox.server.clear_log()
    shown = run(qloop, answer("cancel"))
    assert "do-not-record" in shown and "record-from-answer" in shown
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []
    assert "nothing was sent" in view.status.text()
    assert sandbox.server.state.trunks[sid].recording_mode == "do-not-record"
    run(qloop, answer("confirm"))
    assert sandbox.server.state.trunks[sid].recording_mode == "record-from-answer"
    posts = [r for r in sandbox.server.requests() if r.method != "GET"]
    assert [r.path.rsplit("/", 1)[-1] for r in posts] == ["Recording"]
    entries = context.database.journal.list_actions(org, ("trunk_recording",))
    assert [e.outcome for e in entries] == ["succeeded", "cancelled"]
    run(qloop, wait_until(lambda: view.restore_button.isEnabled()))


def test_is_this_number_recorded_page_and_loquent_setting(window, qloop, context, sandbox) -> None:
    tab, org = open_tab(window, qloop, context, sandbox)
    owned = run(qloop, context.numbers.list_owned(org))
    run(qloop, context.numbers.import_numbers(org, owned))
    tab.pages.setCurrentWidget(tab.coverage)
    view = tab.coverage
    run(qloop, window.tasks.wait_idle())
    run(qloop, wait_until(lambda: view.table.rowCount() == len(owned)))
    texts = [view.table.item(r, 2).text() for r in range(view.table.rowCount())]
    assert any(t.startswith("SIP trunk") and "not the Voice URL" in t for t in texts)
    assert not view.setting.isChecked() and view.setting.isEnabled()
    sandbox.server.clear_log()
    view.setting.setChecked(True)
    run(qloop, window.tasks.wait_idle())
    assert run(qloop, context.recordings.coverage.setting(org)) is True
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []


def test_download_to_a_folder_the_user_picks_is_remembered(
    window, qloop, context, sandbox, tmp_path
) -> None:
    tab, org = open_tab(window, qloop, context, sandbox)
    view = tab.recordings
    run(qloop, view.sync())
    # The app folder first; one file is downloaded there.
    run(qloop, view.download([view.model.sid_at(0)], "wav"))
    app_folder = context.recordings.downloads.app_folder_for(org)
    assert len(list(app_folder.iterdir())) == 1
    assert str(app_folder) in view.folder.label.text()
    picked = tmp_path / "Calls to keep"
    picked.mkdir()
    view.folder.choose_button.click()
    run(qloop, wait_until(lambda: view.folder.dialog is not None and
                          view.folder.dialog.isVisible()))  # fmt: skip
    dialog = view.folder.dialog
    assert isinstance(dialog, QFileDialog)
    assert dialog.fileMode() == QFileDialog.FileMode.Directory
    dialog.setDirectory(str(picked))  # the user opens the folder and presses Choose
    dialog.accept()
    run(qloop, wait_until(lambda: str(picked) in view.folder.label.text()))
    assert load_settings(context.paths.config_dir, env={}).recordings_folder == str(picked)
    assert view.folder.default_button.isEnabled()
    sandbox.server.clear_log()
    result = run(qloop, view.download(view.shown_sids(), "mp3"))
    assert len(result.downloaded) == 10
    names = sorted(p.name for p in picked.iterdir())
    assert len(names) == 10 and all(n.endswith(".mp3") for n in names)
    when = {r.sid: r.recording.when for r in view.model.rows}
    assert names == sorted(names, key=lambda n: when[n.rsplit("_", 1)[1][:-4]])  # by date
    for name in names:
        sid = name.rsplit("_", 1)[1][:-4]
        assert (picked / name).read_bytes() == audio_for(sid, 1, "mp3")
    # WAV into the new folder: the one already in the app folder is copied, not fetched.
    first = view.model.sid_at(0)
    sandbox.server.clear_log()
    again = run(qloop, view.download([first], "wav"))
    assert len(again.already_there) == 1 and again.already_there[0].parent == picked
    assert not [r for r in sandbox.server.requests() if r.media is not None]
    # Back to the app folder: remembered as such.
    view.folder.default_button.click()
    run(qloop, wait_until(lambda: str(app_folder) in view.folder.label.text()))
    assert load_settings(context.paths.config_dir, env={}).recordings_folder is None


def test_a_shared_organization_syncs_its_calls_recordings(window, qloop, context, sandbox) -> None:
    from tests.services.test_history_sync import record_purchase, shared_numbers
    from tests.services.test_recordings_shared import add_recordings
    from tests.support.history import add_calls

    run(qloop, context.connection.connect_shared(sandbox.shared_credentials))
    org = run(qloop, context.organizations.add("Shared Clinic"))
    state, account = sandbox.server.state, sandbox.seed.shared_account_sid
    mine, theirs = shared_numbers(sandbox)[:2]
    ours = add_calls(state, account, [mine], 20, seed=3)
    expected = add_recordings(sandbox, ours, seed=6)
    foreign = add_recordings(sandbox, add_calls(state, account, [theirs], 10, seed=4), seed=7)
    record_purchase(context, int(org.id), mine, datetime(2020, 1, 1, tzinfo=UTC))
    run(qloop, window.load(org.id))
    window.select_tab("recordings")
    view = window.recordings_tab.recordings
    run(qloop, window.tasks.wait_idle())
    view.sync_button.click()
    run(qloop, wait_until(lambda: "calls first" in view.sync_status.text(), 20))
    assert not view.syncing and view.model.rowCount() == 0
    run(qloop, context.history.sync.start(org.id, "calls"))
    sandbox.server.clear_log()
    view.sync_button.click()
    run(qloop, wait_until(lambda: not view.syncing and view.model.rowCount() > 0, 20))
    shown = {view.model.sid_at(i) for i in range(view.model.rowCount())}
    assert shown == set(expected) and not shown & set(foreign)
    assert f"{len(expected)} new" in view.sync_status.text()
    assert all(r.number == mine for r in view.model.rows)
    listed = [r.path for r in sandbox.server.requests() if r.path.endswith("/Recordings.json")]
    assert listed and all("/Calls/CA" in p for p in listed)


def test_the_player_says_why_it_cannot_play(window, qloop, tmp_path) -> None:
    """Whatever this machine has, the message is one of the two known reasons or none."""
    from loquent_desktop.ui.player import Player

    player = Player()
    path = tmp_path / "2026-01-01_000000_RE0.wav"
    path.write_bytes(audio_for("RE" + "0" * 32, 2, "wav"))
    player.set_file(path, 2)
    assert player.channels.text().startswith("Dual-channel")
    problem = playback_problem()
    assert problem in (None, NO_DEVICE, NO_MULTIMEDIA)
    if multimedia() is not None:
        run(qloop, wait_until(lambda: player.duration_ms > 0, 10))
        assert abs(player.duration_ms - 1000) <= 20
    if problem is not None:
        assert player.state == "unavailable" and player.message.text() == problem
    player.set_file(None)
    assert player.state == "stopped" and not player.open_folder.isEnabled()


def test_voice_routing_details_say_what_records_the_number(window, qloop, context, sandbox) -> None:
    from tests.ui.test_voice_tab import open_voice, select

    tab = open_voice(window, qloop, context, sandbox)
    org = window.selection.current
    box = tab.details.recording
    coverage = {r.phone_number: r for r in run(qloop, context.recordings.coverage.numbers(org.id))}
    sandbox.server.clear_log()

    def shows(predicate: Any, decider: str) -> str:
        (sid,) = select(tab, predicate)
        number = next(n for n in tab.selected() if n.sid == sid)
        run(qloop, wait_until(lambda: box.answer is not None and box.number_sid == sid, 10))
        assert box.isVisible() and box.answer.decider == decider
        assert box.text.text() == box.answer.text
        # The same answer as the Recordings tab's "Is this number recorded?" page.
        assert coverage[number.phone_number].decider == decider
        return box.text.text()

    trunked = shows(lambda n: n.live is not None and bool(n.live.trunk_sid), "trunk")
    assert trunked.startswith("SIP trunk") and "not the Voice URL" in trunked
    other = shows(
        lambda n: n.live is not None and not n.live.trunk_sid
        and not n.live.voice_application_sid and bool(n.live.voice_url)
        and n.live.voice_url != n.loquent_url,
        "other-platform",
    )  # fmt: skip
    assert "may record in its TwiML" in other
    tab.select_sids([])
    assert not box.isVisible()
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []
