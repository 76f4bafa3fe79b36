"""Rules that cut across the window: resolution for every Twilio call, a missing keychain,
and the sandbox start-up."""

from __future__ import annotations

import pytest
from keyring.backends import fail

from loquent_desktop.domain.errors import CredentialsMissing, KeychainUnavailable
from loquent_desktop.secrets.store import SecretStore
from loquent_desktop.services.sandbox_session import BYO_ORG, prepare_sandbox_organizations
from tests.conftest import wait_until


def test_every_call_resolves_byo_without_credentials_to_an_error(context, qloop, sandbox) -> None:
    async def scenario() -> None:
        await context.connection.connect_shared(sandbox.shared_credentials)
        org = await context.organizations.add("No Creds")
        await context.organizations.set_mode(org.id, True)
        with pytest.raises(CredentialsMissing, match="never used"):
            await context.access.account_for(org.id)
        await context.organizations.set_mode(org.id, False)
        account, resolved = await context.access.account_for(org.id)
        assert account.sid == sandbox.seed.shared_account_sid
        assert resolved.mode.value == "shared"

    qloop.run_until_complete(scenario())


def test_no_keychain_gives_install_hint_and_writes_nothing(window, qloop, context, sandbox) -> None:
    broken = SecretStore("loquent-desktop-test-broken", backend=fail.Keyring())
    context.secrets = broken
    context.connection.secrets = broken
    tab = window.credentials_tab
    org = qloop.run_until_complete(context.organizations.add("Keyless"))
    qloop.run_until_complete(tab.load(org.id))
    with pytest.raises(KeychainUnavailable, match="gnome-keyring"):
        qloop.run_until_complete(tab.details.connect_org(org.id, sandbox.demo_credentials))
    assert context.database.organizations.get(org.id).twilio_account_sid is None


def test_sandbox_start_up_connects_the_demo_org(window, context, qloop, sandbox) -> None:
    byo_id = qloop.run_until_complete(prepare_sandbox_organizations(context, sandbox))
    qloop.run_until_complete(window.load(byo_id))
    tab = window.credentials_tab
    qloop.run_until_complete(wait_until(lambda: tab.current is not None))
    assert tab.current.name == BYO_ORG
    assert sandbox.seed.account_sid[-4:] in tab.details.status.text()
    assert "••••••••" in tab.details.status.text()
    assert "SANDBOX" not in window.windowTitle()  # this context was built without the flag


def test_a_keychain_entry_for_another_account_is_never_used(context, qloop, sandbox) -> None:
    from loquent_desktop.secrets.store import org_key

    org = qloop.run_until_complete(context.organizations.add("Restored"))
    qloop.run_until_complete(context.connection.connect(org.id, sandbox.demo_credentials))
    # The entry under this organization's key now holds another account (as after a database
    # restored from elsewhere, or ids reused): the app must refuse it, not use it.
    keychain_id = context.database.organizations.get(org.id).keychain_id
    context.secrets.set_credentials(org_key(keychain_id), sandbox.shared_credentials)
    sandbox.server.clear_log()
    with pytest.raises(CredentialsMissing, match="belongs to another Twilio account"):
        qloop.run_until_complete(context.access.account_for(org.id))
    assert sandbox.server.requests() == []


def test_new_organizations_never_share_a_keychain_entry(context, qloop) -> None:
    first = qloop.run_until_complete(context.organizations.add("First"))
    qloop.run_until_complete(context.organizations.remove(first.id))
    second = qloop.run_until_complete(context.organizations.add("Second"))
    assert first.keychain_id != second.keychain_id
    assert len(second.keychain_id) == 32


def test_a_failed_replace_keeps_the_working_credentials(
    context, qloop, sandbox, monkeypatch
) -> None:
    from loquent_desktop.secrets.store import org_key

    org = qloop.run_until_complete(context.organizations.add("Replace"))
    qloop.run_until_complete(context.connection.connect(org.id, sandbox.demo_credentials))
    key = org_key(context.database.organizations.get(org.id).keychain_id)

    def database_down(*_args: object, **_kwargs: object) -> None:
        raise OSError("database is locked")

    monkeypatch.setattr(context.database.organizations, "set_connected", database_down)
    api_key = sandbox.demo_credentials.__class__(
        sandbox.seed.account_sid, sandbox.seed.api_key_secret, sandbox.seed.api_key_sid
    )
    with pytest.raises(OSError):
        qloop.run_until_complete(context.connection.connect(org.id, api_key))
    assert context.secrets.get_credentials(key) == sandbox.demo_credentials
