"""Give the GUI thread the GIL back quickly while a long worker-thread job runs, and keep
the garbage collector's full passes for after it.

While a history sync runs, a worker thread converts and writes ~1,000 rows a page in Python.
The GUI thread needs the GIL back at every Qt -> Python call and waits up to the switch
interval each time: at the default 5 ms, several of those waits in one event-loop turn add up
to 30-70 ms stalls. 1 ms keeps the window's stalls well under 50 ms for a small throughput
cost. The interval is process-wide, so it is counted: the default comes back when the last
job ends.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

JOB_SWITCH_INTERVAL_S = 0.001
# Young-generation collections between full ones while a sync runs (CPython's default: 10).
FULL_COLLECTIONS_EVERY = 100_000
_jobs = 0
_default_interval = sys.getswitchinterval()
_runs = 0
_thresholds = gc.get_threshold()


@contextmanager
def gui_keeps_the_gil() -> Iterator[None]:
    global _jobs, _default_interval
    if _jobs == 0:
        _default_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(_default_interval, JOB_SWITCH_INTERVAL_S))
    _jobs += 1
    try:
        yield
    finally:
        _jobs -= 1
        if _jobs == 0:
            sys.setswitchinterval(_default_interval)


@contextmanager
def few_full_collections() -> Iterator[None]:
    """While a sync (or a read of thousands of numbers) runs, the garbage collector's full
    passes wait until it ends.

    A run allocates millions of short-lived objects, enough to trigger a full collection
    every 25 pages or so; each walks everything alive (the window, the 50,000 browsed
    rows) for 30-40 ms with the GIL held: the window's longest stalls. Young generations
    are still collected as usual, so cyclic garbage only waits for the end of the run.
    Counted like `gui_keeps_the_gil`: the thresholds come back when the last run ends."""
    global _runs, _thresholds
    if _runs == 0:
        _thresholds = gc.get_threshold()
        gc.set_threshold(_thresholds[0], _thresholds[1], FULL_COLLECTIONS_EVERY)
    _runs += 1
    try:
        yield
    finally:
        _runs -= 1
        if _runs == 0:
            gc.set_threshold(*_thresholds)
