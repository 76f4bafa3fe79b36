"""Errors raised by the store."""

from __future__ import annotations

from ..domain.errors import LoquentError


class RecordNotFound(LoquentError):
    """A row the caller referred to is gone (deleted in another window or by another user
    of a shared database)."""
