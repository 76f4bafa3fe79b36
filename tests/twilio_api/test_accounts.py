"""AccountsGateway against the emulator: the credentials' own account, reduced to what the
app shows (never the auth token), and bad credentials as Twilio's 401."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest

from loquent_desktop.domain.credentials import Credentials
from loquent_desktop.domain.errors import TwilioApiError
from loquent_desktop.twilio_api.account import TwilioAccount
from loquent_desktop.twilio_api.client_factory import TwilioClientFactory
from tests.twilio_api import sandbox_account

# The emulator's demo account (fixtures shared by the gateway tests).
factory = sandbox_account.factory
demo_account = sandbox_account.demo_account


def test_fetch_current_keeps_only_what_is_shown(
    demo_account: TwilioAccount, qloop: Any, sandbox: Any
) -> None:
    info = qloop.run_until_complete(demo_account.accounts.fetch_current())
    assert info.sid == sandbox.seed.account_sid and info.details_available
    assert info.friendly_name and info.status == "active"
    assert sandbox.seed.auth_token not in str(asdict(info))


def test_wrong_token_is_rejected_with_401(
    factory: TwilioClientFactory, qloop: Any, sandbox: Any
) -> None:
    wrong = Credentials(sandbox.seed.account_sid, "0" * 32)
    with pytest.raises(TwilioApiError) as raised:
        qloop.run_until_complete(TwilioAccount(factory.client(wrong)).accounts.fetch_current())
    assert raised.value.status == 401 and raised.value.code == 20003
