"""The gateway's way into the Rasa engine: Rasa's REST channel with a token check.

Rasa protects its HTTP API with --auth-token, but not its input channels, so
this channel refuses any request without the same token. It also passes the
gateway's metadata (language, country) on to the tracker.

Runs inside .venv-rasa (Python 3.10); Rasa finds it because it starts in nlu/.
"""

import hmac
import os
from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request


class GatewayInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "gateway"

    def __init__(self, token: Text) -> None:
        if not token:
            raise ValueError("the gateway channel needs a token (HELPLINE_RASA_TOKEN)")
        self.token = token

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GatewayInput":
        token = (credentials or {}).get("token") or os.environ.get("HELPLINE_RASA_TOKEN", "")
        return cls(str(token))

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        given = header[7:] if header.lower().startswith("bearer ") else request.args.get("token", "")
        return hmac.compare_digest(str(given).encode(), self.token.encode())

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        metadata = (request.json or {}).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def require_token(request: Request) -> Optional[response.HTTPResponse]:
            if not self._authorized(request):
                return response.json({"error": "unauthorized"}, status=401)
            return None

        return blueprint
