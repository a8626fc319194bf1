"""The local SMS gateway: speaks the generic gateway protocol (channels/sms.py) and records what it
receives, for `make run` and the tests.  It sends nothing anywhere.  It stands in for the voice
channel too (issue 29): a message with ``channel`` "voice" is a call, shown with the words it says.

``python -m standins.sms_gateway --port 8004``; the page at ``/`` lists the messages.

- ``POST /api/v1/sms``: checks the signature (when it has a key) and the fields, drops a repeated
  ``client_ref`` (answering the first message id), records the message, answers its id.
- ``GET /api/v1/sms``: the recorded messages and the number of requests; ``DELETE`` clears them.
- ``POST /api/v1/faults`` ``{"count": N}`` or ``{"seconds": S}``, with ``"mode": "before"`` (fail
  without recording: the message is not taken) or ``"after"`` (record, then fail: the provider has
  it but the caller is told otherwise), and ``"status"`` (default 500); or ``{"plan": ["before",
  "after", ...]}``: one mode per coming request.  For outage tests.
"""

from __future__ import annotations

import argparse
import hmac
import itertools
import re
import threading
import time
from datetime import UTC, datetime

from flask import Flask, jsonify, render_template_string, request

from services.notify.channels.sms import signature
from shared.logs import mask_phone
from shared.words import CODE_BY_SMS, CODE_CHANNELS
from standins.serving import Served, until_signalled

