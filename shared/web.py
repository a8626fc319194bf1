"""What every sciday Flask app has: the error shape, OpenAPI, health, metrics, limits, headers.

Services call :func:`make_app` from their own ``create_app()`` and then register their
blueprints.  Nothing connects here: the Redis client is created lazily by redis-py's pool.
"""

from __future__ import annotations

import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, g, jsonify, request
from flask_smorest import Api
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from werkzeug.exceptions import BadRequest

from shared import errors, jsonlimits, logs, requestid, translations
from shared.clientaddr import TrustedProxies, parse_networks
from shared.config import Settings, load, use_timezone
from shared.halts import HaltNotes
from shared.health import BrokerProbe, redis_ok
from shared.redis_scripts import connect_as

REQUESTS = Counter("sciday_http_requests_total", "HTTP requests", ["service", "endpoint", "status"])
LATENCY = Histogram(
    "sciday_http_request_seconds",
    "HTTP request latency",
    ["service", "endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class MalformedJson(BadRequest):
    description = "The body is not valid JSON."


class JsonTooComplex(BadRequest):
    description = "The JSON body is nested too deeply or holds too long a number."
    sciday_reason = errors.JSON_TOO_COMPLEX


class _Request(Request):
    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        # Every reader of the body (views, request_locale, error handlers) goes through this.
        if (force or self.is_json) and jsonlimits.too_complex(self.get_data(cache=True)):
            if silent:
                return None
            raise JsonTooComplex()
        return super().get_json(force=force, silent=silent, cache=cache)

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if e is not None:
            raise MalformedJson()
        return super().on_json_loading_failed(e)


class _Api(Api):  # type: ignore[misc]
    ERROR_SCHEMA = errors.ErrorSchema  # documented as the "Error" component on every endpoint


def make_app(
    service: str,
    settings: Settings | None = None,
    *,
    title: str,
    description: str,
    redis_client: Any = None,
    root_path: str | None = None,
) -> tuple[Flask, Api]:
    settings = settings or load()
    use_timezone(settings.timezone)  # the zone of every rule without Settings at hand
    logs.setup(service, form=settings.log_format)
    # root_path: the service's package folder, where its templates/ and static/ live.
    app = Flask(f"sciday.{service}", root_path=root_path)
    app.request_class = _Request
    translations.install(app)  # page text from the service's gettext catalogues (docs/i18n.md)
    # The client address every limit sees: X-Forwarded-For only from a configured proxy.
    app.wsgi_app = TrustedProxies(  # type: ignore[method-assign]
        app.wsgi_app, parse_networks(settings.trusted_proxies)
    )
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH=None,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_AS_ASCII=False,
        API_SPEC_OPTIONS={"info": {"description": description}},
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["sciday.settings"] = settings
    app.extensions["sciday.service"] = service
    app.extensions["sciday.redis"] = redis_client or connect_as(settings)
    app.extensions["sciday.broker_probe"] = BrokerProbe(settings.kafka_bootstrap_servers)

    api = _Api(app)
    errors.install(app)
    _install_ops(app, service)
    _install_headers(app)
    requestid.install(app, settings)  # X-Request-Id in, out and in the logs (issue 24)
    return app, api


def accepts_files(view: Any) -> Any:
    """Mark a view (a function or a MethodView class) that takes a multipart/form-data upload;
    every other API view takes JSON only."""
    view.sciday_accepts_files = True
    return view


def _takes_files(app: Flask) -> bool:
    view = app.view_functions.get(request.endpoint or "")
    return request.mimetype == "multipart/form-data" and getattr(
        getattr(view, "view_class", view), "sciday_accepts_files", False
    )


def settings_of(app: Flask | None = None) -> Settings:
    from flask import current_app

    settings: Settings = (app or current_app).extensions["sciday.settings"]
    return settings


def redis_of(app: Flask | None = None) -> Any:
    from flask import current_app

    return (app or current_app).extensions["sciday.redis"]


def _install_ops(app: Flask, service: str) -> None:
    _install_request_hooks(app, service)
    _install_health(app, service)


def _install_request_hooks(app: Flask, service: str) -> None:
    """JSON-only API bodies, too-complex bodies refused; request counts and latency."""
    import time

    @app.before_request
    def _start_timer() -> Response | None:
        g._t0 = time.perf_counter()
        # The JSON API takes JSON only: a form or text body is refused before any parsing.
        if (
            request.path.startswith("/api/")
            and request.method in ("POST", "PUT", "PATCH")
            and (request.content_length or 0) > 0
            and not request.is_json
            and not _takes_files(app)
        ):
            return errors.error_response(errors.UNSUPPORTED_MEDIA_TYPE)
        # Bodies no parser should see: 1,000 levels deep, or a 4,300-digit number (issue 16).
        if (
            request.is_json
            and (request.content_length or 0) > 0
            and jsonlimits.too_complex(request.get_data(cache=True))
        ):
            return errors.error_response(errors.JSON_TOO_COMPLEX)
        return None

    # The labelled children, looked up once per (endpoint, status): labels() costs more than inc().
    children: dict[tuple[str, int], tuple[Any, Any]] = {}

    @app.after_request
    def _observe(resp: Response) -> Response:
        rule = request.url_rule
        endpoint = rule.rule if rule else "unmatched"
        key = (endpoint, resp.status_code)
        pair = children.get(key)
        if pair is None:
            pair = children[key] = (
                REQUESTS.labels(service, endpoint, str(resp.status_code)),
                LATENCY.labels(service, endpoint),
            )
        pair[0].inc()
        t0 = g.get("_t0")
        if t0 is not None:
            pair[1].observe(time.perf_counter() - t0)
        return resp


def _install_health(app: Flask, service: str) -> None:
    """/healthz, /healthz/full and /metrics."""

    # Readiness (issue 24): Redis only. A web service writes its events to an outbox in Redis,
    # so it keeps taking registrations while Kafka is away; the broker is reported, not required.
    @app.get("/healthz")
    def healthz() -> Response:
        if not redis_ok(redis_of(app)):
            return errors.error_response(errors.REDIS_UNAVAILABLE)
        broker = "ok" if app.extensions["sciday.broker_probe"].ok() else errors.BROKER_UNAVAILABLE
        return jsonify({"status": "ok", "service": service, "checks": {"redis": "ok", "broker": broker}})

    # The full detail, for a person or an external monitor: 503 when any dependency is away.
    @app.get("/healthz/full")
    def healthz_full() -> Response:
        if not redis_ok(redis_of(app)):
            return errors.error_response(errors.REDIS_UNAVAILABLE)
        if not app.extensions["sciday.broker_probe"].ok():
            return errors.error_response(errors.BROKER_UNAVAILABLE)
        return jsonify({"status": "ok", "service": service, "checks": {"redis": "ok", "broker": "ok"}})

    @app.get("/metrics")
    def metrics() -> Response:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            data = generate_latest(registry)
        else:
            data = generate_latest()
        notes = CollectorRegistry(auto_describe=False)
        notes.register(HaltNotes(redis_of(app), settings_of(app).redis_prefix))
        return Response(data + generate_latest(notes), mimetype=CONTENT_TYPE_LATEST)


def _nonce_source() -> str:
    nonce = g.get("csp_nonce")
    return f"'nonce-{nonce}' " if nonce else ""


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEV_CONNECT = "http://127.0.0.1:* http://localhost:*"


def connect_sources(settings: Settings) -> str:
    """The CSP's ``connect-src``: the page's own origin and the configured public URL.

    Every page script fetches from its own origin; the loopback wildcard is kept only for a
    development stack, recognised by a public URL on the loopback (``make run``, tests).
    """
    public = urlsplit(settings.public_base_url)
    if (public.hostname or "") in LOOPBACK_HOSTS:
        return f"'self' {DEV_CONNECT}"
    return f"'self' {public.scheme}://{public.netloc}"


def _install_headers(app: Flask) -> None:
    connect = connect_sources(settings_of(app))

    @app.context_processor
    def _nonce() -> dict[str, Any]:
        # Only pages need a CSP nonce; made when a template asks, not on every API request.
        if "csp_nonce" not in g:
            g.csp_nonce = secrets.token_urlsafe(12)
        # Pages whose scripts show times read the festival's zone from <html data-tz>.
        return {"festival_timezone": settings_of(app).timezone}

    @app.after_request
    def _security_headers(resp: Response) -> Response:
        headers = resp.headers
        if "X-Content-Type-Options" not in headers:  # no view sets these three: add them at once
            headers.extend(SECURITY_HEADERS)
        if resp.mimetype == "text/html":
            resp.headers.setdefault(
                "Content-Security-Policy",
                f"default-src 'self'; script-src 'self' {_nonce_source()}'wasm-unsafe-eval'; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; "
                f"connect-src {connect}; frame-ancestors 'none'; "
                "base-uri 'none'; form-action 'self'",
            )
        return resp
