"""Voice routing benchmark: point 1,000 numbers at Loquent and restore them, through the
real window.

    python bench/bench_voice.py [--numbers 1000]

The emulator runs in its own process with N owned numbers, all imported into a temporary
SQLite database. On the Voice routing tab it measures:

  (a) load     opening the tab → every number's live configuration shown
  (b) plan     "Point at Loquent…" on all N selected → confirmation dialog on screen
  (c) apply    Confirm → every number configured, verified and journaled (numbers/s)
  (d) restore  the same for Restore (plan and apply)
  (e) stall    the longest gap of a 10 ms QTimer on the GUI thread during all of it

and checks afterwards that the emulator's voice fields equal what they were at the start.
Prints the figures with their targets; exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LOQUENT_HOME", tempfile.mkdtemp(prefix="loquent-bench-home-"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_numbers import StallMeter, _until, emulator
from tests.support.memory_keyring import MemoryKeyring

TARGET_LOAD_MS = 2000.0
TARGET_DIALOG_MS = 3000.0  # fresh configuration of every number, then the plan dialog
TARGET_STALL_MS = 100.0


@dataclass
class VoiceBench:
    numbers: int
    ms: dict[str, float] = field(default_factory=dict)
    stalls: dict[str, float] = field(default_factory=dict)
    restored_exactly: bool = False

    def rows(self) -> list[tuple[str, str, str, bool]]:
        rate = self.numbers / (self.ms["apply"] / 1000)
        stall = max(self.stalls.values())
        return [
            ("(a) load the tab", f"{self.ms['load']:.0f} ms", f"≤ {TARGET_LOAD_MS:.0f} ms",
             self.ms["load"] <= TARGET_LOAD_MS),
            ("(b) plan → dialog shown", f"{self.ms['plan']:.0f} ms",
             f"≤ {TARGET_DIALOG_MS:.0f} ms", self.ms["plan"] <= TARGET_DIALOG_MS),
            ("(c) apply", f"{self.ms['apply'] / 1000:.1f} s ({rate:.0f} numbers/s)", "—", True),
            ("(d) restore: plan / apply",
             f"{self.ms['restore plan']:.0f} ms / {self.ms['restore'] / 1000:.1f} s", "—",
             self.ms["restore plan"] <= TARGET_DIALOG_MS),
            ("(e) longest GUI stall", f"{stall:.0f} ms "
             + "(" + ", ".join(f"{k} {v:.0f}" for k, v in self.stalls.items()) + ")",
             f"≤ {TARGET_STALL_MS:.0f} ms", stall <= TARGET_STALL_MS),
            ("restored exactly", "yes" if self.restored_exactly else "NO", "yes",
             self.restored_exactly),
        ]  # fmt: skip

    def report(self) -> str:
        lines = [f"Voice routing, {self.numbers:,} numbers (emulator on loopback, offscreen)", ""]
        for measure, figure, target, ok in self.rows():
            lines.append(f"{measure:28} {figure:44} {target:12} {'PASS' if ok else 'FAIL'}")
        return "\n".join(lines)


def _voice_fields(client: object, numbers: int) -> dict[str, tuple[object, ...]]:
    from loquent_desktop.domain.voice_routing import FIELDS

    listed = client.incoming_phone_numbers.list(page_size=1000, limit=numbers)  # type: ignore[attr-defined]
    return {n.sid: tuple(getattr(n, f) or None for f in FIELDS) for n in listed}


async def _bench(numbers: int, server: tuple[str, str, str]) -> VoiceBench:
    from PySide6.QtWidgets import QApplication
    from twilio.rest import Client

    from loquent_desktop.app import StartOptions, start_app
    from loquent_desktop.domain.credentials import Credentials
    from loquent_desktop.paths import AppPaths
    from loquent_desktop.secrets.store import SecretStore
    from loquent_desktop.settings import Settings
    from loquent_desktop.ui.dialogs.confirm_plan import ConfirmPlanDialog
    from loquent_desktop.ui.launcher import settle_garbage_collector
    from loquent_desktop.ui.main_window import MainWindow
    from tests.sandbox.conftest import SandboxHttpClient

    result = VoiceBench(numbers)
    base_url, account_sid, auth_token = server
    direct = Client(account_sid, auth_token, http_client=SandboxHttpClient(base_url))
    before = await asyncio.to_thread(_voice_fields, direct, numbers)
    home = Path(tempfile.mkdtemp(prefix="loquent-bench-"))
    settings = Settings(twilio_base_url=base_url, request_timeout_s=60)
    secrets = SecretStore("loquent-desktop-bench", backend=MemoryKeyring())
    context = await start_app(StartOptions(AppPaths.under(home), settings, secrets=secrets))
    window = MainWindow(context)
    window.show()
    meter = StallMeter()
    try:
        org = await context.organizations.add("Bench Org")
        await context.connection.connect(org.id, Credentials(account_sid, auth_token))
        owned = await context.numbers.list_owned(org.id)
        await context.numbers.import_numbers(org.id, owned)
        await window.load(org.id)
        settle_garbage_collector()
        tab = window.voice_tab

        meter.start()
        began = time.perf_counter()
        window.tabs.setCurrentWidget(tab)
        await _until(lambda: tab._loaded_scope is not None and not tab.busy)
        QApplication.processEvents()
        result.ms["load"] = (time.perf_counter() - began) * 1000
        result.stalls["load"] = meter.stop()

        async def run(button_name: str, label: str) -> None:
            tab.select_sids([tab.model.item_at(r).sid for r in range(tab.model.rowCount())])
            meter.start()
            began = time.perf_counter()
            getattr(tab, button_name).click()
            await _until(lambda: isinstance(QApplication.activeModalWidget(), ConfirmPlanDialog))
            QApplication.processEvents()
            result.ms[f"{label}plan"] = (time.perf_counter() - began) * 1000
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, ConfirmPlanDialog)
            if dialog.acknowledge is not None:
                dialog.acknowledge.setChecked(True)
            began = time.perf_counter()
            dialog.confirm_button.click()
            await _until(lambda: not tab.busy and bool(tab.result_label.text()), timeout=600)
            result.ms[label.strip() or "apply"] = (time.perf_counter() - began) * 1000
            result.stalls[label.strip() or "configure"] = meter.stop()
            if tab.result_label.styleSheet().find("b3261e") >= 0:
                raise RuntimeError(tab.result_label.text())
            await _until(lambda: not tab.busy)

        await run("configure_button", "")
        result.ms["plan"] = result.ms.pop("plan")
        await run("restore_button", "restore ")
        result.ms["restore plan"] = result.ms.pop("restore plan")
        after = await asyncio.to_thread(_voice_fields, direct, numbers)
        result.restored_exactly = after == before
    finally:
        await window.shutdown()
        window.close()
        window.deleteLater()
        await context.aclose()
    return result


def run_bench(numbers: int = 1000) -> VoiceBench:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    try:
        with emulator(numbers, in_process=False) as server:
            return loop.run_until_complete(_bench(numbers, server))
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=1000, help="imported numbers (1000)")
    args = parser.parse_args(argv)
    result = run_bench(args.numbers)
    print(result.report())
    return 0 if all(ok for *_, ok in result.rows()) else 1


if __name__ == "__main__":
    sys.exit(main())
