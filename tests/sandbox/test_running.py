"""Ways to run the emulator: on the caller's loop, and as ``python -m`` from a terminal."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import aiohttp
import requests

from loquent_desktop.sandbox import SandboxServer, SandboxState, seed_demo

REPO = Path(__file__).resolve().parents[2]


def test_start_on_the_current_loop():
    async def scenario() -> tuple[int, dict]:
        state = SandboxState()
        info = seed_demo(state, numbers=3)
        server = SandboxServer(state)
        await server.start()
        try:
            auth = aiohttp.encode_basic_auth(info.account_sid, info.auth_token)
            path = f"/2010-04-01/Accounts/{info.account_sid}/IncomingPhoneNumbers.json"
            async with (
                aiohttp.ClientSession() as session,
                session.get(server.base_url + path, headers={"Authorization": auth}) as resp,
            ):
                return resp.status, await resp.json()
        finally:
            await server.stop()

    status, body = asyncio.run(scenario())
    assert status == 200
    assert len(body["incoming_phone_numbers"]) == 3


def test_cli_prints_credentials_and_serves():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "loquent_desktop.sandbox", "--numbers", "7", "--seed", "3",
         "--fault", "*/AvailablePhoneNumbers.json:503:1"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = []
        while not lines or "Ctrl-C" not in lines[-1]:
            line = proc.stdout.readline()
            assert line, f"CLI exited early: {proc.stderr.read()}"
            lines.append(line)
        text = "".join(lines)
        base = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text).group(1)
        sid = re.search(r"demo account\s+(AC[0-9a-f]{32})", text).group(1)
        token = re.search(r"auth token\s+([0-9a-f]{32})", text).group(1)
        assert re.search(r"API key\s+SK[0-9a-f]{32}", text)
        assert re.search(r"shared account\s+AC[0-9a-f]{32}", text)
        numbers = requests.get(f"{base}/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json",
                               auth=(sid, token), timeout=5)  # fmt: skip
        assert len(numbers.json()["incoming_phone_numbers"]) == 7
        countries = f"{base}/2010-04-01/Accounts/{sid}/AvailablePhoneNumbers.json"
        assert requests.get(countries, auth=(sid, token), timeout=5).status_code == 503
        assert requests.get(countries, auth=(sid, token), timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
