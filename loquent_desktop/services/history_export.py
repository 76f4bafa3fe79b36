"""CSV export of synced messages and calls, safe to open in a spreadsheet.

Local only: writes a file, sends nothing to Twilio. Message bodies are text anyone could
have sent the organization, so every cell goes through the same formula-injection guard
as the numbers export (`number_export.csv_safe`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ..domain.history_records import CallRecord, MessageRecord
from .number_export import csv_safe

MESSAGE_CSV_HEADER = (
    "sid", "date_sent", "direction", "from", "to", "status", "body", "num_segments",
    "num_media", "price", "price_unit", "error_code", "error_message",
    "messaging_service_sid",
)  # fmt: skip
CALL_CSV_HEADER = (
    "sid", "start_time", "end_time", "direction", "from", "to", "status", "duration",
    "price", "price_unit", "answered_by", "caller_name", "forwarded_from", "parent_call_sid",
)  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()  # UTC, unambiguous for any tool reading the file
    return str(value)


def message_row(m: MessageRecord) -> tuple[Any, ...]:
    return (
        m.sid, m.date_sent, m.direction, m.from_number, m.to_number, m.status, m.body,
        m.num_segments, m.num_media, m.price, m.price_unit, m.error_code, m.error_message,
        m.messaging_service_sid,
    )  # fmt: skip


def call_row(c: CallRecord) -> tuple[Any, ...]:
    return (
        c.sid, c.start_time, c.end_time, c.direction, c.from_number, c.to_number, c.status,
        c.duration, c.price, c.price_unit, c.answered_by, c.caller_name, c.forwarded_from,
        c.parent_call_sid,
    )  # fmt: skip


EXPORTS: dict[str, tuple[Sequence[str], Callable[[Any], tuple[Any, ...]]]] = {
    "messages": (MESSAGE_CSV_HEADER, message_row),
    "calls": (CALL_CSV_HEADER, call_row),
}


def write_history_csv(kind: str, records: Iterable[Any], path: Path) -> int:
    """Write `records` (messages or calls) to `path` as UTF-8 CSV with a header; returns
    rows written. OSError (permissions, full disk) propagates for the caller to explain."""
    header, row_of = EXPORTS[kind]
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for record in records:
            writer.writerow([csv_safe(_cell(value)) for value in row_of(record)])
            count += 1
    return count
