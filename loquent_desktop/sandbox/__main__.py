"""Run the Twilio emulator from a terminal.

    python -m loquent_desktop.sandbox --port 8765 --numbers 500 --seed 1 \\
        --latency 0.2 --fault '*/IncomingPhoneNumbers.json:429:2'

It prints the base URL and the credentials of the seeded accounts, then serves until
Ctrl-C. To aim a Twilio client at it, rewrite ``https://*.twilio.com`` to the printed base
URL in a custom HTTP client (see ``loquent_desktop.sandbox``), or use curl directly::

    curl -u AC...:TOKEN http://127.0.0.1:8765/2010-04-01/Accounts/AC....json
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from loquent_desktop.sandbox.emulator import start_emulator


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m loquent_desktop.sandbox", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--numbers", type=int, default=25)
    p.add_argument("--messages", type=int, default=300)
    p.add_argument("--calls", type=int, default=150)
    p.add_argument("--recordings", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fixed-credentials", action="store_true",
                   help="derive tokens from --seed instead of random ones")  # fmt: skip
    p.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    p.add_argument("--fault", action="append", default=[], metavar="PATH:KIND:COUNT",
                   help="e.g. '*/IncomingPhoneNumbers.json:503:1' (repeatable)")  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    emulator = start_emulator(
        numbers=args.numbers,
        messages=args.messages,
        calls=args.calls,
        recordings=args.recordings,
        seed=args.seed,
        fixed_credentials=args.fixed_credentials,
        host=args.host,
        port=args.port,
        latency_s=args.latency,
        faults=args.fault,
    )
    info = emulator.seed
    lines = [
        f"Twilio sandbox listening on {emulator.base_url}",
        f"  demo account     {info.account_sid}",
        f"  auth token       {info.auth_token}",
        f"  API key          {info.api_key_sid}",
        f"  API key secret   {info.api_key_secret}",
        f"  shared account   {info.shared_account_sid}",
        f"  shared token     {info.shared_auth_token}",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)
    # The server runs on its own thread; this one only waits for Ctrl-C (or SIGTERM).
    with emulator, contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
