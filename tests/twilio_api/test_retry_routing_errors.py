"""Retry policy, host routing and the normalization of the library's two error shapes."""

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.response import Response

from loquent_desktop.domain.errors import InvalidInput
from loquent_desktop.twilio_api.errors import normalize
from loquent_desktop.twilio_api.retry import RetryPolicy
from loquent_desktop.twilio_api.routing import HostRouting


@pytest.mark.parametrize(
    ("method", "status", "retry"),
    [
        ("POST", 429, True),
        ("GET", 429, True),
        ("GET", 503, True),
        ("GET", None, True),
        ("POST", 500, False),
        ("POST", None, False),
        ("DELETE", 503, False),
        ("GET", 404, False),
    ],
)
def test_retry_rules(method: str, status: int | None, retry: bool) -> None:
    assert RetryPolicy().should_retry(method, status, attempt=1) is retry


def test_retry_stops_after_max_attempts() -> None:
    assert not RetryPolicy(max_attempts=3).should_retry("GET", 429, attempt=3)


def test_delay_honours_retry_after_with_jitter() -> None:
    policy = RetryPolicy(jitter=0.25)
    delays = [policy.delay(1, "2") for _ in range(50)]
    assert all(2.0 <= d <= 2.5 for d in delays)
    assert len(set(delays)) > 1


def test_routing_rewrites_every_twilio_host_and_keeps_path_and_query() -> None:
    routing = HostRouting(base_url="http://127.0.0.1:9000")
    assert (
        routing.rewrite("https://events.twilio.com/v1/Sinks?PageSize=50&Page=1")
        == "http://127.0.0.1:9000/v1/Sinks?PageSize=50&Page=1"
    )
    assert routing.rewrite("https://example.com/x") == "https://example.com/x"


def test_routing_per_product_override() -> None:
    routing = HostRouting(base_url="http://127.0.0.1:1", products={"trunking": "https://t/base"})
    assert routing.rewrite("https://trunking.twilio.com/v1/Trunks") == "https://t/base/v1/Trunks"
    assert routing.rewrite("https://api.twilio.com/2010-04-01/Accounts.json").startswith(
        "http://127.0.0.1:1/"
    )
    assert HostRouting().rewrite("https://api.twilio.com/x") == "https://api.twilio.com/x"


def test_rest_exception_is_normalized_without_ansi() -> None:
    exc = TwilioRestException(401, "https://api.twilio.com/x", msg="Authenticate", code=20003)
    err = normalize(exc)
    assert (err.status, err.code) == (401, 20003)
    assert "rejected the credentials" in str(err)
    assert "\x1b" not in str(err)


def test_page_exception_is_normalized_from_its_body() -> None:
    body = '{"code": 20007, "message": "PageSize too large", "status": 400}'
    err = normalize(TwilioException("Unable to fetch page", Response(400, body)))
    assert (err.status, err.code) == (400, 20007)
    assert "1000" in str(err)


def test_timeouts_are_retried_once_only() -> None:
    policy = RetryPolicy(max_attempts=4)
    assert policy.should_retry("GET", None, attempt=1, timed_out=True)
    assert not policy.should_retry("GET", None, attempt=2, timed_out=True)
    assert policy.should_retry("GET", None, attempt=2)  # a dropped connection: fast, retried
    assert not policy.should_retry("POST", None, attempt=1, timed_out=True)


@pytest.mark.parametrize(
    "url", ["http://proxy.example.com:8080", "ftp://127.0.0.1", "http://10.0.0.5", "nonsense"]
)
def test_routing_refuses_targets_that_would_leak_credentials(url: str) -> None:
    with pytest.raises(InvalidInput):
        HostRouting(base_url=url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:80", "https://tw.example"]
)
def test_routing_accepts_https_and_loopback(url: str) -> None:
    assert not HostRouting(base_url=url).is_real_twilio


def test_routing_refuses_credentials_in_the_target_and_never_shows_them() -> None:
    with pytest.raises(InvalidInput, match="password"):
        HostRouting(base_url="https://user:pw@tw.example")
    assert HostRouting(base_url="http://127.0.0.1:8080").describe() == "127.0.0.1:8080"
