"""Building the domain's frozen records from ORM objects or row mappings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

R = TypeVar("R")


def record_from(cls: type[R], row: Any) -> R:
    """Build a record from an ORM object or a row mapping with the same field names."""
    if isinstance(row, Mapping):
        return cls(**{f.name: row[f.name] for f in fields(cls)})  # type: ignore[arg-type]
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]
