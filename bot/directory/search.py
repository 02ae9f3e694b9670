"""Routing: which services in the directory can help this person, where they are.

`find_services` returns every match, best first; the caller pages through them
(the first three, then "more"). A service is only offered for a place it serves:
a location within the radius, a service area the person named, or the whole
country. Nothing far away is ever offered as if it were local.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bot.directory.geo import haversine_km
from bot.directory.hours import OpenState, open_state
from bot.directory.models import (
    GENDERS,
    NEEDS,
    Language,
    Location,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceNeed,
)

# Mean Earth radius (IUGG); haversine is within 0.5% of the ellipsoid, plenty here.

# Diacritics shared by the Latin, Greek and Cyrillic scripts. Only these are
# stripped when comparing place names: the vowel and tone marks of Thai (and
# other Brahmic scripts) are letters of the word, not accents.
_DIACRITIC_BLOCKS = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


@dataclass(frozen=True)
class Where:
    """Where the person is, from a named place or a shared location."""

    latitude: float | None
    longitude: float | None
    country: str | None  # ISO 3166-1 alpha-2
    # The names of the city / province the person named, in any script, matched
    # against service_area.name. The gazetteer should give every name it knows
    # ("Chiang Mai", "เชียงใหม่"): a name in one script does not match another.
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    """What we know about the person; never asked for unless needed."""

    language: str | None = None
    age: int | None = None
    gender: str | None = None  # "women"/"men" as in models.GENDERS; None if unknown


@dataclass(frozen=True)
class Match:
    service: Service
    # Where to go: the nearest location, the one in the place named, or the
    # service's only location; None when the service has none or it is unclear.
    location: Location | None
    distance_km: float | None
    open_state: OpenState
    speaks_language: bool  # False also when the person's language is unknown
    # Serves the whole country (a service area that is the country code) rather
    # than this place.
    national: bool
    # The schedules open_state was decided on (the service at this location's,
    # else the service's, else the location's), for weekly_hours() on the card.
    schedules: tuple[Schedule, ...] = ()
    # Language codes spoken, as written: the service's, then the location's.
    languages: tuple[str, ...] = ()


_OPEN_ORDER = {OpenState.OPEN: 0, OpenState.UNKNOWN: 1, OpenState.CLOSED: 2}


def find_services(
    session: Session,
    need: str,
    where: Where,
    person: Person,
    now: datetime,
    *,
    radius_km: float = 50.0,
) -> list[Match]:
    """Every active service for `need` that serves `where` and accepts `person`, best first."""
    if need not in NEEDS:
        raise ValueError(f"unknown need {need!r}")
    here = _here(where)
    names = {key for key in (normalize_place(name) for name in where.names) if key}
    country = where.country.strip().casefold() if where.country and where.country.strip() else None
    if here is None and not names and country is None:
        return []

    # What it costs: one SELECT of the active services with a ServiceNeed row
    # for `need` that the person is eligible for (organization joined in), then
    # one SELECT ... WHERE id IN (...) per relationship below (selectinload:
    # service_at_location with its location joined, address, phone, schedule,
    # language, service_area), then two for the schedules and languages of the
    # matched locations (the models have no relationship for those). At most nine
    # statements whatever the number of services, no N+1. Rows read grow with
    # the active services for that need in the whole directory, because place
    # matching (haversine, accent-insensitive names) is done here in Python:
    # fine for thousands of services; beyond that, prefilter in SQL by a
    # bounding box and a normalized service_area name column.
    statement = (
        select(Service)
        .where(*_criteria(need, person))
        .options(
            joinedload(Service.organization),
            selectinload(Service.at_locations)
            .joinedload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
            selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.languages),
            selectinload(Service.areas),
        )
        .order_by(Service.id)
    )
    placed: list[tuple[Service, ServiceAtLocation | None, float | None, bool]] = []
    for service in session.scalars(statement):
        found = _place(service, here, names, country, radius_km)
        if found is not None:
            placed.append((service, *found))
    if not placed:
        return []

    chosen = [at for _, at, _, _ in placed if at is not None]
    sal_schedules, location_schedules, location_languages = _location_extras(session, chosen)
    language = _primary(person.language) if person.language else None
    matches: list[Match] = []
    for service, at, distance, national in placed:
        location = at.location if at is not None else None
        if at is not None:
            schedules = _schedules_at(service, at, sal_schedules, location_schedules)
        else:
            schedules = _service_wide(service.schedules)
        rows = list(service.languages)
        if location is not None:
            rows += location_languages.get(location.id, [])
        codes = tuple(
            dict.fromkeys(row.code.strip() for row in rows if row.code and row.code.strip())
        )
        matches.append(
            Match(
                service=service,
                location=location,
                distance_km=distance,
                open_state=open_state(schedules, _timezone(service, location), now),
                speaks_language=language is not None
                and any(_primary(code) == language for code in codes),
                national=national,
                schedules=tuple(schedules),
                languages=codes,
            )
        )
    matches.sort(key=_rank)
    return matches


def _rank(match: Match) -> tuple[bool, bool, bool, int, bool, float, str, str]:
    return (
        # 1. Local before national: a service in the person's place can be
        #    reached and knows the place; a national one is the fallback.
        match.national,
        # 2. Trafficking specialists first within a tier: they know what a
        #    survivor faces (debt bondage, papers held, fear of deportation).
        not match.service.trafficking_specialist,
        # 3. A service that speaks the person's language before one that does
        #    not: help the person cannot talk to is barely help.
        not match.speaks_language,
        # 4. Open now, then unknown hours, then closed. A closed shelter is still
        #    listed (the person may need it tomorrow), after the open ones.
        _OPEN_ORDER[match.open_state],
        # 5. Nearest first; no distance (area or national match) last.
        match.distance_km is None,
        match.distance_km if match.distance_km is not None else 0.0,
        # 6. Name, then id, so the order is stable between pages.
        match.service.name.casefold(),
        match.service.id,
    )


def _criteria(need: str, person: Person) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = [
        Service.status == "active",
        Service.id.in_(select(ServiceNeed.service_id).where(ServiceNeed.need == need)),
    ]
    # Eligibility: only what is known excludes; an unknown age or gender excludes nothing.
    if person.age is not None:
        criteria.append(or_(Service.minimum_age.is_(None), Service.minimum_age <= person.age))
        criteria.append(or_(Service.maximum_age.is_(None), Service.maximum_age >= person.age))
    gender = person.gender.strip().casefold() if person.gender else None
    if gender in GENDERS and gender != "any":
        others = [other for other in GENDERS if other not in ("any", gender)]
        criteria.append(Service.gender.not_in(others))
    return criteria


def _place(
    service: Service,
    here: tuple[float, float] | None,
    names: set[str],
    country: str | None,
    radius_km: float,
) -> tuple[ServiceAtLocation | None, float | None, bool] | None:
    """(where to go, distance, national) when the service serves the place, else None."""
    nearest = _nearest(service.at_locations, here)
    if nearest is not None and nearest[1] <= radius_km:
        return nearest[0], nearest[1], False
    areas = [area.name for area in service.areas if area.name]
    if names & {normalize_place(area) for area in areas}:
        at, distance = _pick(service.at_locations, nearest, names)
        return at, distance, False
    if country is not None and country in {area.strip().casefold() for area in areas}:
        at, distance = _pick(service.at_locations, nearest, names)
        return at, distance, True
    return None


def _nearest(
    at_locations: Sequence[ServiceAtLocation], here: tuple[float, float] | None
) -> tuple[ServiceAtLocation, float] | None:
    if here is None:
        return None
    best: tuple[ServiceAtLocation, float] | None = None
    for at in at_locations:
        location = at.location
        # A virtual location (a hotline, a chat) is not a place to go to.
        if location.location_type == "virtual":
            continue
        if location.latitude is None or location.longitude is None:
            continue
        distance = haversine_km(here[0], here[1], location.latitude, location.longitude)
        if best is None or distance < best[1]:
            best = (at, distance)
    return best


def _pick(
    at_locations: Sequence[ServiceAtLocation],
    nearest: tuple[ServiceAtLocation, float] | None,
    names: set[str],
) -> tuple[ServiceAtLocation | None, float | None]:
    """The location to show for a service matched by its area: the nearest when the
    person's position is known, else one in the place named, else the only one."""
    if nearest is not None:
        return nearest
    for at in at_locations:
        location = at.location
        place_names = [location.name]
        for address in location.addresses:
            place_names += [address.city, address.region, address.state_province]
        if names & {normalize_place(name) for name in place_names if name}:
            return at, None
    if len(at_locations) == 1:
        return at_locations[0], None
    return None, None


