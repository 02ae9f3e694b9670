"""A fake Telegram Bot API server, so that tests never reach the internet.

PTB, in the test or in a gateway subprocess, talks to it over real HTTP on 127.0.0.1:

    with FakeBotAPI(token="123:ABC") as api:
        app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).build())
        api.send_text(42, "hello")                  # a user writes to the bot
        call = api.wait_for_sync("sendMessage")     # ...and the bot answered
        assert call.params["chat_id"] == 42

What it owns:
- the server: aiohttp.web in a background thread with its own event loop;
- a small model of Telegram: chats, per-chat message history (ids increase per chat),
  deletions, pending updates (getUpdates' offset/timeout/limit/allowed_updates), the
  webhook registration, bot commands, callback queries and files;
- helpers that inject what users do (send_text, press_button, ...);
- a thread-safe record of every answered request (calls, requests, sent, wait_for);
- failure injection (fail_next: 429 with retry_after, 5xx, late answers).

Error descriptions are Telegram's. Where the model is simpler, a comment says "Simplified".
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import html
import itertools
import json
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

Json = dict[str, Any]
Predicate = Callable[["Call"], bool] | str

# Methods that only read state; sent() leaves them out.
READ_METHODS = {"getMe", "getUpdates", "getWebhookInfo", "getMyCommands", "getChat", "getFile"}
# With allowed_updates unset or empty, Telegram sends every update type but these.
OPT_IN_UPDATES = {"chat_member", "message_reaction", "message_reaction_count"}
CHAT_ACTIONS = set(
    "typing upload_photo record_video upload_video record_voice upload_voice upload_document"
    " choose_sticker find_location record_video_note upload_video_note".split()
)
# PTB sends each form field JSON-encoded unless its value is a str, so "42" may be a number or
# a text. These parameters are always strings: a message text "42" stays text.
STRING_PARAMS = set(
    "text caption parse_mode url secret_token callback_query_id title address action"
    " inline_message_id language_code ip_address file_id foursquare_id foursquare_type"
    " google_place_id google_place_type business_connection_id message_effect_id name"
    " description short_description emoji question photo document voice audio video".split()
)
TOKEN_RE = re.compile(r"^\d+:[\w-]+$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
GROUP_MEMBER_ID = 5550001  # who writes in a group when a test names nobody
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup"
    " are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
DEFAULT_ERRORS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict",
    429: "Too Many Requests: retry after",  # + the seconds
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class Call:
    """One answered request: decoded params, HTTP status, result (or error description)."""

    method: str
    params: Json
    status: int = 200
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class ApiError(Exception):
    """Raised by a method handler; answered in Telegram's error envelope."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def response(self) -> web.Response:
        body: Json = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return web.json_response(body, status=self.status)


class _ClientGone(Exception):
    """The client of a waiting long poll left (PTB cancels its poll when it stops)."""


class InjectedUpdate(dict):
    """An update as queued for the bot, with shortcuts to the ids tests need."""

    @property
    def update_id(self) -> int:
        return self["update_id"]

    @property
    def message_id(self) -> int | None:
        query = self.get("callback_query") or {}
        msg = self.get("message") or self.get("edited_message") or query.get("message")
        return msg["message_id"] if msg else None

    @property
    def callback_query_id(self) -> str | None:
        return (self.get("callback_query") or {}).get("id")


