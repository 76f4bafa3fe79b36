"""HTTP resources of the emulator, one module per Twilio resource; ``ROUTES`` lists them all."""

from __future__ import annotations

from loquent_desktop.sandbox.resources import (
    accounts,
    addresses,
    available_numbers,
    calls,
    events,
    incoming_numbers,
    messages,
    monitor_events,
    pricing,
    recordings,
    trunks,
)
from loquent_desktop.sandbox.routing import Route

# Order matters only where templates overlap: literal segments (Local.json) come before
# the {Sid}.json pattern inside incoming_numbers.ROUTES.
ROUTES: list[Route] = [
    *accounts.ROUTES,
    *incoming_numbers.ROUTES,
    *available_numbers.ROUTES,
    *addresses.ROUTES,
    *events.ROUTES,
    *messages.ROUTES,
    *calls.ROUTES,
    *recordings.ROUTES,
    *trunks.ROUTES,
    *pricing.ROUTES,
    *monitor_events.ROUTES,
]
