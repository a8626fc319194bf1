"""The local mailbox: a real SMTP server (aiosmtpd) that keeps what it receives, and a page that
lists it, for `make run` and the tests.  It relays nothing.

``python -m standins.mailbox --smtp-port 1025 --http-port 8005``

- ``GET /``: the messages, newest first, with their attachments (the ticket QR shows inline);
- ``GET /api/messages``: the same as JSON (headers, text body, attachment names);
- ``GET /messages/<n>.eml`` and ``GET /messages/<n>/<part>``: the raw message, one attachment.
"""

from __future__ import annotations

import argparse
import email
import itertools
import threading
from datetime import UTC, datetime
from email.policy import default as default_policy

from flask import Flask, Response, abort, jsonify, render_template_string

_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>Mailbox (local)</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}article{border-bottom:1px solid #ddd;
padding:1em 0}pre{white-space:pre-wrap;background:#f6f6f6;padding:.8em}img{width:160px}</style>
<h1>本地邮箱 · local mailbox</h1><p>{{ messages|length }} messages received. Nothing leaves this machine.</p>
{% for m in messages %}<article><b>{{ m.subject }}</b><br>to {{ m.to }} · from {{ m.mail_from }} ·
{{ m.received_at }} · <a href="/messages/{{ m.id }}.eml">.eml</a><pre>{{ m.text }}</pre>
{% for a in m.attachments %}<a href="/messages/{{ m.id }}/{{ a.index }}">{{ a.filename }}</a>
{% if a.content_type == 'image/png' %}<br><img alt="{{ a.filename }}" src="/messages/{{ m.id }}/{{ a.index }}">{% endif %}
{% endfor %}</article>{% endfor %}</html>"""


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)


def attachments(msg) -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) of every attachment."""
    return [
        (part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True) or b"")
        for part in msg.iter_attachments()
    ]


class MailStore:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[dict] = []
        self._ids = itertools.count(1)

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> int:
        msg = parse(raw)
        body = msg.get_body(preferencelist=("plain",))
        with self.lock:
            n = next(self._ids)
            self.messages.append(
                {
                    "id": n,
                    "mail_from": mail_from,
                    "rcpt_tos": list(rcpt_tos),
                    "raw": raw,
                    "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "subject": str(msg.get("Subject", "")),
                    "to": str(msg.get("To", "")),
                    "message_id": str(msg.get("Message-ID", "")),
                    "notification_id": str(msg.get("X-Sciday-Notification", "")),
                    "text": body.get_content() if body is not None else "",
                    "attachments": [
                        {"index": i, "filename": f, "content_type": t, "size": len(b)}
                        for i, (f, t, b) in enumerate(attachments(msg))
                    ],
                }
            )
            return n

    def list(self) -> list[dict]:
        with self.lock:
            return [dict(m) for m in self.messages]

    def get(self, n: int) -> dict | None:
        with self.lock:
            return next((dict(m) for m in self.messages if m["id"] == n), None)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


class _Handler:
    def __init__(self, store: MailStore):
        self.store = store

    async def handle_DATA(self, server, session, envelope):
        n = self.store.add(envelope.mail_from, envelope.rcpt_tos, envelope.content)
        return f"250 OK queued as mbx-{n:06d}"


def create_app(store: MailStore) -> Flask:
    app = Flask("sciday.mailbox")
    app.json.ensure_ascii = False

    @app.get("/")
    def page():
        return render_template_string(_PAGE, messages=list(reversed(store.list())))

    @app.get("/api/messages")
    def messages():
        return jsonify({"messages": [{k: v for k, v in m.items() if k != "raw"} for m in store.list()]})

    @app.get("/messages/<int:n>.eml")
    def raw(n: int):
        m = store.get(n) or abort(404)
        return Response(m["raw"], mimetype="message/rfc822")

    @app.get("/messages/<int:n>/<int:part>")
    def attachment(n: int, part: int):
        m = store.get(n) or abort(404)
        found = attachments(parse(m["raw"]))
        if part >= len(found):
            abort(404)
        filename, ctype, data = found[part]
        return Response(
            data, mimetype=ctype, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "service": "mailbox"})

    return app


class Mailbox:
    """``mb = Mailbox(smtp_port).start(); mb.messages; mb.stop()``; ``http_port`` adds the page."""

    def __init__(self, smtp_port: int, http_port: int | None = None):
        self.smtp_port, self.http_port = smtp_port, http_port
        self.store = MailStore()
        self.controller = self.server = None

    def start(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        self.controller = Controller(_Handler(self.store), hostname="127.0.0.1", port=self.smtp_port)
        self.controller.start()
        if self.http_port is not None:
            from werkzeug.serving import make_server

            self.server = make_server("127.0.0.1", self.http_port, create_app(self.store), threaded=True)
            self.http_port = self.server.server_port
            threading.Thread(target=self.server.serve_forever, name="mailbox-page", daemon=True).start()
        return self

    @property
    def messages(self) -> list[dict]:
        return self.store.list()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def main(argv: list[str] | None = None) -> None:
    from shared import logs
    from standins.serving import until_signalled

    parser = argparse.ArgumentParser(description="local mailbox: an SMTP server that keeps what it receives")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8005)
    args = parser.parse_args(argv)
    logs.setup("mailbox")
    mb = Mailbox(args.smtp_port, args.http_port).start()
    print(
        f"mailbox: SMTP on 127.0.0.1:{args.smtp_port}, page on http://127.0.0.1:{mb.http_port}/", flush=True
    )
    until_signalled()
    mb.stop()


if __name__ == "__main__":
    main()
