"""The local drand relay (公共随机信标): speaks the drand HTTP API's paths and answers from real,
recorded rounds of the League of Entropy's quicknet, for `make run` and the tests. It asks nobody
anything, and it signs nothing: every round it serves is one the chain published.

``python -m standins.beacon --port 8007 [--rounds FILE]``; the page at ``/`` lists what it was
asked (rounds, when, answered or not) and the rounds it holds.

- ``GET /<chain hash>/info``: the chain's parameters; ``GET /<chain hash>/public/<round>``:
  ``{round, randomness, signature}`` of a recorded round, 404 for any other round or chain.
- ``GET /api/v1/asked``: what was asked, as JSON; ``DELETE`` clears.
- ``POST /api/v1/faults`` ``{"count": N, "status": S}``: the next N rounds asked fail with S (503);
  ``{"tamper": N}``: the next N answers carry another round's signature (a lying relay).

The rounds (``drand_quicknet_rounds.json`` beside this file) carry the public URL each came from.
"""

from __future__ import annotations

import argparse
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, jsonify, render_template_string

from standins.serving import Served, add_health, until_signalled

ROUNDS = Path(__file__).with_name("drand_quicknet_rounds.json")
_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Beacon (local)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;margin:1em}p{overflow-wrap:anywhere}td,th{border-bottom:1px
solid #ddd;padding:.4em;text-align:left;vertical-align:top;white-space:nowrap}td.hex{white-space:normal;
word-break:break-all}table{border-collapse:collapse;max-width:100%}</style>
<h1>本地随机信标 · local drand relay</h1>
<p>Chain {{ chain.hash }} ({{ chain.period }} s). {{ asked|length }} rounds asked.
Recorded rounds only; nothing leaves this machine.</p>
<table><tr><th>asked at</th><th>round</th><th>answer</th></tr>
{% for a in asked %}<tr><td class="hex">{{ a.at }}</td><td>{{ a.round }}</td><td>{{ a.answer }}</td></tr>{% endfor %}
</table>
<h2>记录的轮次 · recorded rounds</h2>
<table><tr><th>round</th><th>randomness</th><th>source</th></tr>
{% for r in rounds %}<tr><td>{{ r.round }}</td><td class="hex">{{ r.randomness }}</td><td class="hex">{{ r.url }}</td></tr>{% endfor %}
</table></html>"""


class RelayState:
    def __init__(self, recording: dict):
        self.chain = dict(recording["chain"])
        self.rounds = {int(r["round"]): r for r in recording["rounds"]}
        self.lock = threading.Lock()
        self.asked: list[dict] = []
        self.fail_left, self.fail_status, self.tamper_left = 0, 503, 0

    def answer(self, round_text: str) -> tuple[int, dict]:
        """What the relay says to ``GET /<hash>/public/<round>``, and the asking recorded."""
        with self.lock:
            status, body = self._answer(round_text)
            at = datetime.now(UTC).isoformat(timespec="milliseconds")
            self.asked.append({"at": at, "round": round_text, "answer": status})
            return status, body

    def _answer(self, round_text: str) -> tuple[int, dict]:
        if self.fail_left > 0:
            self.fail_left -= 1
            return self.fail_status, {"error": "injected failure"}
        r = self.rounds.get(int(round_text)) if round_text.isdigit() else None
        if r is None:
            return 404, {"error": "round not recorded"}
        body = {"round": r["round"], "randomness": r["randomness"], "signature": r["signature"]}
        if self.tamper_left > 0:
            self.tamper_left -= 1
            other = next(x for k, x in sorted(self.rounds.items()) if k != r["round"])
            body.update(signature=other["signature"], randomness=other["randomness"])
        return 200, body

    def faults(self, count: int = 0, status: int = 503, tamper: int = 0) -> None:
        with self.lock:
            self.fail_left, self.fail_status, self.tamper_left = count, status, tamper

    def snapshot(self) -> list[dict]:
        with self.lock:
            return [dict(a) for a in self.asked]

    def clear(self) -> None:
        with self.lock:
            self.asked.clear()


def create_app(state: RelayState) -> Flask:
    from flask import request

    app = Flask("sciday.beacon")

    @app.get("/<chain_hash>/info")
    def info(chain_hash):
        if chain_hash != state.chain["hash"]:
            return jsonify({"error": "unknown chain"}), 404
        c = state.chain
        return jsonify(
            {
                "public_key": c["public_key"],
                "period": c["period"],
                "genesis_time": c["genesis_time"],
                "hash": c["hash"],
                "schemeID": c["scheme"],
                "metadata": {"beaconID": "quicknet"},
            }
        )

    @app.get("/<chain_hash>/public/<round_text>")
    def public(chain_hash, round_text):
        if chain_hash != state.chain["hash"]:
            return jsonify({"error": "unknown chain"}), 404
        status, body = state.answer(round_text)
        return jsonify(body), status

    @app.get("/api/v1/asked")
    def asked():
        return jsonify({"asked": state.snapshot()})

    @app.delete("/api/v1/asked")
    def clear():
        state.clear()
        return "", 204

    @app.post("/api/v1/faults")
    def faults():
        spec = request.get_json(silent=True) or {}
        state.faults(int(spec.get("count", 0)), int(spec.get("status", 503)), int(spec.get("tamper", 0)))
        return jsonify({"ok": True})

    add_health(app, "beacon")

    @app.get("/")
    def page():
        rounds = [state.rounds[k] for k in sorted(state.rounds)]
        return render_template_string(
            _PAGE, chain=state.chain, asked=list(reversed(state.snapshot())), rounds=rounds
        )

    return app


class LocalRelay(Served):
    """The stand-in on a thread, for tests: ``r = LocalRelay().start(); r.url; r.stop()``."""

    thread_name = "beacon"

    def __init__(self, port: int = 0, rounds: Path = ROUNDS):
        super().__init__(port)
        self.state = RelayState(json.loads(Path(rounds).read_text(encoding="utf-8")))

    def make_app(self) -> Flask:
        return create_app(self.state)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def main(argv: list[str] | None = None) -> None:
    from shared import logs

    parser = argparse.ArgumentParser(description="local drand relay: answers from recorded rounds")
    parser.add_argument("--port", type=int, default=8007)
    parser.add_argument("--rounds", type=Path, default=ROUNDS)
    args = parser.parse_args(argv)
    logs.setup("beacon")
    relay = LocalRelay(args.port, args.rounds).start()
    print(f"beacon relay on {relay.url}/ ({len(relay.state.rounds)} recorded rounds)", flush=True)
    until_signalled()
    relay.stop()


if __name__ == "__main__":
    main()
