"""The list of organizations: choosing one makes it the current organization of the window
(the `OrganizationSelection`); adding, renaming and removing them."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.records import OrganizationRecord
from ..services.organizations import OrganizationService
from .async_tasks import TaskRunner
from .dialogs.awaitable import answer
from .dialogs.message import confirm
from .organization_texts import list_label, streams_warning
from .selection import OrganizationSelection


class OrganizationList(QGroupBox):
    def __init__(
        self,
        organizations: OrganizationService,
        tasks: TaskRunner,
        selection: OrganizationSelection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Organizations", parent)
        self.organizations = organizations
        self.tasks = tasks
        self.selection = selection
        layout = QVBoxLayout(self)
        self.org_list = QListWidget()
        self.org_list.setAccessibleName("Organizations")
        self.org_list.setSpacing(2)
        self.org_list.setMinimumWidth(240)
        self.org_list.currentItemChanged.connect(self._selection_changed)
        layout.addWidget(self.org_list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add…")
        self.add_button.setToolTip("Add an organization (Ctrl+N)")
        self.rename_button = QPushButton("Re&name…")
        self.rename_button.setToolTip("Rename the selected organization (F2)")
        self.remove_button = QPushButton("&Remove…")
        self.remove_button.setToolTip(
            "Forget the organization on this computer and delete its keychain entry. "
            "Nothing changes on Twilio."
        )
        for button in (self.add_button, self.rename_button, self.remove_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(
            lambda: self.tasks.start(self.add_org(), "Add organization", busy=False)
        )
        self.rename_button.clicked.connect(
            lambda: self.tasks.start(self.rename_org(), "Rename organization", busy=False)
        )
        self.remove_button.clicked.connect(
            lambda: self.tasks.start(self.remove_org(), "Remove organization", busy=False)
        )
        QShortcut(QKeySequence.StandardKey.New, self, self.add_button.click)
        # F2 and Del act on the list only when it has focus: Del in a text field must never
        # offer to remove an organization.
        for key, button in (
            (QKeySequence(Qt.Key.Key_F2), self.rename_button),
            (QKeySequence(QKeySequence.StandardKey.Delete), self.remove_button),
        ):
            shortcut = QShortcut(key, self.org_list, button.click)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        selection.record_updated.connect(self._relabel)
        selection.track(self._update_buttons)

    # -- loading and choosing -------------------------------------------------------------
    async def load(self, select_id: int | None = None) -> None:
        """Read the organizations and select `select_id` (default: the current one, else
        the first)."""
        orgs = await self.organizations.list()
        current = self.selection.current
        keep = select_id if select_id is not None else (current.id if current else None)
        index = next((i for i, o in enumerate(orgs) if o.id == keep), 0 if orgs else -1)
        with QSignalBlocker(self.org_list):  # one announcement below, not one per step
            self.org_list.clear()
            for org in orgs:
                item = QListWidgetItem(list_label(org))
                item.setData(Qt.ItemDataRole.UserRole, org)
                self.org_list.addItem(item)
            self.org_list.setCurrentRow(index)
        self.selection.select(orgs[index] if index >= 0 else None)

    def _selection_changed(self, item: QListWidgetItem | None, _previous: object) -> None:
        self.selection.select(item.data(Qt.ItemDataRole.UserRole) if item else None)

    def _relabel(self, org: OrganizationRecord) -> None:
        for row in range(self.org_list.count()):
            item = self.org_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole).id == org.id:
                item.setText(list_label(org))
                item.setData(Qt.ItemDataRole.UserRole, org)

    def _update_buttons(self) -> None:
        has_org = self.selection.current is not None
        self.rename_button.setEnabled(has_org)
        self.remove_button.setEnabled(has_org)

    # -- add, rename, remove --------------------------------------------------------------
    async def add_org(self) -> None:
        name = await self._ask_text("Add organization", "Name of the organization:", "")
        if name is None:
            return
        org = await self.organizations.add(name)
        await self.load(select_id=org.id)

    async def rename_org(self) -> None:
        org = self.selection.current
        if org is None:
            return
        name = await self._ask_text("Rename organization", "New name:", org.name)
        if name is None or name.strip() == org.name:
            return
        renamed = await self.organizations.rename(org.id, name)
        await self.load(select_id=renamed.id)

    async def remove_org(self) -> None:
        org = self.selection.current
        if org is None:
            return
        text = (
            f"Remove {org.name} from Loquent Desktop?\n\nIts credentials are deleted from the "
            "keychain and its local records are forgotten. Nothing changes on Twilio; the "
            "journal keeps its history."
        )
        if saved := await self.organizations.saved_voice_configs(org.id):
            text += (
                f"\n\n⚠ {saved} of its numbers point at Loquent and their previous voice "
                "configuration is saved only here: after removing, Restore is no longer "
                "possible. Restore them on the Voice routing tab first if they may go back."
            )
        text += streams_warning(await self.organizations.recorded_event_streams(org.id))
        if not await confirm(self, "Remove organization", text, "Remove"):
            return
        await self.organizations.remove(org.id)
        await self.load()  # it is gone from the list: the first one is selected

    async def _ask_text(self, title: str, label: str, text: str) -> str | None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(text)
        accepted = await answer(dialog)
        value = dialog.textValue()
        dialog.deleteLater()
        return value if accepted else None
