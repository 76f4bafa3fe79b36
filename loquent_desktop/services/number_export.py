"""CSV export of the owned-numbers table, safe to open in a spreadsheet.

Local only: writes a file, sends nothing to Twilio. URLs are written with any password in
them masked (a third party's webhook may carry Basic-auth credentials), and every cell is
guarded against formula injection.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from ..domain.numbers import OwnedNumber
from ..domain.voice_route import RouteKind, mask_url_password, sms_route_text

CSV_HEADER = (
    "phone_number",
    "friendly_name",
    "sid",
    "capabilities",
    "who_answers",
    "voice_url",
    "voice_application_sid",
    "trunk_sid",
    "sms_route",
    "imported",
    "routed_to_loquent",
)
# A plain decimal number: an E.164 number (+14155550100), a price (Twilio's are negative).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Neutralize spreadsheet formula injection (OWASP): a cell starting with = + - @ (or a
    tab/CR) gets a leading single quote so Excel/LibreOffice show it as text.

    Exceptions, left alone because they cannot carry a formula (only digits, a sign and at
    most one point) and a quote would corrupt them for any tool re-importing the file: a
    cell that is exactly an E.164 number (+14155550100), and a plain decimal number such
    as a price (-0.00790). Spreadsheets read both as numbers at worst. Anything more, such
    as "+1 415-555-0100" or "-1+2", is *not* exempt: spreadsheets evaluate it.
    """
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(number: OwnedNumber, loquent_url: str, imported: bool) -> tuple[str, ...]:
    """One number as the CSV shows it (same "who answers" text as the table)."""
    route = number.voice_route(loquent_url)
    return (
        number.phone_number,
        number.friendly_name or "",
        number.sid,
        number.capabilities_text,
        route.describe(),
        mask_url_password(number.voice_url or ""),
        number.voice_application_sid or "",
        number.trunk_sid or "",
        sms_route_text(number.sms_application_sid, number.sms_url),
        "yes" if imported else "no",
        "yes" if route.kind is RouteKind.LOQUENT else "no",
    )


def write_csv(
    numbers: Iterable[OwnedNumber], path: Path, loquent_url: str, imported: set[str]
) -> int:
    """Write the numbers to `path` as UTF-8 CSV with a header; returns rows written.
    OSError (permissions, full disk) propagates for the caller to explain."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for number in numbers:
            row = csv_row(number, loquent_url, number.sid in imported)
            writer.writerow([csv_safe(cell) for cell in row])
            count += 1
    return count
