"""Numbers the emulator offers for sale, generated deterministically per country and type.

Twilio's real inventory is huge and changes by the minute; tests need the opposite: the
same numbers every run, a handful of regions to filter on, and address requirements that
exercise the purchase rules (US/CA none, GB ``any``/``local``, DE ``local``). A bought
number leaves the inventory. Owned seed numbers use exchanges (9xx, 020 7946 0xxx) that
the inventory never generates, so the two never collide.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from loquent_desktop.sandbox.formats import format_national, number_pattern

# URL segment -> key used in subresource_uris and internally.
TYPE_SEGMENTS = {"Local": "local", "Mobile": "mobile", "TollFree": "toll_free"}
# Internal type -> the "type" Twilio reports on an IncomingPhoneNumber.
INCOMING_TYPE = {"local": "local", "mobile": "mobile", "toll_free": "toll-free"}
TWILIO_RESULT_CAP = 30  # AvailablePhoneNumbers never returns more than this per query


@dataclass(frozen=True, slots=True)
class Region:
    """A place numbers come from; one prefix (country code + area code) each."""

    country: str
    number_type: str
    prefix: str  # E.164 prefix including "+", e.g. "+1415"
    local_digits: int  # digits after the prefix
    locality: str | None
    region: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    lata: str | None
    rate_center: str | None
    address_requirements: str
    capabilities: tuple[bool, bool, bool, bool]  # voice, sms, mms, fax
    count: int = 40


def _us(ac: str, city: str, st: str, zip_: str, lat: float, lon: float, lata: str) -> Region:
    return Region(
        "US", "local", "+1" + ac, 7, city, st, zip_, lat, lon, lata,
        city.upper().replace(" ", "")[:10], "none", (True, True, True, False),
    )  # fmt: skip


def _ca(ac: str, city: str, prov: str, postal: str, lat: float, lon: float) -> Region:
    return Region(
        "CA", "local", "+1" + ac, 7, city, prov, postal, lat, lon, None,
        city.upper()[:10], "none", (True, True, False, False),
    )  # fmt: skip


REGIONS: tuple[Region, ...] = (
    _us("415", "San Francisco", "CA", "94105", 37.79, -122.40, "722"),
    _us("510", "Oakland", "CA", "94612", 37.80, -122.27, "722"),
    _us("212", "New York", "NY", "10001", 40.75, -73.99, "132"),
    _us("312", "Chicago", "IL", "60601", 41.88, -87.63, "358"),
    _us("512", "Austin", "TX", "78701", 30.27, -97.74, "558"),
    _us("206", "Seattle", "WA", "98101", 47.61, -122.33, "674"),
    _us("617", "Boston", "MA", "02108", 42.36, -71.06, "128"),
    _us("305", "Miami", "FL", "33130", 25.77, -80.19, "460"),
    *(
        Region("US", "toll_free", "+1" + ac, 7, None, None, None, None, None, None, None,
               "none", (True, True, False, False), 20)
        for ac in ("800", "833", "844", "855", "866", "877", "888")
    ),
    _ca("416", "Toronto", "ON", "M5H", 43.65, -79.38),
    _ca("604", "Vancouver", "BC", "V6B", 49.28, -123.12),
    _ca("514", "Montreal", "QC", "H2Y", 45.50, -73.57),
    Region("GB", "local", "+4420", 8, "London", None, None, None, None, None, None,
           "any", (True, False, False, False)),
    Region("GB", "local", "+44161", 7, "Manchester", None, None, None, None, None, None,
           "local", (True, False, False, False)),
    Region("GB", "mobile", "+447", 9, None, None, None, None, None, None, None,
           "any", (True, True, False, False)),
    Region("DE", "local", "+4930", 8, "Berlin", None, None, None, None, None, None,
           "local", (True, False, False, False)),
    Region("DE", "local", "+4989", 8, "Munich", None, None, None, None, None, None,
           "local", (True, False, False, False)),
)  # fmt: skip

COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany"}


@dataclass(slots=True)
class AvailableNumber:
    phone_number: str
    region: Region
    beta: bool
    capabilities: dict[str, bool]

    @property
    def iso_country(self) -> str:
        return self.region.country

    @property
    def number_type(self) -> str:
        return self.region.number_type


@dataclass(slots=True)
class SearchFilters:
    """The AvailablePhoneNumbers query, already parsed."""

    area_code: str | None = None
    contains: str | None = None
    in_region: str | None = None
    in_postal_code: str | None = None
    in_locality: str | None = None
    in_rate_center: str | None = None
    in_lata: str | None = None
    near_number: str | None = None
    near_lat_long: tuple[float, float] | None = None
    distance_miles: float = 25.0
    sms: bool | None = None
    mms: bool | None = None
    voice: bool | None = None
    fax: bool | None = None
    exclude_all_address: bool = False
    exclude_local_address: bool = False
    exclude_foreign_address: bool = False
    beta: bool | None = None
    limit: int = TWILIO_RESULT_CAP


def _miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 3958.8 * 2 * math.asin(math.sqrt(h))


@dataclass
class Inventory:
    """Available numbers keyed by E.164, in a stable order."""

    seed: int = 7
    numbers: dict[str, AvailableNumber] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.numbers:
            self._generate()

    def _generate(self) -> None:
        rng = random.Random(self.seed)
        for region in REGIONS:
            made = 0
            while made < region.count:
                rest = self._local_part(rng, region)
                e164 = region.prefix + rest
                if e164 in self.numbers:
                    continue
                voice, sms, mms, fax = region.capabilities
                # A few numbers differ from their region so capability filters have work.
                if made % 9 == 4:
                    sms, mms = False, False
                if made % 11 == 3 and region.country == "US":
                    fax = True
                caps = {"voice": voice, "sms": sms, "mms": mms, "fax": fax}
                self.numbers[e164] = AvailableNumber(e164, region, made % 13 == 7, caps)
                made += 1

    @staticmethod
    def _local_part(rng: random.Random, region: Region) -> str:
        if region.prefix.startswith("+1"):
            # NANP exchange 200-899: never 9xx, which the seeded owned numbers use.
            return f"{rng.randint(200, 899)}{rng.randint(0, 9999):04d}"
        if region.prefix == "+4420":
            return f"3{rng.randint(0, 9_999_999):07d}"  # 020 3xxx xxxx; 7946 is for seeds
        first = "5" if region.prefix == "+44161" else str(rng.randint(1, 9))
        return first + "".join(str(rng.randint(0, 9)) for _ in range(region.local_digits - 1))

    # -- queries -------------------------------------------------------------------------

    def countries(self) -> dict[str, list[str]]:
        """Country code -> the number types offered there (in a fixed order)."""
        found: dict[str, list[str]] = {}
        for region in REGIONS:
            types = found.setdefault(region.country, [])
            if region.number_type not in types:
                types.append(region.number_type)
        return found

    def get(self, e164: str) -> AvailableNumber | None:
        return self.numbers.get(e164)

    def take(self, e164: str) -> AvailableNumber | None:
        """Remove a number from sale (it was bought)."""
        return self.numbers.pop(e164, None)

    def region_for(self, e164: str) -> Region | None:
        """The region a number belongs to by prefix (longest prefix wins)."""
        best: Region | None = None
        for region in REGIONS:
            if e164.startswith(region.prefix) and (
                best is None or len(region.prefix) > len(best.prefix)
            ):
                best = region
        return best

    def search(self, country: str, number_type: str, f: SearchFilters) -> list[AvailableNumber]:
        contains = number_pattern(f.contains) if f.contains else None
        near = self._near_regions(f)
        out: list[AvailableNumber] = []
        for num in self._candidates(country, number_type):
            if self._matches(num, f, contains, near):
                out.append(num)
                if len(out) >= min(f.limit, TWILIO_RESULT_CAP):
                    break
        return out

    def _candidates(self, country: str, number_type: str) -> Iterable[AvailableNumber]:
        return (
            n
            for n in self.numbers.values()
            if n.region.country == country and n.region.number_type == number_type
        )

    def _near_regions(self, f: SearchFilters) -> set[Region] | None:
        # NearNumber is approximated by "same region as that number, or any region whose
        # centre lies within Distance miles of it"; good enough to exercise the filter.
        if not f.near_number:
            return None
        home = self.region_for("+" + f.near_number.lstrip("+"))
        if home is None:
            return set()
        near = {home}
        if home.latitude is not None and home.longitude is not None:
            for region in REGIONS:
                if region.latitude is None or region.longitude is None:
                    continue
                here = (region.latitude, region.longitude)
                if _miles((home.latitude, home.longitude), here) <= f.distance_miles:
                    near.add(region)
        return near

    @staticmethod
    def _matches(
        num: AvailableNumber,
        f: SearchFilters,
        contains: object,
        near: set[Region] | None,
    ) -> bool:
        r = num.region
        if f.area_code and not num.phone_number.startswith("+1" + f.area_code):
            return False
        if contains is not None and not contains.search(num.phone_number[1:]):  # type: ignore[attr-defined]
            return False
        for wanted, have in (
            (f.in_region, r.region),
            (f.in_postal_code, r.postal_code),
            (f.in_locality, r.locality),
            (f.in_rate_center, r.rate_center),
            (f.in_lata, r.lata),
        ):
            if wanted and (have or "").lower() != wanted.lower():
                return False
        if near is not None and r not in near:
            return False
        if f.near_lat_long is not None:
            if r.latitude is None or r.longitude is None:
                return False
            if _miles(f.near_lat_long, (r.latitude, r.longitude)) > f.distance_miles:
                return False
        for wanted_cap, key in ((f.sms, "sms"), (f.mms, "mms"), (f.voice, "voice"), (f.fax, "fax")):
            if wanted_cap is not None and num.capabilities[key] != wanted_cap:
                return False
        req = r.address_requirements
        if f.exclude_all_address and req != "none":
            return False
        if f.exclude_local_address and req == "local":
            return False
        if f.exclude_foreign_address and req == "foreign":
            return False
        return not (f.beta is False and num.beta)


def friendly_name(e164: str) -> str:
    return format_national(e164)
