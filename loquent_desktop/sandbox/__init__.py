"""An embedded, stateful Twilio emulator for tests and ``loquent-desktop --sandbox``.

Quick use::

    from loquent_desktop.sandbox import start_emulator

    with start_emulator(numbers=1000) as emulator:   # seeded, serving on its own thread
        base_url = emulator.base_url                 # e.g. http://127.0.0.1:54321
        info = emulator.seed                         # the demo accounts' SIDs and tokens
        ...                                          # talk Twilio to base_url

``start_emulator`` is the one way the app, the benchmarks and the tests start it.

Pointing a Twilio client at it: the twilio library has no base-URL setting, so subclass
``twilio.http.http_client.TwilioHttpClient`` (or ``AsyncTwilioHttpClient``), override
``request()`` to replace ``https://<anything>.twilio.com`` with ``base_url`` (keep the path
and query), and pass an instance as ``Client(sid, token, http_client=...)``. That also
rewrites the absolute ``meta.next_page_url`` of v1 APIs. Plain HTTP works too::

    curl -u "$ACCOUNT_SID:$AUTH_TOKEN" "$BASE/2010-04-01/Accounts/$ACCOUNT_SID.json"

The emulator never imports Qt and never contacts the network.
"""

from loquent_desktop.sandbox.emulator import Emulator, start_emulator
from loquent_desktop.sandbox.faults import FaultRule, Faults
from loquent_desktop.sandbox.request_log import RequestLog, RequestRecord
from loquent_desktop.sandbox.seed import SeedInfo, seed_demo
from loquent_desktop.sandbox.server import SandboxServer
from loquent_desktop.sandbox.state import SandboxState

__all__ = [
    "Emulator",
    "FaultRule",
    "Faults",
    "RequestLog",
    "RequestRecord",
    "SandboxServer",
    "SandboxState",
    "SeedInfo",
    "seed_demo",
    "start_emulator",
]