def _location_extras(
    session: Session, chosen: Sequence[ServiceAtLocation]
) -> tuple[dict[str, list[Schedule]], dict[str, list[Schedule]], dict[str, list[Language]]]:
    """Schedules of the chosen service-at-locations and of their locations, and the
    languages of those locations: two statements for all matches."""
    sal_schedules: dict[str, list[Schedule]] = defaultdict(list)
    location_schedules: dict[str, list[Schedule]] = defaultdict(list)
    location_languages: dict[str, list[Language]] = defaultdict(list)
    if not chosen:
        return sal_schedules, location_schedules, location_languages
    sal_ids = sorted({at.id for at in chosen})
    location_ids = sorted({at.location_id for at in chosen})
    for schedule in session.scalars(
        select(Schedule)
        .where(
            or_(
                Schedule.service_at_location_id.in_(sal_ids),
                Schedule.location_id.in_(location_ids),
            )
        )
        .order_by(Schedule.id)
    ):
        if schedule.service_at_location_id is not None:
            sal_schedules[schedule.service_at_location_id].append(schedule)
        elif schedule.location_id is not None:
            location_schedules[schedule.location_id].append(schedule)
    for language in session.scalars(
        select(Language).where(Language.location_id.in_(location_ids)).order_by(Language.id)
    ):
        if language.location_id is not None:
            location_languages[language.location_id].append(language)
    return sal_schedules, location_schedules, location_languages


