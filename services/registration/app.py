"""The registration service: activities, seats, registrations and tickets.

``gunicorn 'services.registration.app:create_app()'``
"""

from __future__ import annotations

from pathlib import Path

from services.registration import (
    api_activities,
    api_keys,
    api_lottery,
    api_registrations,
    exports,
    importer,
    lottery_page,
    organizer,
    pages,
)
from services.registration.lottery_store import LotteryStore
from services.registration.store import SeatStore
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
    api.register_blueprint(api_activities.blp)
    api.register_blueprint(api_registrations.blp)
    api.register_blueprint(api_keys.blp)
    api.register_blueprint(importer.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(organizer.blp)
    # The verifiable lottery (issue 15): opening, the draw, the public draw page.
    app.extensions["sciday.lotteries"] = LotteryStore(app.extensions["sciday.redis"], settings)
    api.register_blueprint(api_lottery.blp)
    app.register_blueprint(lottery_page.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(organizer.bp)
    return app