MOBILE = re.compile(r"1[0-9]{10}\Z", re.ASCII)  # ASCII digits, no trailing newline
_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>SMS gateway (local)</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td,th{border-bottom:1px solid #ddd;padding:.4em;
text-align:left;vertical-align:top}table{border-collapse:collapse}</style>
<h1>本地短信网关 · local SMS gateway</h1>
<p>{{ messages|length }} messages received in {{ requests }} requests. Nothing leaves this machine.</p>
<table><tr><th>received</th><th>channel</th><th>to</th><th>template</th><th>text</th><th>message id</th></tr>
{% for m in messages %}<tr class="{{ m.channel }}"><td>{{ m.received_at }}</td>
<td>{% if m.channel == "voice" %}语音来电 · voice call{% else %}短信 · SMS{% endif %}</td>
<td>{{ m.phone_masked }}</td><td>{{ m.template_id }}</td>
<td>{% if m.channel == "voice" %}（播报 · says）{{ m.text }}{% else %}【{{ m.sign_name }}】{{ m.text }}{% endif %}</td>
<td>{{ m.message_id }}</td></tr>{% endfor %}</table></html>"""


class GatewayState:
    def __init__(self, api_key: str = ""):
        self.api_key = api_key
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self.by_ref: dict[str, str] = {}
        self.requests = 0
        self._ids = itertools.count(1)
        self.plan: list[str] = []
        self.fail_until, self.fail_mode, self.fail_status = 0.0, "before", 500

    def fail(
        self,
        count: int = 0,
        seconds: float = 0.0,
        mode: str = "before",
        status: int = 500,
        plan: list[str] | None = None,
    ) -> None:
        """Fail the next ``count`` requests, or all for ``seconds``, or one per mode in ``plan``."""
        with self.lock:
            self.plan = list(plan) if plan is not None else [mode] * count
            self.fail_mode, self.fail_status = mode, status
            self.fail_until = time.monotonic() + seconds if seconds else 0.0

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.by_ref.clear()
            self.requests = 0

    def _failing(self) -> str:
        """The fault mode for this request ("" when it goes through)."""
        if self.plan:
            return self.plan.pop(0)
        return self.fail_mode if time.monotonic() < self.fail_until else ""

    def receive(self, payload: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests += 1
            failing = self._failing()
            if failing == "before":
                return self.fail_status, {"error": "injected failure"}
            ref = payload["client_ref"]
            if ref in self.by_ref:
                body = {"message_id": self.by_ref[ref], "duplicate": True}
            else:
                mid = f"gw-{next(self._ids):06d}"
                self.by_ref[ref] = mid
                self.messages.append(
                    {
                        **payload,
                        "message_id": mid,
                        "phone_masked": mask_phone(payload["phone"]),
                        "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "received_mono": time.monotonic(),
                    }
                )
                body = {"message_id": mid}
            if failing:  # mode "after": taken, but the caller hears an error
                return self.fail_status, {"error": "injected failure after accepting"}
            return 200, body

    def snapshot(self) -> dict:
        with self.lock:
            return {"messages": [dict(m) for m in self.messages], "requests": self.requests}


def _refusal(payload: object) -> str:
    """Why a request body is not a message ("" when it is one); sets the default channel."""
    if not isinstance(payload, dict) or not all(
        isinstance(payload.get(k), str) and payload.get(k)
        for k in ("client_ref", "phone", "template_id", "text")
    ):
        return "client_ref, phone, template_id and text are required"
    if not MOBILE.fullmatch(payload["phone"]):
        return "not a mainland mobile number"
    payload.setdefault("channel", CODE_BY_SMS)  # issue 29: "voice", a call that reads the text out
    if payload["channel"] not in CODE_CHANNELS:
        return "channel is one of " + ", ".join(CODE_CHANNELS)
    return ""


def create_app(state: GatewayState) -> Flask:
    app = Flask("sciday.sms-gateway")
    app.json.ensure_ascii = False

    @app.post("/api/v1/sms")
    def send():
        body = request.get_data()
        if state.api_key:
            ts = request.headers.get("X-Sciday-Timestamp", "")
            given = request.headers.get("X-Sciday-Signature", "")
            fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
            if not fresh or not hmac.compare_digest(given, signature(state.api_key, ts, body)):
                return jsonify({"error": "bad signature"}), 401
        payload = request.get_json(silent=True)
        refused = _refusal(payload)
        if refused:
            return jsonify({"error": refused}), 400
        status, answer = state.receive(payload)
        return jsonify(answer), status

    @app.get("/api/v1/sms")
    def messages():
        return jsonify(state.snapshot())

    @app.delete("/api/v1/sms")
    def clear():
        state.clear()
        return "", 204

    @app.post("/api/v1/faults")
    def faults():
        spec = request.get_json(silent=True) or {}
        plan = spec.get("plan")
        if plan is not None and not (isinstance(plan, list) and all(m in ("before", "after") for m in plan)):
            return jsonify({"error": "plan is a list of 'before' / 'after'"}), 400
        state.fail(
            int(spec.get("count", 0)),
            float(spec.get("seconds", 0)),
            spec.get("mode", "before"),
            int(spec.get("status", 500)),
            plan,
        )
        return jsonify({"ok": True})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "service": "sms-gateway"})

    @app.get("/")
    def page():
        snap = state.snapshot()
        return render_template_string(
            _PAGE, messages=list(reversed(snap["messages"])), requests=snap["requests"]
        )

    return app


class LocalGateway(Served):
    """The gateway on a thread, for tests: ``gw = LocalGateway().start(); gw.url; gw.stop()``."""

    thread_name = "sms-gateway"

    def __init__(self, port: int = 0, api_key: str = ""):
        super().__init__(port)
        self.state = GatewayState(api_key)

    def make_app(self) -> Flask:
        return create_app(self.state)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/sms"

    @property
    def messages(self) -> list[dict]:
        return self.state.snapshot()["messages"]


def main(argv: list[str] | None = None) -> None:
    import os

    from shared import logs

    parser = argparse.ArgumentParser(description="local SMS gateway: records what it receives")
    parser.add_argument("--port", type=int, default=8004)
    args = parser.parse_args(argv)
    logs.setup("sms-gateway")
    gw = LocalGateway(args.port, os.environ.get("SCIDAY_SMS_API_KEY", "")).start()
    print(f"SMS gateway on http://127.0.0.1:{gw.port}/ (messages at {gw.url})", flush=True)
    until_signalled()
    gw.stop()


if __name__ == "__main__":
    main()
