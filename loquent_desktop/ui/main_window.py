"""The main window: tabs for each built capability, and a status bar that always says which
organization is current, which Twilio account mode it runs in, and whether this is the
sandbox.

The window owns the one `OrganizationSelection`: the Credentials list sets it, every tab
watches it.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QTabWidget, QWidget

from .. import APP_NAME, __version__
from ..app import AppContext
from ..domain.errors import LoquentError
from .async_tasks import TaskRunner
from .credentials_tab import CredentialsTab
from .journal_tab import JournalTab
from .numbers_tab import NumbersTab
from .recordings_tab import RecordingsTab
from .resources import app_icon
from .selection import OrganizationSelection
from .style import REDIRECT_BADGE, SANDBOX_BADGE, Role, css
from .sync_tab import SyncTab
from .voice_tab import VoiceTab


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.selection = OrganizationSelection(self)
        # Created first: it cancels the old scope's reads before any tab hears of a change.
        self.tasks = TaskRunner(self, self.selection)
        title = APP_NAME + (" — SANDBOX" if context.is_sandbox else "")
        self.setWindowTitle(title)
        self.setWindowIcon(app_icon())
        self.resize(1280, 760)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.credentials_tab = CredentialsTab(
            context.organizations,
            context.connection,
            self.tasks,
            self.selection,
            context.settings.default_voice_url,
        )
        self.numbers_tab = NumbersTab(context.numbers, self.tasks, context.plans, self.selection)
        self.voice_tab = VoiceTab(context.voice, self.tasks, context.plans, self.selection)
        self.sync_tab = SyncTab(
            context.event_streams, context.history, self.tasks, self.selection, context.plans
        )
        self.journal_tab = JournalTab(context.journal, self.tasks)
        # The sandbox's demo recordings are synced on first view, so the tab opens with them.
        self.recordings_tab = RecordingsTab(
            context.recordings, self.tasks, self.selection, auto_sync=context.is_sandbox
        )
        self.tabs.addTab(self.credentials_tab, "&Credentials")
        self.tabs.addTab(self.numbers_tab, "&Numbers")
        self.tabs.addTab(self.voice_tab, "&Voice routing")
        self.tabs.addTab(self.sync_tab, "&Sync")
        self.tabs.addTab(self.recordings_tab, "&Recordings")
        self.tabs.addTab(self.journal_tab, "&Journal")
        self.setCentralWidget(self.tabs)
        self.tabs.currentChanged.connect(self._tab_changed)

        self._build_status_bar()
        self._build_menu()
        self.selection.track(self._show_organization)
        self.credentials_tab.shared_box.changed.connect(self.selection.shared_account_changed)
        self.tasks.busy_changed.connect(self._busy)
        self.tasks.failed.connect(self._task_failed)

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
        if self.context.is_sandbox:
            self.sandbox_label = QLabel(" SANDBOX ")
            self.sandbox_label.setStyleSheet(SANDBOX_BADGE)
            self.sandbox_label.setToolTip(
                "Running on the embedded Twilio emulator: nothing reaches a real Twilio account."
            )
            bar.addPermanentWidget(self.sandbox_label)
        elif (target := self.context.twilio_redirect) is not None:
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
        logs.triggered.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.context.paths.log_dir)))
        )
        about = QAction("&About", self)
        about.triggered.connect(self._about)
        help_menu.addAction(logs)
        help_menu.addAction(about)

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

    def select_tab(self, name: str) -> None:
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index).replace("&", "").lower() == name.lower():
                self.tabs.setCurrentIndex(index)
                return
        raise LoquentError(f"There is no tab called '{name}'.")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        event.accept()

    async def shutdown(self) -> None:
        self.voice_tab.stop()  # a bulk change ends between numbers rather than run on
        await self.tasks.cancel_all()
        await asyncio.sleep(0)
