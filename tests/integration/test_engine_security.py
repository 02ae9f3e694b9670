"""The Rasa engine listens on loopback only and refuses requests without its token."""

from __future__ import annotations

import socket

import httpx
import pytest

from bot.rasa_client import GATEWAY_WEBHOOK
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def non_loopback_addresses() -> list[str]:
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            # No packet is sent: connecting a UDP socket only picks a route.
            probe.connect(("192.0.2.1", 9))
            found.add(probe.getsockname()[0])
        except OSError:
            pass
    for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
        found.add(str(info[4][0]))
    return sorted(a for a in found if not a.startswith("127."))


def test_engine_is_not_reachable_from_other_addresses(stack: Stack) -> None:
    addresses = non_loopback_addresses()
    if not addresses:
        pytest.skip("this machine has no address besides loopback")
    for address in addresses:
        for port in (stack.settings.rasa_port, stack.settings.actions_port):
            with socket.socket() as sock:
                sock.settimeout(2)
                assert sock.connect_ex((address, port)) != 0, (
                    f"{address}:{port} accepts connections"
                )


def test_api_refuses_requests_without_the_token(stack: Stack) -> None:
    base = stack.settings.rasa_url()
    assert httpx.get(f"{base}/status").status_code in {401, 403}
    assert httpx.post(f"{base}/model/parse", json={"text": "hi"}).status_code in {401, 403}
    assert httpx.get(f"{base}/status", params={"token": "wrong"}).status_code in {401, 403}
    assert httpx.get(f"{base}/status", params={"token": "integration-token"}).status_code == 200


def test_gateway_channel_refuses_requests_without_the_token(stack: Stack) -> None:
    url = f"{stack.settings.rasa_url()}{GATEWAY_WEBHOOK}"
    body = {"sender": "x", "message": "hello"}
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = httpx.post(
        url, json=body, headers={"Authorization": "Bearer integration-token"}, timeout=30
    )
    assert ok.status_code == 200
