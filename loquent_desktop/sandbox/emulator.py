"""The one way to start the emulator: seeded, listening on 127.0.0.1, stopped by its owner.

The app's ``--sandbox``, ``python -m loquent_desktop.sandbox``, the benchmarks and the tests
all start it here, so they all get the same seeding and the same bounded start and stop::

    with start_emulator(numbers=100) as emulator:
        talk_twilio_to(emulator.base_url, emulator.seed.account_sid, emulator.seed.auth_token)

The server runs on its own daemon thread and loop: serializing a 1000-number page never
stalls the caller's loop (the GUI's, in the app). A test that wants it on its own loop
instead uses ``SandboxServer.start()`` directly (see tests/sandbox/test_running.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from loquent_desktop.sandbox.seed import SeedInfo, seed_demo
from loquent_desktop.sandbox.server import SandboxServer
from loquent_desktop.sandbox.state import SandboxState


@dataclass
class Emulator:
    """A running emulator and what it was seeded with."""

    server: SandboxServer
    seed: SeedInfo

    @property
    def state(self) -> SandboxState:
        return self.server.state

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def stop(self) -> None:
        """Stop serving (waits at most 10 s for the thread); stopping twice is harmless."""
        self.server.stop_thread()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_emulator(
    *,
    numbers: int = 25,
    messages: int = 300,
    calls: int = 150,
    recordings: int = 0,
    seed: int = 0,
    fixed_credentials: bool = False,
    history_end: datetime | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    latency_s: float = 0.0,
    faults: list[str] | tuple[str, ...] = (),
) -> Emulator:
    """Seed a fresh demo account (see ``seed_demo`` for the arguments) and serve it.

    Returns once the server listens (or raises its bind error); ``port=0`` picks a free
    port. ``faults`` are ``PATH:KIND:COUNT`` rules, e.g. ``*/IncomingPhoneNumbers.json:503:1``.
    """
    state = SandboxState()
    info = seed_demo(
        state,
        numbers=numbers,
        messages=messages,
        calls=calls,
        recordings=recordings,
        seed=seed,
        fixed_credentials=fixed_credentials,
        history_end=history_end,
    )
    server = SandboxServer(state)
    server.set_latency(latency_s)
    for spec in faults:
        # rsplit: the path glob may itself hold ":" (in a regex), a kind or a count never does.
        pattern, kind, count = spec.rsplit(":", 2)
        server.faults.add(pattern, kind, count=int(count))
    server.start_in_thread(host, port)
    return Emulator(server, info)
