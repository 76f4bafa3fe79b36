"""The main window: tabs for each built capability, and a status bar that always says which
organization is current, which Twilio account mode it runs in, and whether this is the
sandbox.

The window owns the one `OrganizationSelection`: the Credentials list sets it, every tab
watches it.

Start-up paints the window before the core is imported (SQLAlchemy, the twilio library:
about a second): `MainWindow()` without a context is the frame (title, the tabs' titles,
menus, status bar) and `attach(context)` puts each tab's page in once `start_app` is done.
The tabs' modules are imported there for the same reason.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QTabWidget,
    QWidget,
)

from .. import APP_NAME, __version__
from ..domain.errors import LoquentError
from . import file_dialogs
from .async_tasks import TaskRunner
from .capabilities_dialog import open_capabilities
from .resources import app_icon
from .selection import OrganizationSelection
from .style import REDIRECT_BADGE, SANDBOX_BADGE, Role, css
from .tab_names import match_tab
from .widgets import PendingPage, ScrollingTabs, page_of, tip_clipped_combo, tip_elided_cells

if TYPE_CHECKING:
    from ..app import AppContext

# In the order shown; the frame paints with them before the pages exist.
TAB_TITLES = ("&Credentials", "&Numbers", "&Voice routing", "&Sync", "&Recordings", "&Journal")


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(
        self,
        context: AppContext | None = None,
        parent: QWidget | None = None,
        *,
        sandbox: bool = False,
    ) -> None:
        """The whole window with `context`; without, only its frame until `attach(context)`
        (`sandbox`: title it as the sandbox meanwhile)."""
        super().__init__(parent)
        self.attached = False
        self.selection = OrganizationSelection(self)
        # Created first: it cancels the old scope's reads before any tab hears of a change.
        self.tasks = TaskRunner(self, self.selection)
        self.setWindowTitle(APP_NAME + (" — SANDBOX" if sandbox else ""))
        self.setWindowIcon(app_icon())
        self.resize(1280, 760)

        self.tabs = ScrollingTabs()
        self.tabs.setDocumentMode(True)
        # Each page scrolls when the window is smaller than it needs (1024×640 must work),
        # rather than the window refusing to shrink. Until `attach`, each holds a PendingPage.
        self._pending = [PendingPage() for _ in TAB_TITLES]
        for page, title in zip(self._pending, TAB_TITLES, strict=True):
            self.tabs.add_page(page, title)
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._tab_changed)

        self._build_status_bar()
        self.badge_shown = False
        if sandbox:
            self._add_badge(True, None)
        self._build_menu()
        self.selection.track(self._show_organization)
        self.tasks.busy_changed.connect(self._busy)
        self.tasks.failed.connect(self._task_failed)
        if context is not None:
            self.attach(context)

    def show_starting(self, text: str) -> None:
        """Before `attach`: why start-up takes long (the database being upgraded), on every
        tab and in the status bar, with the busy indicators running."""
        if self.attached:
            return
        for page in self._pending:
            page.say(text)
        self.busy_bar.setToolTip(text)
        self.busy_bar.show()
        self.statusBar().showMessage(text)

    def attach(self, context: AppContext) -> None:
        """Build each tab's page over the started app and put it in its place."""
        from ..services.leaving_byo import LeavingByoService
        from .credentials_tab import CredentialsTab
        from .journal_tab import JournalTab
        from .numbers_tab import NumbersTab
        from .recordings_tab import RecordingsTab
        from .sync_tab import SyncTab
        from .voice_tab import VoiceTab

        self.context = context
        file_dialogs.remember_in(context.paths.config_dir)  # exports start where the last went
        self.setWindowTitle(APP_NAME + (" — SANDBOX" if context.is_sandbox else ""))
        self.credentials_tab = CredentialsTab(
            context.organizations,
            context.connection,
            self.tasks,
            self.selection,
            context.settings.default_voice_url,
            leaving=LeavingByoService(context.voice, context.event_streams),
            plans=context.plans,
        )
        self.numbers_tab = NumbersTab(
            context.numbers,
            self.tasks,
            context.plans,
            self.selection,
            last_known=context.last_known,
        )
        self.voice_tab = VoiceTab(
            context.voice,
            self.tasks,
            context.plans,
            self.selection,
            last_known=context.last_known,
            changes=context.number_changes,
        )
        # "Is this number recorded?" in the Voice routing detail panel too.
        self.voice_tab.details.recording.attach(
            context.recordings.coverage, self.tasks, self.selection
        )
        # The sandbox's demo history is synced the first time Contacts is shown, like Recordings.
        self.sync_tab = SyncTab(
            context.event_streams, context.history, self.tasks, self.selection, context.plans,
            auto_sync=context.is_sandbox,
        )  # fmt: skip
        self.journal_tab = JournalTab(context.journal, self.tasks)
        # The sandbox's demo recordings are synced on first view, so the tab opens with them.
        self.recordings_tab = RecordingsTab(
            context.recordings, self.tasks, self.selection, auto_sync=context.is_sandbox
        )
        self.sync_tab.browser.open_recordings.connect(self.show_call_recordings)
        pages = (
            self.credentials_tab,
            self.numbers_tab,
            self.voice_tab,
            self.sync_tab,
            self.recordings_tab,
            self.journal_tab,
        )
        for index, page in enumerate(pages):
            self._put_page(index, page)
        self._pending = []  # deleted with their places' old pages
        self.busy_bar.hide()  # a start-up notice's; the tasks show it again while they run
        if not self.badge_shown:
            self._add_badge(context.is_sandbox, context.twilio_redirect)
        self.credentials_tab.shared_box.changed.connect(self.selection.shared_account_changed)
        for view in self.findChildren(QAbstractItemView):  # cut-off cells show their text
            if not isinstance(view, QHeaderView):
                tip_elided_cells(view)
        for combo in self.findChildren(QComboBox):  # and squeezed combo boxes theirs
            tip_clipped_combo(combo)
        self.attached = True
        if self.tabs.currentIndex() > 0:  # chosen while the pages were being built
            self._tab_changed(self.tabs.currentIndex())

    # -- chrome ---------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.org_label = QLabel("No organization")
        self.org_label.setTextFormat(Qt.TextFormat.PlainText)  # names are user text, not HTML
        self.org_label.setToolTip("The organization that the tabs act on")
        self.mode_label = QLabel()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate: network calls have no known length
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        bar.addPermanentWidget(self.busy_bar)
        bar.addPermanentWidget(self.org_label)
        bar.addPermanentWidget(self.mode_label)

    def _put_page(self, index: int, page: QWidget) -> None:
        area = QTabWidget.widget(self.tabs, index)  # ScrollingTabs.widget() is what it holds
        assert isinstance(area, QScrollArea)
        area.setObjectName(f"{type(page).__name__}-scroll")
        area.setWidget(page)  # deletes the empty page that held its place

    def _add_badge(self, sandbox: bool, redirect: str | None) -> None:
        bar = self.statusBar()
        self.badge_shown = sandbox or redirect is not None
        if sandbox:
            self.sandbox_label = QLabel(" SANDBOX ")
            self.sandbox_label.setStyleSheet(SANDBOX_BADGE)
            self.sandbox_label.setToolTip(
                "Running on the embedded Twilio emulator: nothing reaches a real Twilio account."
            )
            bar.addPermanentWidget(self.sandbox_label)
        elif (target := redirect) is not None:
            # Requests carry customers' credentials: never let a redirect go unnoticed.
            self.routing_label = QLabel(f" Twilio → {target} ")
            self.routing_label.setStyleSheet(REDIRECT_BADGE)
            self.routing_label.setToolTip(
                f"Twilio requests are sent to {target} instead of Twilio itself "
                "(--twilio-base-url or settings.json)."
            )
            bar.addPermanentWidget(self.routing_label)

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        for index in range(self.tabs.count()):
            action = QAction(self.tabs.tabText(index).replace("&", ""), self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, i=index: self.tabs.setCurrentIndex(i))
            view_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        logs = QAction("Open &log folder", self)
        logs.triggered.connect(self._open_logs)
        about = QAction("&About", self)
        about.triggered.connect(self._about)
        capabilities = QAction("What this app can and cannot do to your &account", self)
        capabilities.triggered.connect(lambda: open_capabilities(self))
        self.capabilities_action = capabilities
        help_menu.addAction(capabilities)
        help_menu.addAction(logs)
        help_menu.addAction(about)

    def _open_logs(self) -> None:
        if self.attached:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.context.paths.log_dir)))

    def _about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            f"About {APP_NAME}",
            f"{APP_NAME} {__version__}\n\nConnect an organization's Twilio account "
            "to Loquent and look after it.",
            parent=self,
        )
        box.open()

    def _busy(self, busy: bool, description: str) -> None:
        self.busy_bar.setVisible(busy)
        self.busy_bar.setToolTip(description)
        if busy and description:
            self.statusBar().showMessage(f"{description}…")
        elif not busy:
            self.statusBar().clearMessage()

    def _task_failed(self, description: str, exc: BaseException) -> None:
        if isinstance(exc, LoquentError):
            text = str(exc)
        else:
            text = f"{description} failed unexpectedly ({type(exc).__name__}). See the log file."
        self.statusBar().showMessage(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, description, text, parent=self)
        box.setObjectName("task-error")
        box.open()

    def _show_organization(self) -> None:
        org = self.selection.current
        if org is None:
            self.org_label.setText("No organization")
            self.mode_label.setText("")
            return
        self.org_label.setText(org.name)
        if not org.byo_twilio:
            self.mode_label.setText("Shared")
            self.mode_label.setStyleSheet("")
            self.mode_label.setToolTip("Uses Loquent's shared Twilio account")
        elif org.twilio_account_sid:
            self.mode_label.setText(f"BYO {org.masked_account_sid}")
            self.mode_label.setStyleSheet("")
            self.mode_label.setToolTip("Uses the organization's own Twilio account")
        else:
            self.mode_label.setText("BYO — not connected")
            self.mode_label.setStyleSheet(css(Role.ERROR, bold=True))
            self.mode_label.setToolTip("Connect credentials on the Credentials tab")

    def _tab_changed(self, index: int) -> None:
        if not self.attached:
            return
        widget = self.tabs.widget(index)
        if widget is self.journal_tab:
            self.tasks.start(self.journal_tab.load(), "Load journal")
        elif widget is self.numbers_tab:
            self.numbers_tab.ensure_loaded()
        elif widget is self.voice_tab:
            self.voice_tab.ensure_loaded()
        elif widget is self.sync_tab:
            self.sync_tab.ensure_loaded()
        elif widget is self.recordings_tab:
            self.recordings_tab.ensure_loaded()

    # -- life cycle -----------------------------------------------------------------------
    async def load(self, select_org: int | None = None) -> None:
        await self.credentials_tab.load(select_org)

    def tab_names(self) -> list[str]:
        return [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count())]

    def select_tab(self, name: str) -> None:
        """`name` as the user may type it: any case, a unique start of the name or of one of
        its words ("voice", "routing"), or "history" for Sync."""
        index = match_tab(self.tab_names(), name)
        if index is None:
            names = ", ".join(n.lower() for n in self.tab_names())
            raise LoquentError(f"There is no tab called '{name}'. The tabs are: {names}.")
        self.tabs.setCurrentIndex(index)

    def show_call_recordings(self, call_sid: str) -> None:
        """The recordings of one call (double-clicked in the Sync tab's Calls browser)."""
        self.tabs.setCurrentWidget(self.recordings_tab)
        self.recordings_tab.show_call(call_sid)

    def show_place(self, tab: str, page: str = "") -> None:
        """Show tab `tab` and, when given, its page titled `page` (the capabilities table's
        links)."""
        self.select_tab(tab)
        pages = getattr(page_of(self.tabs.currentWidget()), "pages", None)
        if page and isinstance(pages, QTabWidget):
            titles = [pages.tabText(i).replace("&&", "&") for i in range(pages.count())]
            if page in titles:
                pages.setCurrentIndex(titles.index(page))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        event.accept()

    async def shutdown(self) -> None:
        if self.attached:
            self.voice_tab.stop()  # a bulk change ends between numbers rather than run on
        await self.tasks.cancel_all()
        await asyncio.sleep(0)
