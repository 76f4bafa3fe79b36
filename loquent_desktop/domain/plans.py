"""Plans: the complete, human-readable description of a change to a customer's Twilio account.

A plan is built before anything is sent, shown in the confirmation dialog, and written to the
journal together with the outcome. Plans are data only; executing them is the services' job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Change:
    """One field of one resource, before -> after. `before=None` means the resource is new;
    `before=""` means the field exists but is empty."""

    resource: str  # e.g. "Phone number +1 415-555-0100 (PN…)"
    field: str  # e.g. "Voice URL"
    before: str | None
    after: str | None

    def describe(self) -> str:
        before = "(new)" if self.before is None else (self.before or "(not set)")
        after = "(cleared)" if self.after in (None, "") else self.after
        return f"{self.resource}: {self.field} {before} → {after}"


@dataclass(frozen=True)
class Plan:
    """What an action will do. `action` is a stable machine name for the journal."""

    action: str
    title: str
    organization: str
    account: str  # masked SID of the account that will be changed
    changes: tuple[Change, ...]
    cost: str = "No charge."
    affected: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Consequences the account manager must not miss (shown in red), e.g. a SIP trunk that
    # will be detached from a number.
    warnings: tuple[str, ...] = ()
    # When set, the dialog's confirm button stays disabled until this is ticked (e.g.
    # "overwrite changes someone else made since").
    acknowledge: str | None = None
    # When set, the dialog's confirm button stays disabled until this text is typed (an
    # irreversible change, e.g. the phone number being released).
    type_to_confirm: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # machine data for execution

    def summary_lines(self) -> list[str]:
        lines = [self.title, f"Organization: {self.organization} (account {self.account})"]
        lines += [f"• {c.describe()}" for c in self.changes]
        lines += [f"Warning: {w}" for w in self.warnings]
        lines.append(f"Cost: {self.cost}")
        lines += [f"Affected: {a}" for a in self.affected]
        lines += list(self.notes)
        return lines

    @classmethod
    def from_journal(cls, data: dict[str, Any]) -> Plan:
        """The plan as `to_journal` stored it (lists come back where tuples went in)."""
        fields = dict(data)
        fields["changes"] = tuple(Change(**c) for c in data.get("changes", ()))
        fields["affected"] = tuple(data.get("affected", ()))
        fields["notes"] = tuple(data.get("notes", ()))
        fields["warnings"] = tuple(data.get("warnings", ()))
        return cls(**fields)

    def to_journal(self) -> dict[str, Any]:
        data = asdict(self)
        data["changes"] = [asdict(c) for c in self.changes]
        return data
