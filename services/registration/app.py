"""The registration service: activities, seats, registrations and tickets.

``gunicorn 'services.registration.app:create_app()'``
"""

from __future__ import annotations

from pathlib import Path

from services.registration.access import api as api_verification
from services.registration.access import pages as pages_access
from services.registration.access.code_sender import NotifyCodeSender
from services.registration.access.verification import Policy
from services.registration.access.verification_store import RedisCodeStore
from services.registration.bootstrap import EXTENSION, bootstrap
from services.registration.catalogue import api as api_activities
from services.registration.catalogue import exports, importer, organizer
from services.registration.groups import pages as group_booking
from services.registration.lottery import api as api_lottery
from services.registration.lottery import beacon_api, group_api, group_edge, group_pages
from services.registration.lottery import rounds_api as lottery_rounds
from services.registration.lottery.store import LotteryStore
from services.registration.noshow import api as api_noshow
from services.registration.queue import pages as queue_page
from services.registration.seats import api as api_registrations
from services.registration.seats import correction_pages, window_api
from services.registration.seats import pages as seat_pages
from services.registration.seats.soldout_gate import SoldOutGate
from services.registration.web import edge, pages, standby_join
from services.registration.web import keys as api_keys
from services.registration.web import mine as api_mine
from shared import internal, sealed
from shared.config import Settings, load
from shared.tickets import KeyRing
from shared.web import make_app


def wire_verification(app, settings: Settings, secret: bytes) -> None:
    """Verified phones (issue 14): codes, sessions, and the signed hand-off to notify."""
    app.extensions["sciday.hmac"] = secret
    app.extensions["sciday.verification"] = api_verification.Wiring(
        store=RedisCodeStore(
            app.extensions["sciday.redis"],
            settings.redis_prefix,
            sealed.sealer(settings, sealed.REGISTRATION),
        ),
        sender=NotifyCodeSender(settings.notify_url, internal.key_of(settings)),
        policy=Policy.from_settings(settings),
        secret=secret,
    )


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
    keys = KeyRing.load_or_create(settings.keys_dir)
    wired = bootstrap(settings, app.extensions["sciday.redis"], keys)
    app.extensions[EXTENSION] = wired
    app.extensions["sciday.keys"] = keys  # the public keys are served by api_keys.py
    app.extensions["sciday.seats"] = wired.seats  # the Redis adapter, for tests and tools
    # The crowd after the last seat gets Flask's own sold_out answer again, without Flask.
    app.wsgi_app = SoldOutGate(  # type: ignore[method-assign]
        app.wsgi_app, lambda: wired.seats, settings.max_request_bytes
    )
    edge.install(app)
    wire_verification(app, settings, wired.secret)
    api.register_blueprint(api_verification.blp)
    api.register_blueprint(api_mine.blp)
    api.register_blueprint(api_activities.blp)
    api.register_blueprint(api_registrations.blp)
    api.register_blueprint(api_keys.blp)
    api.register_blueprint(importer.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(organizer.blp)
    app.extensions["sciday.lotteries"] = LotteryStore(app.extensions["sciday.redis"], settings)  # issue 15
    app.extensions["sciday.noshow"] = wired.noshow
    for lottery_blp in (api_lottery.blp, lottery_rounds.blp, beacon_api.blp):  # + issue 27's draw, beacon
        api.register_blueprint(lottery_blp)
    api.register_blueprint(api_noshow.blp)
    group_edge.install(app, api, settings, group_api.blp)  # issue 27: the v2 lottery groups
    queue_page.install(app, api, settings)  # issue 28: the release queue, its API and its page
    group_pages.install(app, api)  # the lottery's pages: v1's draw page, issue 27's group pages
    for page_bp in (pages.bp, seat_pages.bp, correction_pages.bp, pages_access.bp, organizer.bp):
        app.register_blueprint(page_bp)
    group_booking.install(app, api)  # issue 29: a school's or an institute's group booking
    # On-site standby (issue 15 §3): the door poster and the join page behind its QR.
    app.extensions["sciday.standby_join"] = standby_join.CheckinStandby(
        settings.checkin_url, internal.key_of(settings), sealed.sealer(settings, sealed.NOTIFY)
    )
    app.register_blueprint(standby_join.bp)
    api.register_blueprint(standby_join.api)
    window_api.install(app, api)  # issue 29: the staffed window and the phone line
    return app
