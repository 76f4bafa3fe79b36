"""Await a dialog's answer from a coroutine without `exec()`.

`exec()` inside a qasync task runs a nested loop and breaks other tasks ("Cannot enter into
task"), so dialogs are opened with `open()` (window-modal) and their `finished` signal resolves
a Future.
"""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog


async def answer(dialog: QDialog) -> int:
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def done(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(done)
    dialog.open()
    try:
        return await future
    finally:
        dialog.finished.disconnect(done)
        if dialog.isVisible():
            dialog.reject()
