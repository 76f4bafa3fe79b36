"""Messages copied from Twilio's Messages list (and, later, received by webhooks)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from ...domain.history_records import MessageRecord
from ..models import Message
from .history_repository import HistoryRepository
from .history_rows import FieldMap, date_field, int_field, text_field

_table = cast(Table, Message.__table__)

# Twilio's JSON names -> columns. Counts arrive as strings ("1"), dates as RFC 2822.
MESSAGE_FIELDS = FieldMap(
    _table,
    (
        text_field("account_sid"),
        text_field("from_number", "from"),
        text_field("to_number", "to"),
        text_field("body"),
        text_field("status"),
        text_field("direction"),
        int_field("num_segments"),
        int_field("num_media"),
        text_field("price"),
        text_field("price_unit"),
        int_field("error_code"),
        text_field("error_message"),
        text_field("messaging_service_sid"),
        date_field("date_sent"),
        date_field("date_created"),
        date_field("date_updated"),
    ),
)


class MessageRepository(HistoryRepository[MessageRecord]):
    fields = MESSAGE_FIELDS
    date_column = "date_sent"
    record_type = MessageRecord
