"""Credentials and the Account resource, through the real twilio library and raw HTTP."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException


def test_auth_token_fetches_own_account_with_its_token(sandbox):
    account = sandbox.client().api.v2010.accounts(sandbox.info.account_sid).fetch()
    assert account.sid == sandbox.info.account_sid
    assert account.friendly_name == "Acme Dental Group"
    # Twilio really returns the auth token in the Account JSON.
    assert account.auth_token == sandbox.info.auth_token
    assert account.status == "active"


def test_wrong_token_is_401_20003(sandbox):
    client = sandbox.client(password="0" * 32)
    with pytest.raises(TwilioRestException) as err:
        client.api.v2010.accounts(sandbox.info.account_sid).fetch()
    assert (err.value.status, err.value.code) == (401, 20003)


def test_missing_auth_header_is_401_with_challenge(sandbox):
    resp = sandbox.raw("GET", f"{sandbox.acct}.json", auth=("", ""))
    assert resp.status_code == 401
    assert resp.json()["code"] == 20003
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


def test_api_key_lists_numbers_but_cannot_fetch_account(sandbox):
    client = sandbox.key_client()
    numbers = client.incoming_phone_numbers.list(page_size=100)
    assert len(numbers) == 25
    with pytest.raises(TwilioRestException) as err:
        client.api.v2010.accounts(sandbox.info.account_sid).fetch()
    assert (err.value.status, err.value.code) == (401, 20003)
    with pytest.raises(TwilioException):
        client.api.v2010.accounts.list()


def test_api_key_with_wrong_secret_is_refused(sandbox):
    resp = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json",
                       auth=(sandbox.info.api_key_sid, "f" * 32))  # fmt: skip
    assert (resp.status_code, resp.json()["code"]) == (401, 20003)


def test_credentials_cannot_reach_another_account(sandbox):
    shared = (sandbox.info.shared_account_sid, sandbox.info.shared_auth_token)
    resp = sandbox.raw("GET", f"{sandbox.acct}/IncomingPhoneNumbers.json", auth=shared)
    assert (resp.status_code, resp.json()["code"]) == (401, 20003)
    # ...while the shared account sees its own numbers.
    own = sandbox.raw("GET", f"/2010-04-01/Accounts/{shared[0]}/IncomingPhoneNumbers.json",
                      auth=shared)  # fmt: skip
    assert own.status_code == 200
    assert len(own.json()["incoming_phone_numbers"]) == 3


def test_parent_credentials_reach_subaccount(sandbox):
    sub = sandbox.client().api.v2010.accounts(sandbox.info.subaccount_sid).fetch()
    assert sub.owner_account_sid == sandbox.info.account_sid


def test_accounts_list_has_own_account_and_subaccounts_only(sandbox):
    accounts = sandbox.client().api.v2010.accounts.list()
    sids = {a.sid for a in accounts}
    assert sids == {sandbox.info.account_sid, sandbox.info.subaccount_sid}
    filtered = sandbox.client().api.v2010.accounts.list(friendly_name="Acme Dental Group")
    assert [a.sid for a in filtered] == [sandbox.info.account_sid]


def test_update_account_friendly_name(sandbox):
    client = sandbox.client()
    updated = client.api.v2010.accounts(sandbox.info.subaccount_sid).update(
        friendly_name="Renamed branch"
    )
    assert updated.friendly_name == "Renamed branch"
    assert client.api.v2010.accounts(sandbox.info.subaccount_sid).fetch().friendly_name == (
        "Renamed branch"
    )


def test_account_json_shape_and_uris(sandbox):
    body = sandbox.raw("GET", f"{sandbox.acct}.json").json()  # spec-checked in raw()
    assert body["uri"] == f"{sandbox.acct}.json"
    assert body["subresource_uris"]["incoming_phone_numbers"] == (
        f"{sandbox.acct}/IncomingPhoneNumbers.json"
    )
    assert body["date_created"].endswith("+0000")


@pytest.mark.parametrize(
    "path",
    [
        "/2010-04-01/Accounts/ACnotasid.json",
        "/2010-04-01/Accounts/{acct}/IncomingPhoneNumbers/PN123.json",
        "/2010-04-01/Accounts/{acct}/IncomingPhoneNumbers/PN" + "0" * 32 + ".json",
        "/2010-04-01/Accounts/{acct}/NoSuchThing.json",
        "/v1/Nowhere",
    ],
)
def test_malformed_or_unknown_paths_are_404_20404(sandbox, path):
    resp = sandbox.raw("GET", path.format(acct=sandbox.info.account_sid))
    assert (resp.status_code, resp.json()["code"]) == (404, 20404)


def test_wrong_method_is_405(sandbox):
    resp = sandbox.raw("DELETE", f"{sandbox.acct}/AvailablePhoneNumbers.json")
    assert (resp.status_code, resp.json()["code"]) == (405, 20004)