def _int(value: Any, default: int | None = 0) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _decode(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id="@channel"


def _text_of(params: Json) -> str:
    text = str(params.get("text") or "")
    # Simplified: HTML tags are stripped without computing entities; Markdown stays verbatim.
    if str(params.get("parse_mode") or "").lower() == "html":
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    return text


async def _read_params(request: web.Request) -> Json:
    """Parameters from the query string and a JSON, form-urlencoded or multipart body."""
    params = {k: _decode(k, v) for k, v in request.query.items()}
    if request.content_type == "application/json":
        raw = await request.text()
        body = json.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the JSON body is not an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            is_file = isinstance(value, web.FileField)
            params[key] = value.file.read() if is_file else _decode(key, value)
    return params


class FakeBotAPI:
    """The fake server and its model of Telegram. Every public method is thread-safe."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "fake_helpline_bot",
        first_name: str = "Helpline",
        echo: bool = False,
    ) -> None:
        self.token, self.host, self.port, self.echo = token, host, port, echo
        self.bot_user: Json = {
            "id": _int(token.split(":")[0], 1),
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._calls: list[Call] = []
        self._failures: dict[str, list[Json]] = {}
        # Each entry: [update, handed out yet, pushed with an explicit update_id]
        self._pending: list[list] = []
        self._last_update_id = 100000
        self._allowed: list[str] | None = None
        self._poll_generation = 0
        self._webhook: Json = {"url": ""}
        self._commands: dict[tuple[str, str], list] = {}
        self._chats: dict[int, Json] = {}
        self._history: dict[int, dict[int, Json]] = {}
        self._deleted: dict[int, list[int]] = {}
        self._left: set[int] = set()
        self._blocked: set[int] = set()
        self._callbacks: dict[str, Json | None] = {}  # query id -> answer (None: unanswered)
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._serial = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._update_event: asyncio.Event | None = None
        self._closing = False

    # -- lifecycle and addresses ---------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"  # PTB appends "<token>/<method>"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FakeBotAPI:
        if self._thread:
            return self
        ready, errors = threading.Event(), []
        self._closing = False
        self._thread = threading.Thread(
            target=self._serve, args=(ready, errors), name="FakeBotAPI", daemon=True
        )
        self._thread.start()
        if not ready.wait(10) or errors:
            self._thread = None
            raise RuntimeError(f"FakeBotAPI could not start: {errors}")
        return self

    def stop(self) -> None:
        if not self._thread or not self._loop:
            return
        self._closing = True
        self._wake_pollers()  # waiting long polls answer [] instead of holding shutdown up
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = self._loop = None

    def _serve(self, ready: threading.Event, errors: list) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.TCPSite(runner, self.host, self.port).start())
            self.port = runner.addresses[0][1]
            self._update_event, self._loop = asyncio.Event(), loop
        except Exception as exc:  # e.g. the port is taken: start() raises it
            errors.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    # -- HTTP ----------------------------------------------------------------------------
    async def _not_found(self, request: web.Request) -> web.Response:
        return ApiError(404, "Not Found").response()

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        with self._lock:
            files = dict(self._files.values())
        if (content := files.get(request.match_info["path"])) is None:
            return ApiError(404, "Not Found").response()
        return web.Response(body=content)

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != self.token:  # Telegram: 401 for a well-formed unknown token, else 404
            if TOKEN_RE.match(token):
                return ApiError(401, "Unauthorized").response()
            return ApiError(404, "Not Found").response()
        method = _METHODS.get(method.lower(), method)  # method names are case-insensitive
        params: Json = {}
        try:
            params = await _read_params(request)
            with self._lock:
                queue = self._failures.get(method)
                plan = queue.pop(0) if queue else None
            if plan and plan["delay"]:
                await asyncio.sleep(plan["delay"])  # then answer as planned, like a slow Telegram
            if plan and plan["error"]:
                raise plan["error"]
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                result: Any = True  # any other method: recorded and accepted
            elif method == "getUpdates":
                result = await handler(params, request)
            else:
                with self._lock:
                    result = handler(params)
        except _ClientGone:  # nobody to answer, nothing to record
            return web.Response(status=499)
        except ValueError as exc:  # unparsable body or parameter
            return self._fail(method, params, ApiError(400, f"Bad Request: {exc}"))
        except ApiError as err:
            return self._fail(method, params, err)
        except Exception as exc:  # a bug in the fake: answer 500 and show it, never hang a test
            traceback.print_exc()
            return self._fail(method, params, ApiError(500, f"Internal Server Error: {exc!r}"))
        self._record(Call(method, params, 200, result))
        return web.json_response({"ok": True, "result": result})

    def _fail(self, method: str, params: Json, err: ApiError) -> web.Response:
        self._record(Call(method, params, err.status, err.description))
        return err.response()

    # -- recording and waiting -----------------------------------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)
            self._changed.notify_all()
            waiters = list(self._async_waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that test's loop is closed already
                pass
        if self.echo and call.method != "getUpdates":
            shown = json.dumps(call.params, default=repr, ensure_ascii=False)
            print(f"{call.status} {call.method} {shown}", file=sys.stderr, flush=True)

    @property
    def calls(self) -> list[Call]:
        """Every answered request, in order, with its status and result."""
        with self._lock:
            return list(self._calls)

    @property
    def requests(self) -> list[tuple[str, Json]]:
        """Every answered request as (method, params), in order."""
        return [(c.method, c.params) for c in self.calls]

    def sent(
        self, chat_id: int | str | None = None, method: str | tuple | None = None
    ) -> list[Call]:
        """Successful requests by which the bot acted (all but the reading methods)."""
        methods = {method} if isinstance(method, str) else set(method or ())
        return [
            c
            for c in self.calls
            if c.ok
            and c.method not in READ_METHODS
            and (not methods or c.method in methods)
            and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def messages(self, chat_id: int) -> list[Json]:
        """The chat's visible messages, the user's and the bot's, oldest first."""
        with self._lock:
            gone = set(self._deleted.get(chat_id, ()))
            history = sorted(self._history.get(chat_id, {}).items())
            return [copy.deepcopy(m) for i, m in history if i not in gone]

    def deleted(self, chat_id: int) -> list[int]:
        """Ids of the chat's deleted messages, in the order they were deleted."""
        with self._lock:
            return list(self._deleted.get(chat_id, ()))

    @property
    def webhook(self) -> Json:
        """The webhook as setWebhook recorded it, secret_token included ({"url": ""} if none)."""
        with self._lock:
            return dict(self._webhook)

    def _match(self, predicate: Predicate, since: int) -> Call | None:
        test = (lambda c: c.method == predicate) if isinstance(predicate, str) else predicate
        with self._lock:
            return next((c for c in self._calls[since:] if test(c)), None)

    def _timeout(self, predicate: Predicate, timeout: float) -> TimeoutError:
        seen = [f"{c.method}:{c.status}" for c in self.calls if c.method != "getUpdates"]
        return TimeoutError(f"no request matched {predicate!r} in {timeout}s; saw {seen[-15:]}")

    def wait_for_sync(self, predicate: Predicate, timeout: float = 5.0, *, since: int = 0) -> Call:
        """Block until a request recorded at index >= `since` matches `predicate` (a callable
        on Call, or a method name) and return it. The predicate is re-checked each time a
        request is recorded. Never call this on the event loop that runs the bot."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while (found := self._match(predicate, since)) is None:
                if (remaining := deadline - time.monotonic()) <= 0:
                    raise self._timeout(predicate, timeout)
                self._changed.wait(remaining)
            return found

    async def wait_for(self, predicate: Predicate, timeout: float = 5.0, *, since: int = 0) -> Call:
        """Async wait_for_sync: wakes on each newly recorded request, never sleeps blindly."""
        loop, event = asyncio.get_running_loop(), asyncio.Event()
        with self._lock:
            self._async_waiters.add((loop, event))  # before the first check: no wake is lost
        try:
            deadline = loop.time() + timeout
            while (found := self._match(predicate, since)) is None:
                if (remaining := deadline - loop.time()) <= 0:
                    raise self._timeout(predicate, timeout)
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    pass
                event.clear()
            return found
        finally:
            with self._lock:
                self._async_waiters.discard((loop, event))

    # -- failure injection and webhook delivery ------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int | None = None,
        *,
        retry_after: int | None = None,
        delay: float = 0.0,
        count: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next `count` calls of `method` fail with `status` (a 429 carries
        parameters.retry_after, 1 by default) and/or be answered `delay` seconds late.
        A late call without a status still takes effect, as on a slow Telegram."""
        if status is None and not delay:
            raise ValueError("fail_next needs a status, a delay or both")
        if status == 429 and retry_after is None:
            retry_after = 1
        error = None
        if status:
            text = DEFAULT_ERRORS.get(status, f"Error {status}")
            text = description or (f"{text} {retry_after}" if status == 429 else text)
            extra = {"retry_after": retry_after} if retry_after else {}
            error = ApiError(status, text, **extra)
        with self._lock:
            queue = self._failures.setdefault(_METHODS.get(method.lower(), method), [])
            queue.extend([{"error": error, "delay": delay}] * count)

    def block_bot(self, chat_id: int) -> None:
        """The user blocks the bot: what it sends to that chat now answers 403."""
        with self._lock:
            self._blocked.add(chat_id)

    async def _post_update(self, url: str, update: Json, secret_token: str | None) -> int:
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            async with session.post(url, json=dict(update), headers=headers) as response:
                status = response.status
        if 200 <= status < 300:  # delivered, so no longer pending
            with self._lock:
                uid = update.get("update_id")
                self._pending = [e for e in self._pending if e[0]["update_id"] != uid]
        return status

    async def deliver_to_webhook(
        self, url: str, update: Json, secret_token: str | None = None
    ) -> int:
        """POST `update` to a webhook as Telegram does, the secret header only if given, and
        return the HTTP status. It runs on the fake's loop, so a webhook served by the
        caller's own loop can still answer."""
        coro = self._post_update(url, update, secret_token)
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def deliver_to_webhook_sync(
        self, url: str, update: Json, secret_token: str | None = None
    ) -> int:
        coro = self._post_update(url, update, secret_token)
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=60)

    # -- injecting what users do ---------------------------------------------------------
    def push_update(self, update: Json) -> InjectedUpdate:
        """Queue a raw update. Without an update_id it gets the next one. An explicit id is
        kept, later ids continue above it, and the update is handed out once even if the
        bot's offset is past it: that is how a test replays an id (a duplicate)."""
        update = InjectedUpdate(copy.deepcopy(update))
        with self._lock:
            explicit = "update_id" in update
            update.setdefault("update_id", self._last_update_id + 1)
            self._last_update_id = max(self._last_update_id, update["update_id"])
            self._pending.append([copy.deepcopy(dict(update)), False, explicit])
        self._wake_pollers()
        return update

    def register_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        user: Json | None = None,
    ) -> Json:
        """Make a chat known; Telegram answers "chat not found" for chats the bot never saw."""
        with self._lock:
            if chat_id not in self._chats:
                if chat_type == "private":
                    user = user or self._make_user(None, chat_id, None)
                    chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
                    chat.update({k: user[k] for k in ("last_name", "username") if k in user})
                else:
                    title = title or f"Test {chat_type} {chat_id}"
                    chat = {"id": chat_id, "type": chat_type, "title": title}
                self._chats[chat_id] = chat
            return copy.deepcopy(self._chats[chat_id])

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        entities: list | None = None,
        reply_to: int | None = None,
        **who: Any,
    ) -> InjectedUpdate:
        """A user writes `text`. Every injecting helper takes `who`: user (an id or a User
        dict; by default the private chat's owner, user id == chat id), chat_type
        ("private"), language_code ("en") and title (of a group)."""
        content: Json = {"text": text, **({"entities": entities} if entities else {})}
        with self._lock:
            if reply_to is not None and (target := self._find(chat_id, reply_to)):
                content["reply_to_message"] = copy.deepcopy(target)
        return self._user_message(chat_id, content, **who)

    def send_command(
        self, chat_id: int, command: str, args: str = "", **who: Any
    ) -> InjectedUpdate:
        """A user sends "/command args" with the bot_command entity CommandHandler needs."""
        text = command if command.startswith("/") else f"/{command}"
        text = f"{text} {args}" if args else text
        # Entity offsets and lengths count UTF-16 code units.
        length = len(text.split(" ", 1)[0].encode("utf-16-le")) // 2
        entity = {"type": "bot_command", "offset": 0, "length": length}
        return self._user_message(chat_id, {"text": text, "entities": [entity]}, **who)

    def press_button(
        self, chat_id: int, message_id: int, data: str, *, user: Any = None, check: bool = True
    ) -> InjectedUpdate:
        """A user presses an inline button of a visible bot message. With `check`, `data` must
        be one of its buttons' callback_data, as a real client can only press what it shows."""
        with self._lock:
            msg = self._find(chat_id, message_id)
            if msg is None:
                raise ValueError(f"no visible message {message_id} in chat {chat_id}")
            rows = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
            buttons = [button.get("callback_data") for row in rows for button in row]
            if check and data not in buttons:
                raise ValueError(f"message {message_id} has no button {data!r}, only {buttons}")
            query_id = str(10**12 + next(self._serial))
            self._callbacks[query_id] = None
            private = msg["chat"]["type"] == "private"
            sender = self._make_user(user, chat_id if private else GROUP_MEMBER_ID, "en")
            query = {
                "id": query_id,
                "from": sender,
                "message": copy.deepcopy(msg),
                "chat_instance": str(abs(chat_id) * 31 + 7),
                "data": data,
            }
        return self.push_update({"callback_query": query})

    def send_location(
        self, chat_id: int, latitude: float, longitude: float, **who: Any
    ) -> InjectedUpdate:
        location = {"latitude": latitude, "longitude": longitude}
        return self._user_message(chat_id, {"location": location}, **who)

    def send_sticker(self, chat_id: int, emoji: str = "🙂", **who: Any) -> InjectedUpdate:
        sticker = {
            **self._new_file("stickers", b"RIFF fake webp", "webp"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(chat_id, {"sticker": sticker}, **who)

    def send_voice(
        self, chat_id: int, duration: int = 3, content: bytes = b"OggS fake voice", **who: Any
    ) -> InjectedUpdate:
        voice = {**self._new_file("voice", content, "oga"), "duration": duration}
        return self._user_message(chat_id, {"voice": {**voice, "mime_type": "audio/ogg"}}, **who)

    def send_photo(
        self,
        chat_id: int,
        caption: str | None = None,
        content: bytes = b"\xff\xd8 fake jpeg",
        **who: Any,
    ) -> InjectedUpdate:
        # Telegram sends several sizes of one photo, smallest first.
        sizes = [
            {**self._new_file("photos", content, "jpg"), "width": width, "height": width * 3 // 4}
            for width in (90, 1280)
        ]
        content_ = {"photo": sizes, **({"caption": caption} if caption else {})}
        return self._user_message(chat_id, content_, **who)

    def send_document(
        self,
        chat_id: int,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        content: bytes = b"%PDF-1.4 fake",
        **who: Any,
    ) -> InjectedUpdate:
        document = self._new_file("documents", content, file_name.rsplit(".", 1)[-1])
        document.update(file_name=file_name, mime_type=mime_type)
        content_ = {"document": document, **({"caption": caption} if caption else {})}
        return self._user_message(chat_id, content_, **who)

    def edit_text(self, chat_id: int, message_id: int, text: str) -> InjectedUpdate:
        """A user edits one of their text messages: the bot gets an edited_message update."""
        with self._lock:
            msg = self._find(chat_id, message_id)
            if msg is None or msg["from"]["id"] == self.bot_user["id"] or "text" not in msg:
                raise ValueError(f"no visible user text message {message_id} in chat {chat_id}")
            msg.update(text=text, edit_date=int(time.time()))
            msg.pop("entities", None)
            edited = copy.deepcopy(msg)
        return self.push_update({"edited_message": edited})

    def add_to_group(
        self,
        chat_id: int,
        *,
        title: str = "Helpline test group",
        chat_type: str = "supergroup",
        user: Any = None,
    ) -> InjectedUpdate:
        """Someone adds the bot to a group: a my_chat_member update, then the service message
        with new_chat_members, which is returned. Later helpers for chat_id write in the group."""
        with self._lock:
            adder = self._make_user(user, GROUP_MEMBER_ID, "en")
            chat = self.register_chat(chat_id, chat_type, title=title)
            self._left.discard(chat_id)
            bot = self._bot_from()
        member = {
            "chat": chat,
            "from": adder,
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "member", "user": bot},
        }
        self.push_update({"my_chat_member": member})
        who = {"user": adder, "chat_type": chat_type, "title": title}
        return self._user_message(chat_id, {"new_chat_members": [bot]}, **who)

    def _make_user(self, user: Any, default_id: int, language_code: str | None) -> Json:
        if isinstance(user, dict):
            return {"is_bot": False, "first_name": f"User{user['id']}", **user}
        uid = default_id if user is None else int(user)
        made: Json = {"id": uid, "is_bot": False, "first_name": f"User{uid}"}
        return {**made, "language_code": language_code} if language_code else made

    def _user_message(
        self,
        chat_id: int,
        content: Json,
        *,
        user: Any = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        title: str | None = None,
    ) -> InjectedUpdate:
        with self._lock:
            chat_type = self._chats.get(chat_id, {}).get("type", chat_type)  # a known chat's wins
            default_id = chat_id if chat_type == "private" else GROUP_MEMBER_ID
            sender = self._make_user(user, default_id, language_code)
            chat = self.register_chat(chat_id, chat_type, title=title, user=sender)
            msg = self._store({"from": sender, "chat": chat, **content})
        return self.push_update({"message": msg})

    def _new_file(self, folder: str, content: bytes, ext: str) -> Json:
        n = next(self._serial)
        with self._lock:
            self._files[f"fake-{folder}-{n}"] = (f"{folder}/file_{n}.{ext}", content)
        return {
            "file_id": f"fake-{folder}-{n}",
            "file_unique_id": f"u{n}",
            "file_size": len(content),
        }

    # -- the model (called with the lock held) -------------------------------------------
    def _wake_pollers(self) -> None:
        if (loop := self._loop) is not None:
            try:
                loop.call_soon_threadsafe(self._swap_update_event)
            except RuntimeError:  # the loop has stopped
                pass

    def _swap_update_event(self) -> None:
        event, self._update_event = self._update_event, asyncio.Event()
        event.set()

    def _store(self, msg: Json) -> Json:
        """Give a message the next id of its chat, keep it and return a copy."""
        history = self._history.setdefault(msg["chat"]["id"], {})
        msg = {"message_id": max(history, default=0) + 1, "date": int(time.time()), **msg}
        history[msg["message_id"]] = msg
        return copy.deepcopy(msg)

    def _find(self, chat_id: Any, message_id: Any) -> Json | None:
        chat_id, message_id = _int(chat_id), _int(message_id)
        if message_id in self._deleted.get(chat_id, ()):
            return None
        return self._history.get(chat_id, {}).get(message_id)

    def _chat(self, params: Json, *, sending: bool = True) -> Json:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(chat_id if isinstance(chat_id, int) else _int(chat_id, None))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if sending and chat["id"] in self._left:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        return chat

    def _bot_from(self) -> Json:
        # In messages the bot is a plain User, without getMe's capability flags.
        return {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}

    def _bot_message(self, params: Json, **content: Any) -> Json:
        chat = self._chat(params)
        msg: Json = {"from": self._bot_from(), "chat": copy.deepcopy(chat), **content}
        markup = params.get("reply_markup")
        # Only an inline keyboard belongs to the message; reply keyboards are not echoed.
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            msg["reply_markup"] = markup
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"]}
        if reply:
            target = self._find(chat["id"], reply.get("message_id"))
            allowed = reply.get("allow_sending_without_reply")
            if target:
                msg["reply_to_message"] = {
                    k: v for k, v in target.items() if k != "reply_to_message"
                }
            elif not (allowed or params.get("allow_sending_without_reply")):
                raise ApiError(400, "Bad Request: message to be replied not found")
        if params.get("protect_content"):
            msg["has_protected_content"] = True
        return self._store(msg)

    def _editable(self, params: Json) -> Json:
        msg = self._find(self._chat(params)["id"], params.get("message_id"))
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if msg["from"]["id"] != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return msg

    def _apply_edit(self, msg: Json, params: Json, **changes: Any) -> Json:
        markup = params.get("reply_markup")
        # An edit that does not resend the inline keyboard removes it, as on Telegram.
        inline = isinstance(markup, dict) and markup.get("inline_keyboard")
        changes["reply_markup"] = markup if inline else None
        if all(msg.get(k) == v for k, v in changes.items()):
            raise ApiError(400, NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                msg.pop(key, None)
            else:
                msg[key] = value
        msg["edit_date"] = int(time.time())
        return copy.deepcopy(msg)

    def _take_updates(self, offset: int, limit: int) -> list[Json]:
        if offset < 0:  # -N keeps only the newest N and forgets the rest
            self._pending = self._pending[offset:]
        elif offset:
            # Updates below `offset` are confirmed and forgotten, except a test's replayed id
            # that was not handed out yet (see push_update).
            self._pending = [
                e for e in self._pending if e[0]["update_id"] >= offset or (e[2] and not e[1])
            ]
        allowed = set(self._allowed or ())

        def wanted(update: Json) -> bool:
            kind = next((k for k in update if k != "update_id"), None)
            return kind is None or (kind in allowed if allowed else kind not in OPT_IN_UPDATES)

        # Telegram does not queue types the bot did not ask for, so those are dropped.
        self._pending = [e for e in self._pending if wanted(e[0])]
        for entry in self._pending[:limit]:
            entry[1] = True
        return [copy.deepcopy(e[0]) for e in self._pending[:limit]]

    # -- Bot API methods; all but getUpdates run with the lock held ----------------------
    def _m_getMe(self, p: Json) -> Json:
        return copy.deepcopy(self.bot_user)

    async def _m_getUpdates(self, p: Json, request: web.Request) -> list[Json]:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._webhook["url"]:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active;"
                    " use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in p:  # kept for later calls; [] means the default set
                self._allowed = p["allowed_updates"] or None
            self._poll_generation += 1
            generation = self._poll_generation
        self._wake_pollers()  # an older long poll still waiting learns it was superseded
        offset, limit = _int(p.get("offset")), min(max(_int(p.get("limit"), 100), 1), 100)
        deadline = loop.time() + max(float(p.get("timeout") or 0), 0.0)
        while True:
            event = self._update_event
            if request.transport is None or request.transport.is_closing():
                raise _ClientGone  # checked before taking, so no update is handed to nobody
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request;"
                        " make sure that only one bot instance is running",
                    )
                batch = self._take_updates(offset, limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closing:
                return batch
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    def _m_setWebhook(self, p: Json) -> bool:
        url = str(p.get("url") or "")
        parts = urlsplit(url)
        if url and (parts.scheme != "https" or not parts.hostname):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if url and (parts.port or 443) not in (80, 88, 443, 8443):
            ports = "ports 80, 88, 443 or 8443"
            raise ApiError(400, f"Bad Request: bad webhook: Webhook can be set up only on {ports}")
        secret = p.get("secret_token")
        if secret is not None and not SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._pending.clear()
        if "allowed_updates" in p:
            self._allowed = p["allowed_updates"] or None
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": _int(p.get("max_connections"), 40),
            "ip_address": p.get("ip_address"),
            "has_custom_certificate": bool(p.get("certificate")),
        }
        return True

    def _m_deleteWebhook(self, p: Json) -> bool:
        if p.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook = {"url": ""}
        return True

    def _m_getWebhookInfo(self, p: Json) -> Json:
        hook = self._webhook
        info: Json = {
            "url": hook["url"],
            "pending_update_count": len(self._pending),
            "has_custom_certificate": bool(hook.get("has_custom_certificate")),
        }
        if hook["url"]:
            extra = {"max_connections": hook["max_connections"], "ip_address": hook["ip_address"]}
            info.update({k: v for k, v in {**extra, "allowed_updates": self._allowed}.items() if v})
        return info  # the secret token is never shown back, as on Telegram

    @staticmethod
    def _commands_key(p: Json) -> tuple[str, str]:
        scope = json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True)
        return scope, str(p.get("language_code") or "")

    def _m_setMyCommands(self, p: Json) -> bool:
        self._commands[self._commands_key(p)] = list(p.get("commands") or [])
        return True

    def _m_getMyCommands(self, p: Json) -> list:
        return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    def _m_deleteMyCommands(self, p: Json) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    def _m_sendMessage(self, p: Json) -> Json:
        text = _text_of(p)
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        entities = {"entities": p["entities"]} if p.get("entities") else {}
        return self._bot_message(p, text=text, **entities)

    def _location(self, p: Json) -> Json:
        if p.get("latitude") is None or p.get("longitude") is None:
            raise ApiError(400, "Bad Request: latitude or longitude is empty")
        optional = ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius")
        location = {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])}
        return {**location, **{k: p[k] for k in optional if p.get(k) is not None}}

    def _m_sendLocation(self, p: Json) -> Json:
        return self._bot_message(p, location=self._location(p))

    def _m_sendVenue(self, p: Json) -> Json:
        point = {k: self._location(p)[k] for k in ("latitude", "longitude")}
        optional = ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type")
        venue = {
            "location": point,
            "title": str(p.get("title") or ""),
            "address": str(p.get("address") or ""),
        }
        venue.update({k: p[k] for k in optional if p.get(k)})
        return self._bot_message(p, venue=venue, location=point)  # Telegram sets both

    def _m_sendChatAction(self, p: Json) -> bool:
        self._chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_editMessageText(self, p: Json) -> Json | bool:
        if p.get("inline_message_id"):
            return True  # Simplified: inline messages are not modelled
        msg = self._editable(p)
        if "text" not in msg:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if not (text := _text_of(p)).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._apply_edit(msg, p, text=text, entities=p.get("entities") or None)

    def _m_editMessageReplyMarkup(self, p: Json) -> Json | bool:
        return True if p.get("inline_message_id") else self._apply_edit(self._editable(p), p)

    def _m_deleteMessage(self, p: Json) -> bool:
        chat_id, message_id = self._chat(p, sending=False)["id"], _int(p.get("message_id"))
        if self._find(chat_id, message_id) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._deleted.setdefault(chat_id, []).append(message_id)
        return True

    def _m_deleteMessages(self, p: Json) -> bool:
        chat_id, ids = self._chat(p, sending=False)["id"], p.get("message_ids")
        if not ids or not isinstance(ids, list):
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        if len(ids) > 100:
            raise ApiError(400, "Bad Request: too many message identifiers specified")
        if any(_int(i) <= 0 for i in ids):
            raise ApiError(400, "Bad Request: invalid message identifier specified")
        for message_id in map(int, ids):  # unknown or already deleted ones are skipped
            if self._find(chat_id, message_id) is not None:
                self._deleted.setdefault(chat_id, []).append(message_id)
        return True

    def _m_answerCallbackQuery(self, p: Json) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._callbacks or self._callbacks[query_id] is not None:
            raise ApiError(400, QUERY_TOO_OLD)  # unknown, or answered already
        self._callbacks[query_id] = p
        return True

    def _m_leaveChat(self, p: Json) -> bool:
        self._left.add(self._chat(p, sending=False)["id"])
        return True

    def _m_getChat(self, p: Json) -> Json:
        # A ChatFullInfo: PTB 22 requires these fields besides the Chat ones.
        gift_kinds = (
            "unlimited_gifts limited_gifts unique_gifts premium_subscription gifts_from_channels"
        )
        chat = copy.deepcopy(self._chat(p, sending=False))
        gifts = dict.fromkeys(gift_kinds.split(), False)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _m_getFile(self, p: Json) -> Json:
        if (file_id := str(p.get("file_id") or "")) not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self._files[file_id]
        unique = "u" + file_id.rsplit("-", 1)[-1]
        return {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": len(content),
            "file_path": path,
        }


# The canonical spelling of each modelled method, by its lower-case name.
_METHODS = {name[3:].lower(): name[3:] for name in vars(FakeBotAPI) if name.startswith("_m_")}


def main(argv: list[str] | None = None) -> None:
    """Serve standalone for manual testing; stdin lines "<chat_id> <text>" come from users."""
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server, for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123:ABC")
    args = parser.parse_args(argv)
    with FakeBotAPI(token=args.token, host=args.host, port=args.port, echo=True) as api:
        print(
            f"fake Bot API: base_url={api.base_url} base_file_url={api.base_file_url}", flush=True
        )
        print("type '<chat_id> <text>' to write as that user; Ctrl-C stops", file=sys.stderr)
        try:
            for line in sys.stdin:
                chat, _, text = line.strip().partition(" ")
                if not chat.lstrip("-").isdigit() or not text:
                    print("usage: <chat_id> <text>", file=sys.stderr, flush=True)
                    continue
                (api.send_command if text.startswith("/") else api.send_text)(int(chat), text)
            threading.Event().wait()  # stdin closed (e.g. run in the background): keep serving
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
