"""The scanner page for door staff: ``/scan``, and its service worker ``/scan-sw.js``.

Chinese first (``?lang=en`` switches and is remembered in a cookie), phone first. The page is a
shell: everything it does runs in /static/js/scan.js against the check-in API with the staff
token, which the page keeps in localStorage and sends as ``Authorization: Bearer`` (never in a URL).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for

from shared.i18n import lang, remember_lang

bp = Blueprint("pages", __name__)

# What the service worker keeps so that the page also opens again with no network.
SHELL = [
    "/scan",
    "/static/scan.css",
    "/static/js/scan.js",
    "/static/js/ticket.js",
    "/static/js/doorbook.js",
    "/static/js/camera.js",
    "/static/js/verdict.js",
    "/static/js/vocabulary.js",
    "/static/js/door_rules.js",
    "/static/js/sync.js",
    "/static/js/lookup.js",
    "/static/js/doorid.js",
    "/static/js/i18n.js",
    "/static/js/members.js",  # issue 26: member by member
    "/static/favicon.svg",
    "/static/vendor/barcode-detector/ponyfill.js",
    "/static/vendor/zxing-wasm/zxing_reader.wasm",
    "/static/vendor/noble-ed25519/index.js",
]


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico get the page's SVG icon (no 404 in the log)."""
    return redirect("/static/favicon.svg", code=301)


@bp.get("/")
def home():
    return redirect(url_for("pages.scan"))


@bp.get("/scan")
def scan():
    resp = make_response(render_template("scan.html", lang=lang()))
    resp.headers["Cache-Control"] = "no-cache"
    return remember_lang(resp)


@bp.get("/scan-sw.js")
def service_worker():
    resp = make_response(render_template("scan-sw.js", shell=SHELL))
    resp.mimetype = "text/javascript"
    resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/standby/<activity_id>/screen")
def standby_screen(activity_id: str):
    """The door screen (叫号屏): numbers called in, newest first; reloads itself every 5 s."""
    lg = lang()
    port = current_app.extensions["sciday.standby"]
    activity = port.activity(activity_id)
    if activity is None:
        abort(404)
    title = activity.get("title", {})
    board = port.board(activity_id)
    resp = make_response(
        render_template(
            "standby_screen.html",
            lang=lg,
            title=(title.get("en") if lg == "en" else title.get("zh")) or activity_id,
            # The hall's name exists in Chinese only: the English screen leaves it out (one language).
            hall=activity.get("hall", "") if lg != "en" else "",
            latest=board["called"][:1],
            earlier=board["called"][1:24],
            board=board,
        )
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp
