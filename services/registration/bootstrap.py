"""Wiring: the production adapters behind the registration ports, built in the app factory.

``bootstrap(settings, redis, keys)`` builds the :class:`~services.registration.ports.Ports`
(nothing connects here: the Redis client is lazy); views reach them through :func:`ports`.
Tests build their own ``Ports`` (``tests/unit/registration_ports.py``).
"""

from __future__ import annotations

from flask import current_app

from services.registration.noshow import record as noshow
from services.registration.noshow.store import NoShowStore
from services.registration.ports import Ports
from services.registration.seats.checks_store import RedisChecks
from services.registration.seats.store import SeatStore
from shared.clock import SystemClock as SystemClock  # re-exported
from shared.config import Settings
from shared.ratelimit import RateLimiter
from shared.tickets import KeyRing

EXTENSION = "sciday.registration"


def bootstrap(settings: Settings, redis, keys: KeyRing) -> Ports:
    from services.registration.access.fair import FairPolicy
    from services.registration.lottery.beacons import beacon_from
    from services.registration.lottery.group_store import GroupStore
    from services.registration.lottery.store import LotteryStore
    from services.registration.seats.door import DoorRevocations
    from shared import door_id, internal, keyfile

    # fair access (issue 14): one server secret keys every ID, phone, address and code hash
    secret = keyfile.from_settings(settings, "registration-hmac", "SCIDAY_HMAC_SECRET")
    seats, limiter, noshow_store, lotteries, groups = (
        SeatStore(redis, settings),
        RateLimiter(redis, settings.redis_prefix, secret=secret),
        NoShowStore(redis, settings),
        LotteryStore(redis, settings),
        GroupStore(redis, settings),  # issue 27: a session of a v2 group is opened by lot too
    )
    return Ports(
        seats=seats,
        signer=keys,
        limiter=limiter,
        clock=SystemClock(),
        base_url=settings.public_base_url,
        checkin_opens_before_min=settings.checkin_opens_before_min,
        companions_per_wheelchair=settings.quota_companions_per_wheelchair,  # issue 29 item 6
        ip_per_min=settings.rate_limit_ip_per_min,
        phone_per_min=settings.rate_limit_phone_per_min,
        noshow=noshow_store,
        noshow_policy=noshow.Policy.from_settings(settings),
        noshow_pepper=keyfile.noshow_pepper(settings),
        consent_required=settings.api_consent_required,
        fair=FairPolicy.from_settings(settings),
        secret=secret,
        door_id_key=door_id.master_key(settings),  # issue 23: each member's card, matched at the door
        lottery_opened=lambda aid: lotteries.state(aid) is not None or groups.group_of(aid) is not None,
        # issue 16: the door refuses a cancelled ticket at once, broker or not
        door=DoorRevocations(
            settings.checkin_url, internal.key_of(settings), settings.door_revocation_timeout_ms / 1000
        ),
        # issue 18: the session, the limits and the no-show marks in two round trips, not 3–9
        checks=RedisChecks(redis, limiter, noshow_store, seats, settings.redis_prefix),
        # issue 23: real-name members are confirmed by an authority before the seat script
        realname=realname_port(settings, redis, secret),
        # issue 27: the public randomness beacon (drand), verified before any use
        beacon=beacon_from(settings, redis),
    )


def realname_port(settings: Settings, redis, secret: bytes):
    from services.registration.access import realname
    from services.registration.access.realname_http import HttpAuthority, RedisConfirmed

    authority = (
        HttpAuthority(settings.realname_url, settings.realname_api_key, settings.realname_timeout_ms / 1000)
        if settings.realname_url
        else realname.NoAuthority()
    )
    return realname.RealName(
        authority,
        secret,
        RedisConfirmed(redis, settings.redis_prefix, settings.realname_cache_s),
        bool(settings.realname_unverified_may_book),
    )


def ports() -> Ports:
    """The current app's ports (inside a request or an app context)."""
    return current_app.extensions[EXTENSION]


def store() -> SeatStore:
    """The Redis adapter itself, for reads the use cases do not cover (exports, import)."""
    return current_app.extensions[EXTENSION].seats
