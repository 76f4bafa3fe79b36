"""Calls copied from Twilio's Calls list."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from ...domain.history_records import CallRecord
from ..models import Call
from .history_repository import HistoryRepository
from .history_rows import FieldMap, date_field, int_field, text_field

_table = cast(Table, Call.__table__)

# Twilio's JSON names -> columns. `duration` arrives as a string of seconds.
CALL_FIELDS = FieldMap(
    _table,
    (
        text_field("account_sid"),
        text_field("parent_call_sid"),
        text_field("from_number", "from"),
        text_field("to_number", "to"),
        text_field("status"),
        text_field("direction"),
        date_field("start_time"),
        date_field("end_time"),
        int_field("duration"),
        text_field("price"),
        text_field("price_unit"),
        text_field("answered_by"),
        text_field("forwarded_from"),
        text_field("caller_name"),
        date_field("date_created"),
        date_field("date_updated"),
    ),
)


class CallRepository(HistoryRepository[CallRecord]):
    fields = CALL_FIELDS
    date_column = "start_time"
    record_type = CallRecord
