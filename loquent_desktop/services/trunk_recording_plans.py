"""The plan for changing a SIP trunk's recording mode: pure, no I/O.

A trunk's recording applies to every call the trunk carries, in both directions, for every
number on it (Twilio ignores those numbers' Voice URLs while they are on the trunk). Twilio
bills recorded minutes and keeps the files, billed as storage, until they are deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.errors import InvalidInput, LoquentError
from ..domain.plans import Change, Plan
from ..domain.trunks import RECORDING_MODES, Trunk, TrunkNumber

ACTION = "trunk_recording"
MODE_TEXT = {
    "do-not-record": "Do not record",
    "record-from-ringing": "Record from ringing (one channel)",
    "record-from-answer": "Record from answer (one channel)",
    "record-from-ringing-dual": "Record from ringing (two channels)",
    "record-from-answer-dual": "Record from answer (two channels)",
}
RECORDING_COST = (
    "Twilio bills every recorded minute of every call on this trunk, and storage for the "
    "recordings it keeps (see twilio.com/voice/pricing)."
)


def mode_text(mode: str | None) -> str:
    return MODE_TEXT.get(mode or "", mode or "unknown")


def build_trunk_recording_plan(
    organization: str,
    account: str,
    trunk: Trunk,
    numbers: Sequence[TrunkNumber],
    mode: str,
    *,
    restore: bool = False,
) -> Plan:
    """Before → after of the trunk's recording mode, the calls it affects and the cost.
    `restore`: the change puts back the mode a journaled change replaced."""
    if mode not in RECORDING_MODES:
        raise InvalidInput("mode", f"Unknown recording mode {mode!r}.")
    before = trunk.recording.mode if trunk.recording is not None else None
    if before == mode:
        raise LoquentError(f"The trunk already records as: {mode_text(mode)}.")
    name = trunk.friendly_name or trunk.sid
    shown = [n.phone_number for n in numbers]
    affected = (
        f"Every call on trunk {name} ({trunk.sid}), inbound and outbound, on "
        + (", ".join(shown) if shown else "no numbers yet (calls through its SIP domain)")
        + ".",
        "The trunk decides recording for these numbers: their Voice URLs are not used "
        "while they are on the trunk.",
    )
    stops = mode == "do-not-record"
    return Plan(
        action=ACTION,
        title=("Restore" if restore else "Change") + f" the recording mode of SIP trunk {name}",
        organization=organization,
        account=account,
        changes=(
            Change(
                f"SIP trunk {name} ({trunk.sid})",
                "Recording mode",
                before,
                mode,
            ),
        ),
        cost="No charge for the change. "
        + ("Recording stops: no new recording minutes are billed." if stops else RECORDING_COST),
        affected=affected,
        notes=(
            f"Before: {mode_text(before)}. After: {mode_text(mode)}.",
            "Restore previous mode on the SIP trunks page puts the before value back "
            "(it is kept in the journal).",
        ),
        details={"trunk_sid": trunk.sid, "before": before, "after": mode},
    )
