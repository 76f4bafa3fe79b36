"""Retry policy, host routing and the normalization of the library's two error shapes."""

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.response import Response

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
    routing = HostRouting(base_url="http://a", products={"trunking": "http://t/base"})
    assert routing.rewrite("https://trunking.twilio.com/v1/Trunks") == "http://t/base/v1/Trunks"
    assert routing.rewrite("https://api.twilio.com/2010-04-01/Accounts.json").startswith(
        "http://a/"
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
