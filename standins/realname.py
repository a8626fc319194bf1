"""The local real-name authority (实名核验, 二要素): speaks the provider interface of
services/registration/access/realname_http.py and answers from a registry of the people it knows, for
`make run` and the tests.  It asks nobody anything.

``python -m standins.realname --port 8006 [--people FILE]``; the page at ``/`` lists what it was
asked (names and numbers masked) and the people it knows.

- ``POST /api/v1/verify`` ``{request_id, name, id_type, id_number, nationality}``: ``match`` when
  the registry has this document under this name, ``mismatch`` under another name, ``not_found``
  when it has no such document.  With a key (``SCIDAY_REALNAME_API_KEY``), a request without
  ``Authorization: Bearer <key>`` is answered 401.
- ``GET /api/v1/verify``: what was asked (masked) and the number of requests; ``DELETE`` clears.
- ``POST /api/v1/faults`` ``{"count": N}`` or ``{"seconds": S}``, with ``"status"`` (default 503):
  the next requests fail, for outage tests; ``{"delay_s": D}`` answers every request D seconds late
  (a provider slower than the caller's timeout).

The registry (``realname_people.json`` beside this file) lists invented people, and
*populations*: rules that stand for the many generated people of the tests and benches (a region
prefix and a birth-date range, under any name).  A number outside both is unknown, which is what
lets a made-up number be told from a real one locally.
"""

from __future__ import annotations

import argparse
import hmac
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, jsonify, render_template_string, request

from services.registration.access.identity import check_digit, mask_id, mask_name
from standins.serving import Served, until_signalled

