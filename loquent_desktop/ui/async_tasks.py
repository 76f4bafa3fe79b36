"""Run coroutines from Qt slots without ever blocking the window.

Each task is kept alive (asyncio only holds weak references), shows the busy indicator while
it runs, and reports failures through one callback so no exception disappears silently.
Cancelling on close stops network work before the HTTP session is closed. Reads for the
current organization (`start_scoped`) are cancelled when its scope changes (selection.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from ..domain.errors import LoquentError
from .selection import OrganizationSelection, Scope

log = logging.getLogger(__name__)
_UNSCOPED = object()  # a task that belongs to no organization's scope


class TaskRunner(QObject):
    busy_changed = Signal(bool, str)  # running?, description of the newest task
    failed = Signal(str, object)  # description, exception

    def __init__(
        self, parent: QObject | None = None, selection: OrganizationSelection | None = None
    ) -> None:
        super().__init__(parent)
        self.selection = selection
        self._tasks: dict[asyncio.Task[Any], str] = {}
        self._scopes: dict[asyncio.Task[Any], object] = {}  # start_scoped's: the scope of each
        self._busy: dict[asyncio.Task[Any], str] = {}  # the ones the busy indicator shows
        self._protected: set[asyncio.Future[Any]] = set()
        if selection is not None:
            selection.scope_changed.connect(self._scope_changed)

    def start(
        self,
        coro: Coroutine[Any, Any, Any],
        description: str,
        on_error: Callable[[BaseException], None] | None = None,
        busy: bool = True,
        on_done: Callable[[asyncio.Task[Any]], None] | None = None,
    ) -> asyncio.Task[Any]:
        """`busy=False` for work that mostly waits for the user (a dialog): a spinner then
        would claim the app is working while it waits. `on_done(task)` runs after it ended
        (also cancelled), after any failure was reported, while the window still exists."""
        return self._start(coro, description, on_error, busy, on_done, _UNSCOPED)

    def start_scoped(
        self,
        coro: Coroutine[Any, Any, Any],
        description: str,
        on_error: Callable[[BaseException], None] | None = None,
        busy: bool = True,
        on_done: Callable[[asyncio.Task[Any]], None] | None = None,
    ) -> asyncio.Task[Any]:
        """Read something for the current organization's scope. When the scope changes the
        task is cancelled at once, so nothing after its awaits runs for a scope no longer
        shown, and its failure and `on_done` are dropped: the one place where late results
        for another organization are ignored. Not for changes to an account (a purchase, a
        routing run): those must finish and tell their outcome wherever the user is."""
        return self._start(coro, description, on_error, busy, on_done, self._scope())

    def _start(
        self,
        coro: Coroutine[Any, Any, Any],
        description: str,
        on_error: Callable[[BaseException], None] | None,
        busy: bool,
        on_done: Callable[[asyncio.Task[Any]], None] | None,
        scope: object,
    ) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks[task] = description
        if scope is not _UNSCOPED:
            self._scopes[task] = scope
        if busy:
            self._busy[task] = description
            self.busy_changed.emit(True, description)
        task.add_done_callback(lambda t: self._done(t, on_error, on_done))
        return task

    def _scope(self) -> Scope | None:
        return self.selection.scope if self.selection is not None else None

    def _scope_changed(self, scope: Scope | None) -> None:
        for task, started_for in list(self._scopes.items()):
            if started_for != scope:
                task.cancel()

    def _done(
        self,
        task: asyncio.Task[Any],
        on_error: Callable[[BaseException], None] | None,
        on_done: Callable[[asyncio.Task[Any]], None] | None,
    ) -> None:
        description = self._tasks.pop(task, "")
        started_for = self._scopes.pop(task, _UNSCOPED)
        if not shiboken6.isValid(self):
            return  # the window was destroyed first; nobody is left to tell
        if self._busy.pop(task, None) is not None:
            newest = next(reversed(self._busy.values()), "") if self._busy else ""
            self.busy_changed.emit(bool(self._busy), newest)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:
            if isinstance(exc, LoquentError):
                log.info("%s: %s", description, exc)
            else:  # a bug or an unexpected failure: the user is pointed at this traceback
                log.error("%s failed", description, exc_info=exc)
        if started_for is not _UNSCOPED and started_for != self._scope():
            return  # read for a scope left behind (it failed just before the switch)
        if exc is not None:
            if on_error is not None:
                on_error(exc)
            else:
                self.failed.emit(description, exc)
        if on_done is not None:
            on_done(task)

    def protect(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Future[Any]:
        """Run work that must not be cut off half-way (a keychain write followed by the
        database row): cancelling the caller leaves it running, and `cancel_all` waits for
        it, so the app never shuts down under it."""
        inner = asyncio.ensure_future(coro)
        self._protected.add(inner)
        inner.add_done_callback(self._protected.discard)
        return asyncio.shield(inner)

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._protected:
            await asyncio.gather(*self._protected, return_exceptions=True)

    async def wait_idle(self) -> None:
        """Wait until no task runs (used by --screenshot and tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
