"""Fault knobs (latency, 429, 5xx, dropped connections) and the request log."""

from __future__ import annotations

import re
import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException


def test_latency_fault_and_global_latency(sandbox):
    path = f"{sandbox.acct}/AvailablePhoneNumbers.json"
    sandbox.server.faults.add("*/AvailablePhoneNumbers.json", "latency", latency=0.3)
    started = time.perf_counter()
    assert sandbox.raw("GET", path).status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    sandbox.raw("GET", path)
    assert time.perf_counter() - started < 0.3  # the fault was used up
    sandbox.server.set_latency(0.2)
    started = time.perf_counter()
    sandbox.raw("GET", path)
    assert time.perf_counter() - started >= 0.2


def test_429_carries_retry_after_and_changes_nothing(sandbox):
    client = sandbox.client()
    e164 = client.available_phone_numbers("US").local.list(limit=1)[0].phone_number
    sandbox.server.faults.add("*/IncomingPhoneNumbers.json", "429", count=1, retry_after=2,
                              method="POST")  # fmt: skip
    resp = sandbox.raw("POST", f"{sandbox.acct}/IncomingPhoneNumbers.json",
                       data={"PhoneNumber": e164})  # fmt: skip
    assert resp.status_code == 429 and resp.json()["code"] == 20429
    assert resp.headers["Retry-After"] == "2"
    assert client.incoming_phone_numbers.list(phone_number=e164) == []
    # The retry goes through.
    assert client.incoming_phone_numbers.create(phone_number=e164).phone_number == e164


@pytest.mark.parametrize(("kind", "code"), [("500", 20500), ("503", 20503)])
def test_5xx_faults_are_twilio_shaped(sandbox, kind, code):
    sandbox.server.faults.add(re.compile(r"/Accounts/AC\w+\.json$"), kind, count=2)
    client = sandbox.client()
    for _ in range(2):
        with pytest.raises(TwilioRestException) as err:
            client.api.v2010.accounts(sandbox.info.account_sid).fetch()
        assert (err.value.status, err.value.code) == (int(kind), code)
    assert client.api.v2010.accounts(sandbox.info.account_sid).fetch().sid


def test_drop_before_processing_changes_nothing(sandbox):
    client = sandbox.client()
    e164 = client.available_phone_numbers("US").local.list(limit=1)[0].phone_number
    sandbox.server.faults.add("*/IncomingPhoneNumbers.json", "drop", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        client.incoming_phone_numbers.create(phone_number=e164)
    assert client.incoming_phone_numbers.list(phone_number=e164) == []
    record = sandbox.server.requests("POST")[-1]
    assert (record.fault, record.status) == ("drop", None)


def test_drop_after_processing_loses_the_purchase_response(sandbox):
    client = sandbox.client()
    e164 = client.available_phone_numbers("US").local.list(limit=1)[0].phone_number
    sandbox.server.faults.add("re:/IncomingPhoneNumbers\\.json$", "drop_after", method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        client.incoming_phone_numbers.create(phone_number=e164)
    # The number was bought even though the client never saw the answer.
    assert [n.phone_number for n in client.incoming_phone_numbers.list(phone_number=e164)] == [e164]
    assert sandbox.server.requests("POST")[-1].fault == "drop_after"


def test_unknown_fault_kind_is_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.server.faults.add("*", "teapot")


def test_request_log_records_what_was_sent(sandbox):
    server = sandbox.server
    server.clear_log()
    key = sandbox.key_client()
    number = next(iter(key.incoming_phone_numbers.page(page_size=7)))
    key.incoming_phone_numbers(number.sid).update(voice_url="https://voice.loquent.example/v")
    records = server.requests()
    assert [r.method for r in records] == ["GET", "POST"]
    get, post = records
    assert get.query == {"PageSize": "7"}
    assert get.auth_username == sandbox.info.api_key_sid
    assert get.status == 200 and get.path.endswith("/IncomingPhoneNumbers.json")
    assert post.form == {"VoiceUrl": "https://voice.loquent.example/v"}
    assert post.is_write and post.status == 200
    assert server.requests(method="POST", path_contains=number.sid) == [post]
    assert server.requests(path_contains="Nothing") == []
    server.clear_log()
    assert server.requests() == []
