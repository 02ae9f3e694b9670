"""A found service as a semantic message: the card a person sees.

Each card says who they are, what they do, how to reach them (a tappable phone,
an address with a map pin), when they are open and whether they are open now,
the languages they speak, and when someone last checked all of this. Only
labels are words of ours (registry keys); names, descriptions and addresses
are the NGO's own and are shown as written.
"""

from __future__ import annotations

from typing import Any

from bot.directory.hours import OpenState, always_open, hours_rows, weekly_hours
from bot.directory.models import Address, Location, Service
from bot.directory.national import readable_phone
from bot.directory.search import Match

OPEN_STATE_KEYS = {
    OpenState.OPEN: "services.card.open_now",
    OpenState.CLOSED: "services.card.closed_now",
    OpenState.UNKNOWN: "services.card.hours_unknown",
}


def service_card(match: Match) -> dict[str, Any]:
    service, location = match.service, match.location
    lines: list[dict[str, Any]] = []
    if service.description:
        lines.append({"text": service.description.strip()})
    if service.trafficking_specialist:
        lines.append({"key": "services.card.specialist"})
    if service.confidential:
        lines.append({"key": "services.card.confidential"})
    for phone in _phones(service, location):
        lines.append({"key": "services.card.phone", "args": {"phone": phone}})
    address = _address(location)
    if address:
        lines.append({"key": "services.card.address", "args": {"address": address}})
    if match.national:
        lines.append({"key": "services.card.national"})
    elif match.distance_km is not None:
        distance = max(1, round(match.distance_km))
        lines.append({"key": "services.card.distance", "args": {"distance": distance}})
    lines.extend(_hours_lines(match))
    languages = _languages(match)
    if languages:
        lines.append(
            {"key": "services.card.languages", "args": {"languages": {"languages": languages}}}
        )
    if service.assured_date is not None and not _machine_drafted(service):
        verified = {"date": service.assured_date.isoformat()}
        lines.append({"key": "services.card.verified", "args": {"date": verified}})
    else:
        lines.append({"key": "services.card.never_verified"})
    card: dict[str, Any] = {"key": "services.card", "args": {"name": service.name}, "lines": lines}
    if location is not None and location.latitude is not None and location.longitude is not None:
        card["place"] = {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "title": service.name,
            "address": address,
        }
    return card


def _phones(service: Service, location: Location | None) -> list[str]:
    numbers = [phone.number for phone in service.phones]
    return [readable_phone(n) for n in dict.fromkeys(numbers)]  # in order, once each


def _address(location: Location | None) -> str:
    if location is None or not location.addresses:
        return ""
    address: Address = location.addresses[0]
    parts = [address.address_1, address.address_2, address.city, address.postal_code]
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _hours_lines(match: Match) -> list[dict[str, Any]]:
    if always_open(match.schedules):
        return [{"key": "services.card.always_open"}]
    state = {"key": OPEN_STATE_KEYS[match.open_state]}
    rows = hours_rows(weekly_hours(match.schedules))
    if not rows:
        return [state]
    return [{"key": "services.card.hours", "args": {"hours": {"weekly": rows}}}, state]


def _languages(match: Match) -> list[str]:
    return list(dict.fromkeys(code.lower() for code in match.languages if code))


def _machine_drafted(service: Service) -> bool:
    """Seed rows record when they were drafted, not that an NGO checked them."""
    return (service.assurer_email or "").lower().startswith("machine-drafted")
