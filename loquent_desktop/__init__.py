"""Loquent Desktop: connect an organization's Twilio account to Loquent and look after it."""

__version__ = "0.1.0"
APP_NAME = "Loquent Desktop"
APP_ID = "loquent-desktop"
