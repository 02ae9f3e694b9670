"""Session start: a new conversation takes the language and country the gateway sent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        metadata = tracker.get_slot("session_started_metadata") or {}
        events: list[EventType] = [SessionStarted()]
        for slot in ("language", "country"):
            value = metadata.get(slot)
            if isinstance(value, str) and value:
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
