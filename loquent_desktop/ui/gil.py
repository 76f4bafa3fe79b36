"""Give the GUI thread the GIL back quickly while a long worker-thread job runs.

While a history sync runs, a worker thread converts and writes ~1,000 rows a page in Python.
The GUI thread needs the GIL back at every Qt -> Python call and waits up to the switch
interval each time: at the default 5 ms, several of those waits in one event-loop turn add up
to 30-70 ms stalls. 1 ms keeps the window's stalls well under 50 ms for a small throughput
cost. The interval is process-wide, so it is counted: the default comes back when the last
job ends.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

JOB_SWITCH_INTERVAL_S = 0.001
_jobs = 0
_default_interval = sys.getswitchinterval()


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
