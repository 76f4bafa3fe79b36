"""Dialogs. Each opens non-modally and is awaited through its `finished` signal, so a
coroutine can wait for an answer without a nested event loop."""
