"""Finding a service: fill the need and the place, then show who can help.

The model only says that someone looks for help. Which help, and where, is read
from the words themselves: the lexicons' service terms (`bot.directory.needs`)
and the offline gazetteer (`bot.directory.places`), in any language or script,
or from a button the bot offered, or from a shared location.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from bot.db.session import session_factory
from bot.directory import places
from bot.directory.cards import service_card
from bot.directory.models import NEEDS
from bot.directory.needs import find_need
from bot.directory.search import Person, Where, find_services
from bot.formats import country_name
from bot.settings import get_settings
from bot.stats import Stats

log = logging.getLogger(__name__)

FORM = "find_service_form"
PAGE_SIZE = 3

# Intents that mean "I want something else now": when a message with one of
# them names no need and no place, the search steps aside and rules answer it
# (nlu/data/rules/services.yml). Button payloads and the crisis lexicon arrive
# with confidence 1.0; a model guess must be fairly sure to end a search.
LEAVING_INTENTS = frozenset(
    {
        "emergency",
        "self_harm",
        "request_human",
        "deny",
        "goodbye",
        "thanks",
        "report_exploitation",
        "know_rights",
        "job_offer_check",
        "privacy_info",
    }
)
LEAVING_CONFIDENCE = 0.5


def _language(tracker: Tracker) -> str:
    return str(tracker.get_slot("language") or "en")


def _is_leaving(tracker: Tracker) -> bool:
    intent = tracker.latest_message.get("intent") or {}
    return (
        intent.get("name") in LEAVING_INTENTS
        and float(intent.get("confidence") or 0) >= LEAVING_CONFIDENCE
    )


def _typed_text(tracker: Tracker) -> str:
    """What the person wrote; a button payload (/intent{...}) is not words."""
    text = str(tracker.latest_message.get("text") or "")
    return "" if text.startswith("/") else text


def _place_value(
    name: str, latitude: float, longitude: float, country: str | None
) -> dict[str, Any]:
    return {"name": name, "latitude": latitude, "longitude": longitude, "country": country}


def _found(place: places.Place) -> dict[str, Any]:
    return {"place": _place_value(place.name, place.latitude, place.longitude, place.country_code)}


class ValidateFindServiceForm(FormValidationAction):
    def name(self) -> str:
        return "validate_find_service_form"

    async def extract_service_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        chosen = next(tracker.get_latest_entity_values("service_type"), None)
        if chosen in NEEDS:
            return {"service_type": chosen}
        need = find_need(_typed_text(tracker), language=_language(tracker))
        if need is not None:
            return {"service_type": need}
        if tracker.get_slot("requested_slot") == "service_type" and not _is_leaving(tracker):
            # Setting the slot (to nothing) keeps the form going: it asks again,
            # with the buttons, instead of dropping the person's search.
            return {"service_type": None}
        return {}

    async def extract_place(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        chosen = next(tracker.get_latest_entity_values("place"), None)
        if chosen is not None and str(chosen).isdigit():
            place = places.place_by_id(int(chosen))
            if place is not None:
                return _found(place)
        shared = _shared_location(tracker)
        if shared is not None:
            latitude, longitude = shared
            nearest = places.nearest_place(latitude, longitude)
            # Far from any town: the coordinates themselves name the place.
            name = nearest.name if nearest else f"{latitude:.2f}, {longitude:.2f}"
            country = nearest.country_code if nearest else None
            return {"place": _place_value(name, latitude, longitude, country)}
        text = _typed_text(tracker)
        if text:
            lookup = places.find_place(text, country=_known_country(tracker))
            if lookup.place is not None:
                return _found(lookup.place)
            if lookup.candidates:
                # Ambiguous: the form goes on and action_ask_place offers the candidates.
                return {"place": None}
        if tracker.get_slot("requested_slot") == "place" and not _is_leaving(tracker):
            return {"place": None}  # not a place we know: asked again, the search goes on
        return {}


def _known_country(tracker: Tracker) -> str | None:
    """The country already known: of the last place found, else the conversation's."""
    place = tracker.get_slot("place")
    if isinstance(place, dict) and place.get("country"):
        return str(place["country"])
    country = tracker.get_slot("country")
    return str(country) if country else None


def _shared_location(tracker: Tracker) -> tuple[float, float] | None:
    latitude = next(tracker.get_latest_entity_values("latitude"), None)
    longitude = next(tracker.get_latest_entity_values("longitude"), None)
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


class ActionAskServiceType(Action):
    def name(self) -> str:
        return "action_ask_service_type"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # After a shared location, the country is known before any result: the
        # gateway gives that country's numbers from this answer on.
        dispatcher.utter_message(json_message={**need_question(), **_country_tag(tracker)})
        return []


def _country_tag(tracker: Tracker) -> dict[str, str]:
    place = tracker.get_slot("place")
    if isinstance(place, dict) and place.get("country"):
        return {"country": str(place["country"])}
    return {}


def need_question() -> dict[str, Any]:
    buttons = [
        {"key": f"need.{need}", "payload": f'/choose_need{{"service_type": "{need}"}}'}
        for need in NEEDS
    ]
    return {"key": "services.ask_need", "args": {}, "buttons": buttons}


