"""HTTP to the Rasa engine: the gateway channel, the parse API and the health check.

Everything goes to 127.0.0.1 with the engine's token. A failure never raises
into a conversation: callers get `RasaUnavailable` and answer with the
fallback that carries the hotline and emergency numbers.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)

# The custom input channel in nlu/channels/gateway.py: Rasa's REST channel,
# but refusing requests without the token.
GATEWAY_WEBHOOK = "/webhooks/gateway/webhook"


class RasaUnavailable(Exception):
    """The engine did not answer in time, or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, token: str, *, timeout: float) -> None:
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            headers={"Authorization": f"Bearer {token}"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(
        self, pseudonym: str, message: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send one user message; return the semantic messages Rasa answered with."""
        body = {"sender": pseudonym, "message": message, "metadata": metadata}
        answer = await self._request("POST", GATEWAY_WEBHOOK, json=body)
        if not isinstance(answer, list):
            raise RasaUnavailable("unexpected answer shape")
        return [item["custom"] for item in answer if isinstance(item.get("custom"), dict)]

    async def parse(self, text: str) -> dict[str, Any]:
        answer = await self._request("POST", "/model/parse", json={"text": text})
        if not isinstance(answer, dict):
            raise RasaUnavailable("unexpected answer shape")
        return answer

    async def is_ready(self) -> bool:
        """True when the engine answers and has a model loaded."""
        try:
            status = await self._request("GET", "/status")
        except RasaUnavailable:
            return False
        return isinstance(status, dict) and bool(status.get("model_file"))

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(
                method, path, params={"token": self._token}, **kwargs
            )
        except httpx.HTTPError as error:
            raise RasaUnavailable(type(error).__name__) from error
        if response.status_code != 200:
            # Status only: a Rasa error body can echo the user's text.
            log.warning("Rasa engine answered %s on %s", response.status_code, path)
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise RasaUnavailable("answer is not JSON") from error
