"""The check-in service: door verdicts, undo, live attendance, and the scanner page.

``gunicorn 'services.checkin.app:create_app()'``
"""

from __future__ import annotations

from pathlib import Path

from services.checkin.attendance import api as api_attendance
from services.checkin.attendance import dashboard, exports, festival, summary
from services.checkin.door import api as api_checkins
from services.checkin.door import api_gates, api_history, api_revocations
from services.checkin.door.cards import Cards
from services.checkin.door.keys import KeyCache
from services.checkin.door.online_marks import OnlineMarks
from services.checkin.door.store import CheckinStore
from services.checkin.standby import api as api_standby
from services.checkin.standby import api_join as api_standby_join
from services.checkin.standby.store import StandbyStore
from services.checkin.web import desk_pages, edge, pages
from shared import internal, keyfile
from shared.config import Settings, load
from shared.ratelimit import RateLimiter
from shared.web import make_app


def create_app(settings: Settings | None = None, redis_client=None):
    settings = settings or load()
    app, api = make_app(
        "checkin",
        settings,
        title="sciday check-in",
        description="QR verdicts at the door, undo, and live attendance.",
        redis_client=redis_client,
        root_path=str(Path(__file__).parent),
    )
    edge.install(app)  # domain refusals -> the error shape, with the vocabulary's HTTP status
    redis = app.extensions["sciday.redis"]
    app.extensions["sciday.keyring"] = KeyCache(settings.keys_dir)
    app.extensions["sciday.checkins"] = CheckinStore(redis, settings)
    # Under check-in's own keys (ck:rl:*): the rl:* family is registration's (sciday/redis_keys.py).
    # Key names hold a keyed hash of the staff token (the no-show pepper, check-in's one key).
    app.extensions["sciday.ratelimit"] = RateLimiter(
        redis, settings.redis_prefix + "ck:", secret=keyfile.noshow_pepper(settings).encode()
    )
    api.register_blueprint(api_checkins.blp)
    api.register_blueprint(api_attendance.blp)
    api.register_blueprint(api_history.blp)  # issue 26: supervisors search past admissions
    # The door (issue 16): signed online marks for offline scan times, gate plans, and
    # cancellations told directly by the registration service.
    app.extensions["sciday.online_marks"] = OnlineMarks.from_settings(settings)
    app.extensions["sciday.door_cards"] = Cards.from_settings(settings)  # issue 23
    app.extensions["sciday.internal_key"] = internal.key_of(settings)
    api.register_blueprint(api_gates.blp)
    app.register_blueprint(api_revocations.bp)
    # Organizer views: live dashboards, exports and the summary (which asks the registration
    # service for turned_away; tests swap this adapter).
    app.extensions["sciday.registration_figures"] = summary.RegistrationFigures(settings.registration_url)
    api.register_blueprint(festival.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(summary.blp)
    # On-site standby (issue 15): the board, release, calls and admissions of called numbers.
    app.extensions["sciday.standby"] = StandbyStore(redis, settings)
    api.register_blueprint(api_standby.blp)
    # Joining: a signed call from registration's join page, with the phone it verified.
    app.extensions["sciday.internal_key"] = internal.key_of(settings)
    app.register_blueprint(api_standby_join.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(desk_pages.bp)  # issue 26: /supervise, /standby-desk
    app.register_blueprint(dashboard.bp)
    return app
