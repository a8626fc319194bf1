"""The registration service: activities, seats, registrations and tickets.

``gunicorn 'services.registration.app:create_app()'``
"""

from __future__ import annotations

from pathlib import Path

from services.registration import (
    api_activities,
    api_keys,
    api_mine,
    api_registrations,
    api_verification,
    exports,
    importer,
    organizer,
    pages,
    pages_access,
)
from services.registration.code_sender import NotifyCodeSender
from services.registration.store import SeatStore
from services.registration.verification import Policy
from services.registration.verification_store import RedisCodeStore
from shared import internal, keyfile
from shared.config import Settings, load
from shared.ratelimit import RateLimiter
from shared.tickets import KeyRing
from shared.web import make_app


def create_app(settings: Settings | None = None, redis_client=None):
    settings = settings or load()
    app, api = make_app(
        "registration",
        settings,
        title="sciday registration",
        description="Activities, registrations and signed QR tickets.",
        redis_client=redis_client,
        root_path=str(Path(__file__).parent),
    )
    app.extensions["sciday.keys"] = KeyRing.load_or_create(settings.keys_dir)
    app.extensions["sciday.seats"] = SeatStore(app.extensions["sciday.redis"], settings)
    app.extensions["sciday.ratelimit"] = RateLimiter(app.extensions["sciday.redis"], settings.redis_prefix)
    # Verified phones (issue 14): one server secret keys every phone, code and ID hash.
    app.extensions["sciday.hmac"] = keyfile.secret(
        settings.keys_dir, "registration-hmac", settings.hmac_secret, "SCIDAY_HMAC_SECRET"
    )
    app.extensions["sciday.verification"] = api_verification.Wiring(
        store=RedisCodeStore(app.extensions["sciday.redis"], settings.redis_prefix),
        sender=NotifyCodeSender(settings.notify_url, internal.key_of(settings)),
        policy=Policy.from_settings(settings),
        secret=app.extensions["sciday.hmac"],
    )
    api.register_blueprint(api_verification.blp)
    api.register_blueprint(api_mine.blp)
    api.register_blueprint(api_activities.blp)
    api.register_blueprint(api_registrations.blp)
    api.register_blueprint(api_keys.blp)
    api.register_blueprint(importer.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(organizer.blp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pages_access.bp)
    app.register_blueprint(organizer.bp)
    return app