PEOPLE = Path(__file__).with_name("realname_people.json")
_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Real-name check (local)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px system-ui,sans-serif;margin:1em}td,th{border-bottom:1px solid #ddd;padding:.4em;
text-align:left;vertical-align:top}table{border-collapse:collapse;max-width:100%}div{overflow-x:auto}</style>
<h1>本地实名核验 · local real-name check</h1>
<p>{{ asked|length }} checks answered in {{ requests }} requests. Nothing leaves this machine.</p>
<div><table><tr><th>asked</th><th>name</th><th>type</th><th>number</th><th>result</th></tr>
{% for a in asked %}<tr><td>{{ a.at }}</td><td>{{ a.name_masked }}</td><td>{{ a.id_type }}
{{ a.nationality }}</td><td>{{ a.id_masked }}</td><td>{{ a.result }}</td></tr>{% endfor %}</table></div>
<h2>已知人员 · people it knows</h2>
<div><table><tr><th>name</th><th>type</th><th>number</th></tr>
{% for p in people %}<tr><td>{{ p.name_masked }}</td><td>{{ p.id_type }} {{ p.nationality }}</td>
<td>{{ p.id_masked }}</td></tr>{% endfor %}
{% for p in populations %}<tr><td>(any name)</td><td>{{ p.id_type }}</td><td>{{ p.about }}</td></tr>{% endfor %}
</table></div></html>"""


def _doc(id_type: str, number: str, nationality: str = "") -> tuple[str, str, str]:
    return (id_type, (nationality or "").upper() if id_type == "passport" else "", number.upper())


class Registry:
    """The people the stand-in knows, by document."""

    def __init__(self, data: dict):
        self.people = list(data.get("people", []))
        self.populations = list(data.get("populations", []))
        self.by_doc = {
            _doc(p["id_type"], p["id_number"], p.get("nationality", "")): p["name"] for p in self.people
        }

    @classmethod
    def load(cls, path: Path = PEOPLE) -> Registry:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def _in_population(self, id_type: str, number: str) -> bool:
        for p in self.populations:
            born = number[6:14]
            if (
                p["id_type"] == id_type
                and len(number) == 18
                and number.startswith(p["prefix"])
                and p["born_from"] <= born <= p["born_to"]
                and number[:17].isdigit()
                and check_digit(number[:17]) == number[17]
            ):
                return True
        return False

    def answer(self, name: str, id_type: str, number: str, nationality: str = "") -> str:
        known = self.by_doc.get(_doc(id_type, number, nationality))
        if known is not None:
            return "match" if known == name else "mismatch"
        return "match" if self._in_population(id_type, number) else "not_found"


class AuthorityState:
    def __init__(self, registry: Registry, api_key: str = ""):
        self.registry, self.api_key = registry, api_key
        self.lock = threading.Lock()
        self.asked: list[dict] = []
        self.requests = 0
        self.fail_left, self.fail_until, self.fail_status = 0, 0.0, 503
        self.delay_s = 0.0

    def fail(self, count: int = 0, seconds: float = 0.0, status: int = 503, delay_s: float = 0.0) -> None:
        with self.lock:
            self.fail_left, self.fail_status, self.delay_s = count, status, delay_s
            self.fail_until = time.monotonic() + seconds if seconds else 0.0

    def clear(self) -> None:
        with self.lock:
            self.asked.clear()
            self.requests = 0

    def receive(self, body: dict) -> tuple[int, dict]:
        if self.delay_s:
            time.sleep(self.delay_s)  # outside the lock: a slow provider, not a stuck one
        with self.lock:
            self.requests += 1
            if self.fail_left > 0 or time.monotonic() < self.fail_until:
                self.fail_left = max(0, self.fail_left - 1)
                return self.fail_status, {"error": "injected failure"}
            result = self.registry.answer(
                body["name"], body["id_type"], body["id_number"], body["nationality"]
            )
            self.asked.append(
                {
                    "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "name_masked": mask_name(body["name"]),
                    "id_type": body["id_type"],
                    "nationality": body["nationality"],
                    "id_masked": mask_id(body["id_number"]),
                    "result": result,
                }
            )
            return 200, {"request_id": body["request_id"], "result": result}

    def snapshot(self) -> dict:
        with self.lock:
            return {"asked": [dict(a) for a in self.asked], "requests": self.requests}


def _well_formed(body: object) -> bool:
    return (
        isinstance(body, dict)
        and all(
            isinstance(body.get(k), str) and body[k] for k in ("request_id", "name", "id_type", "id_number")
        )
        and isinstance(body.get("nationality", ""), str)
    )


def create_app(state: AuthorityState) -> Flask:
    app = Flask("sciday.realname")
    app.json.ensure_ascii = False

    @app.post("/api/v1/verify")
    def verify():
        if state.api_key:
            given = request.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {state.api_key}".encode()):
                return jsonify({"error": "bad key"}), 401
        body = request.get_json(silent=True)
        if not _well_formed(body):
            return jsonify({"error": "request_id, name, id_type and id_number are required"}), 400
        status, answer = state.receive({**body, "nationality": body.get("nationality", "")})
        return jsonify(answer), status

    @app.get("/api/v1/verify")
    def asked():
        return jsonify(state.snapshot())

    @app.delete("/api/v1/verify")
    def clear():
        state.clear()
        return "", 204

    @app.post("/api/v1/faults")
    def faults():
        spec = request.get_json(silent=True) or {}
        state.fail(
            int(spec.get("count", 0)),
            float(spec.get("seconds", 0)),
            int(spec.get("status", 503)),
            float(spec.get("delay_s", 0)),
        )
        return jsonify({"ok": True})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "service": "realname"})

    @app.get("/")
    def page():
        return _page(state)

    return app


def _page(state: AuthorityState) -> str:
    """The stand-in's page: what it was asked, and the people it knows (masked)."""
    snap, reg = state.snapshot(), state.registry
    people = [
        {
            "name_masked": mask_name(p["name"]),
            "id_type": p["id_type"],
            "nationality": p.get("nationality", ""),
            "id_masked": mask_id(p["id_number"]),
        }
        for p in reg.people
    ]
    return render_template_string(
        _PAGE,
        asked=list(reversed(snap["asked"])),
        requests=snap["requests"],
        people=people,
        populations=reg.populations,
    )


class LocalAuthority(Served):
    """The stand-in on a thread, for tests: ``ra = LocalAuthority().start(); ra.url; ra.stop()``."""

    thread_name = "realname"

    def __init__(self, port: int = 0, api_key: str = "", people: Path = PEOPLE):
        super().__init__(port)
        self.state = AuthorityState(Registry.load(people), api_key)

    def make_app(self) -> Flask:
        return create_app(self.state)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/verify"

    @property
    def asked(self) -> list[dict]:
        return self.state.snapshot()["asked"]


def main(argv: list[str] | None = None) -> None:
    import os

    from shared import logs

    parser = argparse.ArgumentParser(description="local real-name authority: answers from its registry")
    parser.add_argument("--port", type=int, default=8006)
    parser.add_argument("--people", type=Path, default=PEOPLE)
    args = parser.parse_args(argv)
    logs.setup("realname")
    ra = LocalAuthority(args.port, os.environ.get("SCIDAY_REALNAME_API_KEY", ""), args.people).start()
    print(f"real-name check on http://127.0.0.1:{ra.port}/ (asked at {ra.url})", flush=True)
    until_signalled()
    ra.stop()


if __name__ == "__main__":
    main()
