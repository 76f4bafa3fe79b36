"""Twilio-shaped errors: the exception handlers raise and the JSON body Twilio sends.

Every error the emulator returns has the same four keys as Twilio's REST errors
(``code``, ``message``, ``more_info``, ``status``), so client code that reads
``TwilioRestException.code`` behaves exactly as it would against the real API.
"""

from __future__ import annotations

from typing import Any

# Error codes used by the emulator, each one a real Twilio code (see
# https://www.twilio.com/docs/api/errors/<code>).
AUTHENTICATE = 20003  # 401 "Authenticate": bad or insufficient credentials
METHOD_NOT_ALLOWED = 20004  # 405 "Method not allowed"
INVALID_PAGE_SIZE = 20007  # 400 "Invalid paging parameter" (PageSize outside 1..1000)
FORBIDDEN = 20403  # 403: credentials without access to a product (a restricted API key)
NOT_FOUND = 20404  # 404 "The requested resource ... was not found"
TOO_MANY_REQUESTS = 20429  # 429 "Too Many Requests"
INTERNAL_ERROR = 20500  # 500 "Internal Server Error"
SERVICE_UNAVAILABLE = 20503  # 503 "Service Unavailable"
INVALID_PARAMETER = 21200  # 400 generic "invalid parameter" (close to Twilio's 21200-range)
PHONE_NUMBER_INVALID = 21421  # 400 "PhoneNumber is invalid" (also used when missing)
PHONE_NUMBER_NOT_AVAILABLE = 21422  # 400 "PhoneNumber is not available"
NO_NUMBERS_IN_AREA_CODE = 21452  # 400 "No phone numbers found in area code"
REQUIRES_LOCAL_ADDRESS = 21615  # 400 "Phone Number Requires a Local Address"
REQUIRES_ADDRESS = 21631  # 400 "Phone Number Requires an Address"
REQUIRES_FOREIGN_ADDRESS = 21650  # 400 "Phone Number Requires a Foreign Address"


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """The JSON body Twilio sends with an error response."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


class TwilioError(Exception):
    """Raised by handlers; the server turns it into a Twilio-shaped error response."""

    def __init__(
        self, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message)


def not_found(path: str) -> TwilioError:
    return TwilioError(404, NOT_FOUND, f"The requested resource {path} was not found")


def authenticate() -> TwilioError:
    # Twilio answers every credential problem (unknown user, wrong secret, a Standard key
    # on /Accounts, someone else's account) with the same 401/20003, and adds a Basic
    # challenge header.
    return TwilioError(
        401, AUTHENTICATE, "Authenticate", {"WWW-Authenticate": 'Basic realm="Twilio API"'}
    )


def forbidden(message: str) -> TwilioError:
    return TwilioError(403, FORBIDDEN, message)


def bad_request(code: int, message: str) -> TwilioError:
    return TwilioError(400, code, message)
