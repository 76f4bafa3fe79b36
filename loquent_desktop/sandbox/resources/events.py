"""Event Streams v1 (events.twilio.com): Sinks, Subscriptions, SubscribedEvents, Types, Schemas.

Sinks and subscriptions belong to the account the credentials act for (v1 URLs carry no
AccountSid). Lists use the v1 envelope (``meta`` with absolute ``next_page_url``).

The resources: `event_sinks` (sinks), `event_subscriptions` (subscriptions, their subscribed
events, and the type catalog and schemas); what they share is in `event_common`. Each states
the rules it enforces as Twilio does, and the one rule stricter than Twilio (a sink still in
use cannot be deleted).
"""

from __future__ import annotations

from loquent_desktop.sandbox.resources import event_sinks, event_subscriptions
from loquent_desktop.sandbox.routing import Route

ROUTES: list[Route] = [*event_sinks.ROUTES, *event_subscriptions.ROUTES]
