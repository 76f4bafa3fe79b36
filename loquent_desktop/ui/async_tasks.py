"""Run coroutines from Qt slots without ever blocking the window.

Each task is kept alive (asyncio only holds weak references), shows the busy indicator while
it runs, and reports failures through one callback so no exception disappears silently.
Cancelling on close stops network work before the HTTP session is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from ..domain.errors import LoquentError

log = logging.getLogger(__name__)


class TaskRunner(QObject):
    busy_changed = Signal(bool, str)  # running?, description of the newest task
    failed = Signal(str, object)  # description, exception

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: dict[asyncio.Task[Any], str] = {}
        self._busy: dict[asyncio.Task[Any], str] = {}  # the ones the busy indicator shows
        self._protected: set[asyncio.Future[Any]] = set()

    def start(
        self,
        coro: Coroutine[Any, Any, Any],
        description: str,
        on_error: Callable[[BaseException], None] | None = None,
        busy: bool = True,
    ) -> asyncio.Task[Any]:
        """`busy=False` for work that mostly waits for the user (a dialog): a spinner then
        would claim the app is working while it waits."""
        task = asyncio.ensure_future(coro)
        self._tasks[task] = description
        if busy:
            self._busy[task] = description
            self.busy_changed.emit(True, description)
        task.add_done_callback(lambda t: self._done(t, on_error))
        return task

    def _done(
        self, task: asyncio.Task[Any], on_error: Callable[[BaseException], None] | None
    ) -> None:
        description = self._tasks.pop(task, "")
        if not shiboken6.isValid(self):
            return  # the window was destroyed first; nobody is left to tell
        if self._busy.pop(task, None) is not None:
            newest = next(reversed(self._busy.values()), "") if self._busy else ""
            self.busy_changed.emit(bool(self._busy), newest)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, LoquentError):
            log.info("%s: %s", description, exc)
        else:  # a bug or an unexpected failure: the user is pointed at this traceback
            log.error("%s failed", description, exc_info=exc)
        if on_error is not None:
            on_error(exc)
        else:
            self.failed.emit(description, exc)

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