class ActionAskPlace(Action):
    """Ask where the person is: which of several places, or again if the name was
    not one we know, or for the first time."""

    def name(self) -> str:
        return "action_ask_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = _typed_text(tracker)
        candidates = places.find_place(text, country=_known_country(tracker)).candidates
        if candidates:
            language = _language(tracker)
            labels = places.labels(candidates)
            buttons = [
                {
                    "title": _place_button(place, label, language),
                    "payload": f'/choose_place{{"place": "{place.geonameid}"}}',
                }
                for place, label in zip(candidates, labels, strict=True)
            ]
            question = {"key": "services.which_place", "args": {}, "buttons": buttons}
        elif text and _asked_for_place_last(tracker):
            question = {"key": "services.place_unknown", "args": {}}
        else:
            question = {"key": "services.ask_place", "args": {}}
        dispatcher.utter_message(json_message=question)
        return []


def _place_button(place: places.Place, label: str, language: str) -> str:
    """The gazetteer's label, with the country named in the reader's language."""
    country = country_name(place.country_code, language)
    return label.replace(f", {place.country_code}", f", {country}", 1)


def _asked_for_place_last(tracker: Tracker) -> bool:
    """Whether "where are you?" was the open question when this message came.

    The form runs the ask action itself, so the tracker holds no event for it;
    the `requested_slot` set before the latest user message says what was asked.
    """
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "requested_slot":
            return bool(event.get("value") == "place")
    return False


class ActionShowServices(Action):
    """The form is complete: search, show the first page, and forget the need."""

    def name(self) -> str:
        return "action_show_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        need = tracker.get_slot("service_type")
        now = datetime.now(UTC)
        shown = await _show_page(dispatcher, tracker, need, offset=0, now=now)
        # The need is cleared so the next request asks again; the place is kept,
        # so "and a lawyer?" needs no second "where are you?".
        return [
            SlotSet("service_type", None),
            SlotSet("search_need", need),
            SlotSet("search_shown", float(shown)),
            SlotSet("search_at", now.timestamp()),
        ]


class ActionMoreServices(Action):
    def name(self) -> str:
        return "action_more_services"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        need = tracker.get_slot("search_need")
        if need not in NEEDS or not tracker.get_slot("place"):
            dispatcher.utter_message(json_message=need_question())
            return []
        offset = int(tracker.get_slot("search_shown") or 0)
        searched = tracker.get_slot("search_at")
        now = datetime.fromtimestamp(searched, UTC) if searched else datetime.now(UTC)
        shown = await _show_page(dispatcher, tracker, need, offset=offset, now=now)
        return [SlotSet("search_shown", float(shown))]


async def _show_page(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    need: str,
    *,
    offset: int,
    now: datetime,
) -> int:
    """Send results offset..offset+3 and return how many have been shown in all."""
    found = tracker.get_slot("place") or {}
    place = str(found.get("name") or "")
    country = found.get("country")
    where = Where(
        latitude=found.get("latitude"),
        longitude=found.get("longitude"),
        country=country,
        names=(place,) if place else (),
    )
    person = Person(language=_language(tracker))
    try:
        cards = await asyncio.to_thread(_search, need, where, person, now)
    except SQLAlchemyError:
        log.exception("the services directory could not be read")
        dispatcher.utter_message(json_message={"key": "services.hotline_only", "args": {}})
        return offset
    # The country travels with the answer: the gateway gives that country's
    # emergency number and hotline from now on.
    tag = _country_tag(tracker)
    page = cards[offset : offset + PAGE_SIZE]
    if not page:
        key = "services.none_local" if offset == 0 else "services.no_more"
        dispatcher.utter_message(
            json_message={"key": key, "args": {"place": place}, "picker": "menu", **tag}
        )
        return offset
    if offset == 0:
        dispatcher.utter_message(
            json_message={
                "key": "services.found",
                "args": {"count": len(page), "place": place},
                **tag,
            }
        )
    shown = offset + len(page)
    for index, card in enumerate(page):
        if index == len(page) - 1:
            card["buttons"] = _after_results(more=shown < len(cards))
        dispatcher.utter_message(json_message=card)
    return shown


def _after_results(*, more: bool) -> list[dict[str, str]]:
    buttons = [{"key": "services.more", "payload": "/more_services"}] if more else []
    buttons.append({"key": "services.other_need", "payload": "/find_service"})
    buttons.append({"key": "menu.talk_to_person", "payload": "/request_human"})
    return buttons


def _search(need: str, where: Where, person: Person, now: datetime) -> list[dict[str, Any]]:
    """Every match as a card, ranked; built inside the session that loaded them."""
    sessions = session_factory(get_settings().resolved_database_url())
    with sessions() as session:
        matches = find_services(session, need, where, person, now)
        cards = [service_card(match) for match in matches]
    # Counts only: which needs people have, in which languages and countries.
    Stats(sessions).count("service_search", person.language or "und", need, where.country)
    return cards
