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
            await context.access.client_for(org.id)
        await context.organizations.set_mode(org.id, False)
        client, resolved = await context.access.client_for(org.id)
        assert client.account_sid == sandbox.seed.shared_account_sid
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
        qloop.run_until_complete(tab.connect_org(org.id, sandbox.demo_credentials))
    assert context.database.organizations.get(org.id).twilio_account_sid is None


def test_sandbox_start_up_connects_the_demo_org(window, context, qloop, sandbox) -> None:
    byo_id = qloop.run_until_complete(prepare_sandbox_organizations(context, sandbox))
    qloop.run_until_complete(window.load(byo_id))
    tab = window.credentials_tab
    qloop.run_until_complete(wait_until(lambda: tab.current is not None))
    assert tab.current.name == BYO_ORG
    assert sandbox.seed.account_sid[-4:] in tab.status.text()
    assert "••••••••" in tab.status.text()
    assert "SANDBOX" not in window.windowTitle()  # this context was built without the flag
