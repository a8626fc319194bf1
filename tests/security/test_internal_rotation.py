"""Issue 24 §6: the internal key rotates without refusing a call (docs/operations.md, Rotation).

While ``SCIDAY_INTERNAL_API_KEY_PREVIOUS`` is set, a receiver (notify here; check-in reads the same
setting through :func:`shared.internal.refusal_here`) accepts calls signed with the previous key
as well as the current one, so senders still on the old key keep working while the new one rolls
out; any other key is refused, and once the previous key is dropped, so is it.
"""

from __future__ import annotations

import json
import threading

import pytest
import requests
from werkzeug.serving import make_server

from services.notify.app import create_app as notify_app
from shared import internal
from tests.integration.notify_support import gateway, mailbox, notify_settings

CODES = "/internal/v1/verification-codes"
OLD, NEW, OTHER = b"o" * 32, b"n" * 32, b"x" * 32


def _serve(settings, redis):
    server = make_server("127.0.0.1", 0, notify_app(settings, redis_client=redis), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _send(url: str, key: bytes) -> int:
    body = json.dumps({"phone": "13800138000", "code": "123456", "locale": "en", "minutes": 5}).encode()
    headers = internal.headers(key, "POST", url + CODES, body)
    return requests.post(url + CODES, data=body, headers=headers, timeout=10).status_code


@pytest.mark.parametrize("previous", ["o" * 32, ""])
def test_a_receiver_accepts_the_previous_key_only_during_a_rotation(notify_settings, redis, previous):
    settings = notify_settings.with_overrides(internal_api_key="n" * 32, internal_api_key_previous=previous)
    server, url = _serve(settings, redis)
    try:
        assert _send(url, NEW) == 200
        assert _send(url, OLD) == (200 if previous else 401)
        assert _send(url, OTHER) == 401
    finally:
        server.shutdown()
