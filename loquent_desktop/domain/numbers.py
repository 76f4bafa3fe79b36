"""Phone numbers as the Numbers tab sees them: owned, on sale, and the search for them.

Plain values, no Qt and no twilio library: the service converts Twilio's records into these,
and the UI only reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import phonenumbers

from . import validation
from .errors import InvalidInput
from .voice_route import VoiceConfig, VoiceRoute, effective_voice_route

# Twilio's search returns at most this many numbers and never pages (GUIDE §3).
SEARCH_CAP = 30
CAPABILITY_NAMES = {"voice": "Voice", "sms": "SMS", "mms": "MMS", "fax": "Fax"}
# AvailablePhoneNumbers path names in the order people look for them; others follow.
PREFERRED_TYPES = ("Local", "Mobile", "TollFree")
TYPE_LABELS = {
    "Local": "local",
    "Mobile": "mobile",
    "TollFree": "toll-free",
    "National": "national",
    "Voip": "VoIP",
    "SharedCost": "shared-cost",
    "MachineToMachine": "machine-to-machine",
}

_AREA_CODE = re.compile(r"^[0-9]{1,5}$")
_CONTAINS = re.compile(r"^[0-9A-Za-z*]{2,16}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_POSTAL = re.compile(r"^[0-9A-Za-z \-]{1,12}$")


def normalize_capabilities(raw: Any) -> dict[str, bool]:
    """The API says "SMS"/"MMS" in some places and "sms"/"mms" in others."""
    caps = {str(k).lower(): bool(v) for k, v in dict(raw or {}).items()}
    return {name: caps.get(name, False) for name in CAPABILITY_NAMES}


def capabilities_text(capabilities: dict[str, bool]) -> str:
    names = [label for key, label in CAPABILITY_NAMES.items() if capabilities.get(key)]
    return ", ".join(names) or "None"


def country_of(e164: str) -> str | None:
    """ISO country of a number. IncomingPhoneNumber records carry no `iso_country`, so it is
    derived from the number itself (what Twilio's Console shows too)."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != "ZZ" else None


def type_path_name(subresource_key: str) -> str:
    """`toll_free` (subresource_uris key) -> `TollFree` (the URL segment Twilio uses)."""
    return "".join(part.capitalize() for part in subresource_key.split("_"))


def type_label(path_name: str) -> str:
    """The type as it reads inside a sentence: "no toll-free numbers in GB"."""
    return TYPE_LABELS.get(path_name, path_name.lower())


def type_title(path_name: str) -> str:
    """The type as a list entry ("Toll-free"); same words as in sentences, so the picker and
    the messages never disagree."""
    label = type_label(path_name)
    return label[:1].upper() + label[1:]


def preferred_type_order(path_names: list[str]) -> tuple[str, ...]:
    """Local, Mobile, Toll-free first (what people look for), then the rest as Twilio lists."""
    rank = {name: i for i, name in enumerate(PREFERRED_TYPES)}
    return tuple(sorted(path_names, key=lambda name: rank.get(name, len(rank))))


@dataclass(frozen=True)
class OwnedNumber:
    """An IncomingPhoneNumber of the account, with the fields that decide routing."""

    sid: str
    phone_number: str  # E.164
    friendly_name: str | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    iso_country: str | None = None
    address_requirements: str | None = None
    voice_url: str | None = None
    voice_method: str | None = None
    voice_fallback_url: str | None = None
    voice_fallback_method: str | None = None
    voice_application_sid: str | None = None
    trunk_sid: str | None = None
    status_callback: str | None = None
    status_callback_method: str | None = None
    sms_url: str | None = None
    sms_method: str | None = None
    sms_application_sid: str | None = None
    date_created: datetime | None = None
    date_updated: datetime | None = None

    @property
    def voice_config(self) -> VoiceConfig:
        """The fields a voice-routing change must snapshot before it overwrites them."""
        return VoiceConfig.of(self)

    def voice_route(self, loquent_url: str | None) -> VoiceRoute:
        return effective_voice_route(
            self.trunk_sid, self.voice_application_sid, self.voice_url, loquent_url
        )

    @property
    def capabilities_text(self) -> str:
        return capabilities_text(self.capabilities)

    def to_store_dict(self) -> dict[str, Any]:
        """The mapping `PhoneNumberRepository.upsert_many` expects (Twilio's JSON names)."""
        return {
            "sid": self.sid,
            "phone_number": self.phone_number,
            "friendly_name": self.friendly_name,
            "capabilities": dict(self.capabilities),
            "iso_country": self.iso_country,
            "address_requirements": self.address_requirements,
            "voice_url": self.voice_url,
            "voice_method": self.voice_method,
            "voice_fallback_url": self.voice_fallback_url,
            "voice_fallback_method": self.voice_fallback_method,
            "voice_application_sid": self.voice_application_sid,
            "trunk_sid": self.trunk_sid,
            "status_callback": self.status_callback,
            "status_callback_method": self.status_callback_method,
            "sms_url": self.sms_url,
            "sms_method": self.sms_method,
            "sms_application_sid": self.sms_application_sid,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
        }


@dataclass(frozen=True)
class AvailableNumber:
    """A number Twilio offers for sale, as a search returned it."""

    phone_number: str
    friendly_name: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    iso_country: str | None = None
    capabilities: dict[str, bool] = field(default_factory=dict)
    address_requirements: str = "none"
    beta: bool = False
    number_type: str = "Local"  # the AvailablePhoneNumbers path name it was found under

    @property
    def capabilities_text(self) -> str:
        return capabilities_text(self.capabilities)

    @property
    def needs_address(self) -> bool:
        return (self.address_requirements or "none") != "none"

    @property
    def place(self) -> str:
        """Locality, region and postal code, e.g. San Francisco, CA 94105 (what Twilio gave)."""
        parts = [p for p in (self.locality, self.region) if p]
        text = ", ".join(parts)
        if self.postal_code:
            text = f"{text} {self.postal_code}".strip()
        return text


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    types: tuple[str, ...]  # path names: "Local", "Mobile", "TollFree", ...


@dataclass(frozen=True)
class SearchQuery:
    country: str = "US"
    number_type: str = "Local"
    area_code: str = ""
    contains: str = ""
    in_region: str = ""
    in_postal_code: str = ""
    near_number: str = ""
    voice: bool = False
    sms: bool = False
    mms: bool = False

    def validate(self) -> SearchQuery:
        """Raise InvalidInput on the first field with the wrong shape; return the query
        with whitespace trimmed and the country upper-cased and near_number in E.164."""
        country = self.country.strip().upper()
        if not _COUNTRY.match(country):
            raise InvalidInput("country", "Pick a country (two-letter code such as US or GB).")
        number_type = self.number_type.strip()
        if not number_type.isalpha():
            raise InvalidInput("number_type", "Pick a number type (Local, Mobile, Toll-free).")
        area_code = self.area_code.strip()
        if area_code and not _AREA_CODE.match(area_code):
            raise InvalidInput(
                "area_code", "An area code is digits only, e.g. 415 (no spaces or brackets)."
            )
        contains = self.contains.strip()
        if contains:
            if not _CONTAINS.match(contains):
                raise InvalidInput(
                    "contains",
                    "The pattern may contain only digits, letters and * (any one digit), "
                    "2 to 16 characters long, e.g. 555 or *CAKE*.",
                )
            if sum(ch != "*" for ch in contains) < 2:
                raise InvalidInput(
                    "contains", "The pattern needs at least two digits or letters besides *."
                )
        in_postal_code = self.in_postal_code.strip()
        if in_postal_code and not _POSTAL.match(in_postal_code):
            raise InvalidInput(
                "in_postal_code", "A postal code is letters, digits and spaces only."
            )
        in_region = self.in_region.strip()
        if len(in_region) > 40:
            raise InvalidInput("in_region", "The region is too long (use e.g. CA or Ontario).")
        near = self.near_number.strip()
        if near:
            try:
                near = validation.e164(near)
            except InvalidInput as err:
                raise InvalidInput("near_number", f"Near number: {err.message}") from None
        return replace(
            self,
            country=country,
            number_type=number_type,
            area_code=area_code,
            contains=contains,
            in_region=in_region,
            in_postal_code=in_postal_code,
            near_number=near,
        )

    def criteria_text(self) -> str:
        """The filters in words, for "no results" messages."""
        parts: list[str] = []
        if self.area_code:
            parts.append(f"area code {self.area_code}")
        if self.contains:
            parts.append(f"the pattern “{self.contains}”")
        if self.in_region:
            parts.append(f"region {self.in_region}")
        if self.in_postal_code:
            parts.append(f"postal code {self.in_postal_code}")
        if self.near_number:
            parts.append(f"near {self.near_number}")
        caps = [CAPABILITY_NAMES[k] for k in ("voice", "sms", "mms") if getattr(self, k)]
        if caps:
            parts.append(" + ".join(caps) + " capable")
        return ", ".join(parts) if parts else "no filters"


@dataclass(frozen=True)
class SearchResult:
    numbers: list[AvailableNumber]
    capped: bool
    message: str | None

    @classmethod
    def from_numbers(cls, query: SearchQuery, numbers: list[AvailableNumber]) -> SearchResult:
        if not numbers:
            return cls(
                numbers,
                False,
                f"Twilio has no {type_label(query.number_type)} numbers in {query.country} "
                f"matching {query.criteria_text()} — try a different area code, fewer "
                "required capabilities, or remove the pattern.",
            )
        capped = len(numbers) >= SEARCH_CAP
        message = (
            f"Twilio shows at most {SEARCH_CAP} numbers per search; narrow the search to see "
            "others."
            if capped
            else None
        )
        return cls(numbers, capped, message)


@dataclass(frozen=True)
class Purchase:
    """A number Twilio sold us, and whether Loquent's database recorded it.

    Once Twilio's create call returned, the number is bought (and billed) whatever happens
    next; a failing local write must not turn that into "failed" in the journal.
    """

    number: OwnedNumber
    stored_locally: bool = True
    store_error: str | None = None  # why the local write failed, for the user

    def summary(self) -> dict[str, Any]:
        """What the journal keeps of the outcome."""
        return {
            "number_sid": self.number.sid,
            "phone_number": self.number.phone_number,
            "stored_locally": self.stored_locally,
        }


@dataclass(frozen=True)
class ImportResult:
    imported: int
    already_existed: int

    @property
    def message(self) -> str:
        return f"{self.imported} imported, {self.already_existed} already existed"