def _schedules_at(
    service: Service,
    at: ServiceAtLocation,
    sal_schedules: dict[str, list[Schedule]],
    location_schedules: dict[str, list[Schedule]],
) -> list[Schedule]:
    """The most specific hours: the service at this location, else the service's
    own, else the location's (a building's opening hours)."""
    specific = list(sal_schedules.get(at.id, []))
    # A row with both service_id and location_id is the service's hours there.
    specific += [
        schedule
        for schedule in location_schedules.get(at.location_id, [])
        if schedule.service_id == service.id
    ]
    if specific:
        return specific
    service_wide = _service_wide(service.schedules)
    if service_wide:
        return service_wide
    return [
        schedule
        for schedule in location_schedules.get(at.location_id, [])
        if schedule.service_id is None
    ]


def _service_wide(schedules: Iterable[Schedule]) -> list[Schedule]:
    # Service.schedules also holds rows tied to one location (service_id set as
    # well as service_at_location_id or location_id); those are not the service's
    # hours everywhere.
    return [
        schedule
        for schedule in schedules
        if schedule.service_at_location_id is None and schedule.location_id is None
    ]


def _timezone(service: Service, location: Location | None) -> str | None:
    """The location's zone; without a chosen location, the zone all of the
    service's locations share, if they do."""
    if location is not None:
        return location.timezone
    zones = {at.location.timezone for at in service.at_locations}
    if len(zones) == 1:
        return zones.pop()
    return None


def _here(where: Where) -> tuple[float, float] | None:
    if where.latitude is None or where.longitude is None:
        return None
    return where.latitude, where.longitude


def _primary(code: str) -> str:
    """The primary subtag of a language tag: "zh-Hans" -> "zh", "pt_BR" -> "pt"."""
    return code.strip().replace("_", "-").split("-")[0].casefold()


def normalize_place(name: str) -> str:
    """A place name for comparison: case folded, Latin/Greek/Cyrillic accents
    stripped, spaces collapsed. "Zürich" == "ZURICH"; Thai marks are kept."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(
        char
        for char in decomposed
        if not any(low <= ord(char) <= high for low, high in _DIACRITIC_BLOCKS)
    )
    return " ".join(unicodedata.normalize("NFC", kept).split())
