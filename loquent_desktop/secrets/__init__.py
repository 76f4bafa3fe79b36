"""Secrets in the OS keychain (never in the database, settings or logs)."""

from .store import SANDBOX_SERVICE, SERVICE, SHARED_KEY, SecretStore, org_key

__all__ = ["SANDBOX_SERVICE", "SERVICE", "SHARED_KEY", "SecretStore", "org_key"]
