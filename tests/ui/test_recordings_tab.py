"""The Recordings tab in the real window against the emulator: sync and browse, search and
filters, a bulk download cut off mid-file that resumes without refetching finished files,
the player's "cannot play here" state, and a trunk's recording mode through the plan dialog
(confirm changes and journals it; cancel sends nothing)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from loquent_desktop.sandbox.resources.recording_media import audio_for
from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
from loquent_desktop.ui.player import playback_problem
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
    problem = playback_problem()
    player.toggle()
    if problem is not None:  # this machine: no Qt Multimedia or no audio device
        assert player.state == "unavailable" and player.message.text() == problem
        assert not player.play_button.isEnabled()
    else:
        run(qloop, wait_until(lambda: player.state in ("playing", "stopped"), 5))


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
