"""Search available numbers and buy one. Searching is read-only; buying goes through the plan
→ confirm → journal path because it costs money and sets the number's Voice URL.

One purchase at a time, and its outcome belongs to the organization it was made for: if the
user has switched organization meanwhile, it is told in the status bar, not on this page.
"""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import InvalidInput, LoquentError, PlanCancelled
from ..domain.numbers import (
    AvailableNumber,
    Country,
    Purchase,
    SearchQuery,
    type_title,
)
from ..domain.records import OrganizationRecord
from ..domain.validation import format_phone
from ..domain.voice_route import mask_url_password
from ..services.numbers import NumbersService
from ..services.plan_runner import PlanRunner
from .async_tasks import TaskRunner
from .models.available_numbers_model import AvailableNumbersModel
from .plan_flow import confirm_and_apply
from .selection import OrganizationSelection, Scope, scope_of
from .style import Role, css
from .widgets import error_label


class NumberSearchView(QWidget):
    purchased = Signal(object)  # OwnedNumber

    def __init__(
        self,
        numbers: NumbersService,
        tasks: TaskRunner,
        plans: PlanRunner,
        selection: OrganizationSelection,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.numbers = numbers
        self.plans = plans
        self.tasks = tasks
        self.selection = selection
        self.countries: list[Country] = []

        form_box = QGroupBox("Search Twilio's available numbers (read-only)")
        grid = QGridLayout(form_box)
        self.country = QComboBox()
        self.country.setMinimumWidth(220)
        self.number_type = QComboBox()
        self.area_code = QLineEdit()
        self.area_code.setMaxLength(6)
        self.area_code.setPlaceholderText("e.g. 415")
        self.contains = QLineEdit()
        self.contains.setPlaceholderText("digits, letters or * e.g. 555*, CALL")
        self.contains.setToolTip("Letters match the keypad: CALL = 2255. * matches any digit.")
        self.region = QLineEdit()
        self.region.setPlaceholderText("state or province, e.g. CA")
        self.postal_code = QLineEdit()
        self.postal_code.setPlaceholderText("e.g. 94105")
        self.near_number = QLineEdit()
        self.near_number.setPlaceholderText("+14155550100 (US/CA only)")
        self.voice = QCheckBox("Voice")
        self.sms = QCheckBox("SMS")
        self.mms = QCheckBox("MMS")
        self.voice.setChecked(True)
        caps = QHBoxLayout()
        for box in (self.voice, self.sms, self.mms):
            caps.addWidget(box)
        caps.addStretch(1)
        left, right = QFormLayout(), QFormLayout()
        left.addRow("Country", self.country)
        left.addRow("Type", self.number_type)
        left.addRow("Area code", self.area_code)
        left.addRow("Contains", self.contains)
        right.addRow("Region", self.region)
        right.addRow("Postal code", self.postal_code)
        right.addRow("Near number", self.near_number)
        right.addRow("Must support", caps)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        self.search_button = QPushButton("&Search")
        self.search_button.setDefault(True)
        self.search_button.setToolTip("Search (Enter). Read-only: nothing is bought.")
        grid.addWidget(self.search_button, 1, 1)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.error = error_label()
        self.model = AvailableNumbersModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.buy_button = QPushButton("&Buy selected number…")
        self.buy_button.setEnabled(False)
        self.buy_button.setToolTip(
            "Shows exactly what will be bought and changed, and the cost, before anything is sent"
        )
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setStyleSheet(css(Role.OK, bold=True))
        bottom = QHBoxLayout()
        bottom.addWidget(self.result, 1)
        bottom.addWidget(self.buy_button)

        layout = QVBoxLayout(self)
        layout.addWidget(form_box)
        layout.addWidget(self.message)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

        self.country.currentIndexChanged.connect(self._country_changed)
        self.search_button.clicked.connect(self._search_clicked)
        for field in (
            self.area_code,
            self.contains,
            self.region,
            self.postal_code,
            self.near_number,
        ):
            field.returnPressed.connect(self._search_clicked)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _i: self.buy_button.click())
        self.buy_button.clicked.connect(self._buy_clicked)
        self._loaded_for: Scope | None = None
        self._countries_task: asyncio.Task[None] | None = None
        self._buying = False
        selection.track_scope(self._scope_changed)

    # -- organization and countries -------------------------------------------------------
    @property
    def org(self) -> OrganizationRecord | None:
        return self.selection.current  # a rename keeps the countries and results

    def _scope_changed(self) -> None:
        # Another organization or account: its countries, results and messages do not apply.
        self.forget()
        enabled = self.org is not None
        self.search_button.setEnabled(enabled)
        if not enabled:
            self.message.setText("Select an organization on the Credentials tab first.")

    def forget(self) -> None:
        """Drop the countries and results read so far (from an account no longer in use)."""
        if self._countries_task is not None:
            self._countries_task.cancel()
            self._countries_task = None
        self._loaded_for = None
        self.countries = []
        self.country.clear()
        self.error.clear()
        self.result.clear()
        self.message.clear()
        self.model.set_items([])

    def ensure_loaded(self) -> None:
        if self.org is None or self._loaded_for == self.selection.scope:
            return
        if self._countries_task is not None:
            return  # already loading for this scope: a page switch must not start another
        self._countries_task = self.tasks.start_scoped(
            self.load_countries(),
            "Load countries",
            on_error=self._failed,
            on_done=self._countries_done,
        )

    def _countries_done(self, task: asyncio.Task[None]) -> None:
        if task is self._countries_task:
            self._countries_task = None

    async def load_countries(self) -> None:
        org = self.org
        if org is None:
            return
        scope = self.selection.scope
        self.message.setText("Loading the countries Twilio offers numbers in…")
        countries = await self.numbers.countries(org.id)
        # (Another organization or account meanwhile: start_scoped cancelled this read.)
        self.countries = countries
        self._loaded_for = scope
        self.country.blockSignals(True)
        self.country.clear()
        for country in self.countries:
            self.country.addItem(f"{country.name} ({country.code})", country.code)
        us = self.country.findData("US")
        self.country.setCurrentIndex(max(us, 0))
        self.country.blockSignals(False)
        self._country_changed()
        self.message.setText("Choose what to look for, then Search.")

    def _country_changed(self) -> None:
        code = self.country.currentData()
        country = next((c for c in self.countries if c.code == code), None)
        self.number_type.clear()
        for kind in country.types if country else ():
            self.number_type.addItem(type_title(kind), kind)

    # -- search ---------------------------------------------------------------------------
    def query(self) -> SearchQuery:
        return SearchQuery(
            country=self.country.currentData() or "",
            number_type=self.number_type.currentData() or "Local",
            area_code=self.area_code.text().strip(),
            contains=self.contains.text().strip(),
            in_region=self.region.text().strip(),
            in_postal_code=self.postal_code.text().strip(),
            near_number=self.near_number.text().strip(),
            voice=self.voice.isChecked(),
            sms=self.sms.isChecked(),
            mms=self.mms.isChecked(),
        )

    def _search_clicked(self) -> None:
        if self.org is None:
            return
        # No early validation here: the service checks the query before any request and its
        # InvalidInput names the field, which `_failed` focuses.
        query = self.query()
        self.error.clear()
        self.result.clear()
        self.search_button.setEnabled(False)
        self.message.setText("Searching…")
        task = self.tasks.start_scoped(self.search(query), "Search numbers", on_error=self._failed)
        task.add_done_callback(lambda _t: self.search_button.setEnabled(self.org is not None))

    async def search(self, query: SearchQuery) -> None:
        org = self.org
        if org is None:
            return
        result = await self.numbers.search(org.id, query)
        self.model.set_price(None)
        self.model.set_items(result.numbers)
        count = len(result.numbers)
        found = f"{count} number{'s' if count != 1 else ''} found."
        self.message.setText(" ".join(p for p in (found, result.message or "") if p))
        if count:  # one country and type per search: one price (cached for a day)
            self.model.set_price(
                await self.numbers.prices.monthly_price(org.id, query.country, query.number_type)
            )

    def _failed(self, exc: BaseException) -> None:
        self.message.clear()
        if isinstance(exc, InvalidInput) and (field := self._fields().get(exc.field)):
            field.setFocus()
            field.selectAll()
        self.error.setText(_error_text(exc))

    def _fields(self) -> dict[str, QLineEdit]:
        """SearchQuery field names -> the box the user types them in."""
        return {
            "area_code": self.area_code,
            "contains": self.contains,
            "in_region": self.region,
            "in_postal_code": self.postal_code,
            "near_number": self.near_number,
        }

    # -- buy ------------------------------------------------------------------------------
    def _selection_changed(self) -> None:
        # Never while a purchase runs: a second Buy could be the same number again.
        selected = bool(self.table.selectionModel().selectedRows())
        self.buy_button.setEnabled(selected and not self._buying)

    @property
    def selected(self) -> AvailableNumber | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item_at(rows[0].row()) if rows else None

    def _buy_clicked(self) -> None:
        number, org = self.selected, self.org
        if number is None or org is None or self._buying:
            return
        self._buying = True
        self.buy_button.setEnabled(False)
        self.error.clear()
        self.result.clear()
        task = self.tasks.start(
            self.buy(org, number), "Buy number", on_error=lambda e: self._buy_failed(org, e)
        )
        # Shown from a done-callback: it runs after the busy indicator has cleared the
        # status bar, where the outcome goes if the user switched organization meanwhile.
        task.add_done_callback(lambda t: self._buy_finished(org, t))

    def _buy_finished(self, org: OrganizationRecord, task: asyncio.Task[Purchase]) -> None:
        if not shiboken6.isValid(self):
            return  # the window closed during the purchase (the journal has the outcome)
        self._buying = False
        self._selection_changed()
        if not task.cancelled() and task.exception() is None:
            self._show_purchase(org, task.result())

    def _buy_failed(self, org: OrganizationRecord, exc: BaseException) -> None:
        if not self._still(org):
            self._tell_elsewhere(org, _error_text(exc))
        elif isinstance(exc, PlanCancelled):
            self.result.setStyleSheet(css(Role.MUTED))
            self.result.setText(str(exc))
        else:
            self._failed(exc)

    async def buy(self, org: OrganizationRecord, number: AvailableNumber) -> Purchase:
        change = await self.numbers.prepare_purchase(org.id, number)
        purchase = await confirm_and_apply(self, self.plans, change, "Buy number")
        if self._still(org):
            self.model.set_items(
                [n for n in self.model.items if n.phone_number != number.phone_number]
            )
            self.purchased.emit(purchase.number)
        return purchase

    def _still(self, org: OrganizationRecord) -> bool:
        return scope_of(self.org) == scope_of(org)

    def _tell_elsewhere(self, org: OrganizationRecord, text: str) -> None:
        """The outcome of a purchase made for an organization no longer shown."""
        self.window().statusBar().showMessage(f"{org.name}: {text}", 30000)  # type: ignore[attr-defined]

    def _show_purchase(self, org: OrganizationRecord, purchase: Purchase) -> None:
        owned = purchase.number
        bought = f"Bought {format_phone(owned.phone_number)} ({owned.sid})"
        if purchase.stored_locally:
            style = css(Role.OK, bold=True)
            text = f"{bought}. Its calls now go to {mask_url_password(owned.voice_url or '')}."
        else:
            # Bought and billed all the same: say so, and how to get it into Loquent.
            style = css(Role.WARN, bold=True)
            # Shared organizations cannot import (see OwnedNumbersView), so Import is no remedy.
            remedy = (
                "Use Import to add it."
                if org.byo_twilio
                else "Note its SID and ask Loquent support to record it for this organization."
            )
            text = (
                f"{bought}, but it could not be saved in Loquent's database: "
                f"{purchase.store_error}. {remedy}"
            )
        if not self._still(org):
            self._tell_elsewhere(org, text)
            return
        self.result.setStyleSheet(style)
        self.result.setText(text)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, LoquentError):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}); see the log file."
