"""Configuration from the environment, with development defaults.

Every setting is declared once, as a field of :class:`Settings` (pydantic-settings): its type and
default on one line, its documentation in the docstring under it.  The fields are grouped by theme
in shared/config_platform.py, config_notify.py, config_access.py, config_activities.py,
config_privacy.py and config_operations.py; :class:`Settings` combines them and adds the newest.  Its environment variable is
``SCIDAY_<NAME>`` (``redis_url`` and ``kafka_bootstrap_servers`` also their well-known names
``REDIS_URL`` / ``KAFKA_BOOTSTRAP_SERVERS``), or the file ``<VARIABLE>_FILE`` names (a secret
mounted as a file).  :func:`load` reads them and checks each against its type, naming the variable
of a bad value; an unset or empty variable keeps the default.  Add a setting by appending a field
and its docstring; docs/settings.md is generated from the declarations (``python -m
shared.settings_doc``).  Nothing here connects to anything.  The machinery: shared/settings_base.py.
"""

from __future__ import annotations

import os
import typing
from datetime import datetime, timedelta, tzinfo
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator, model_validator

from shared.config_access import AccessConfig
from shared.config_activities import ActivitiesConfig
from shared.config_notify import NotifyConfig
from shared.config_operations import OperationsConfig
from shared.config_platform import Platform
from shared.config_privacy import PrivacyConfig
from shared.settings_base import ENV_PREFIX, FILE_SUFFIX, env_names_of, load_into

__all__ = ["ENV_PREFIX", "FILE_SUFFIX", "LOCAL_ZONE", "Settings", "all_env_names", "env_names", "load"]


class Settings(OperationsConfig, PrivacyConfig, ActivitiesConfig, AccessConfig, NotifyConfig, Platform):
    # The themes' fields come first, in shared/config_platform.py ... config_operations.py (listed
    # here last to first, so that their fields keep that order); the newest settings are here.
    # -- issue 25: the periodic workers' loop (shared/periodic.py) ---------------------------------
    worker_backoff_max_s: float = 60.0
    """A scheduler whose passes fail in a row (Redis away, a bug) waits its poll interval doubled per
    failure, up to this many seconds (never less than its poll interval), then polls as usual again
    after a pass that works."""

    # -- issue 25: one home per number (the drifts) -----------------------------------------------
    checkin_opens_before_min: int = 60
    """Minutes before the start from which the door admits, until the end: registration signs this window
    into each ticket and check-in judges by it (shared/tickets.checkin_window)."""
    party_size_limit: int = 10
    """The most people one registration may hold; an activity's max_party_size is 1 to this (the
    schemas, the OpenAPI document and the organizer's form read it: services/registration/seats/party_limit.py)."""
    noshow_forgiveness_log_max: int = 200
    """The most forgiveness entries the organizers' forgiveness log page lists, newest first (issue 26;
    the audit stream itself keeps every one: services/registration/noshow/lookup.py)."""

    # -- issue 26: supervisors search past admissions (services/checkin/door/history.py) ----------
    admission_search_hours: int = 24
    """A supervisor's search of past admissions looks this many hours back when no time is given."""
    admission_search_max: int = 50
    """The most admissions one search answers (newest first); narrow the search to see older ones."""

    # -- issue 26: lists sent by cities (services/registration/catalogue/key_rows.py) --------------
    import_minutes_imax: int = 45
    """An imported IMAX (巨幕) activity given a start and no end lasts this many minutes, marked as
    assumed in the import's preview."""
    import_minutes_dome: int = 30
    """...a dome (球幕) show."""
    import_minutes_screening: int = 90
    """...a screening (观影, 放映)."""
    import_minutes_lecture: int = 90
    """...a lecture or talk (讲座, 报告)."""
    import_minutes_exhibition: int = 480
    """...an exhibition (展览): a day's opening."""
    import_minutes_other: int = 120
    """...any other activity (体验, 互动…)."""
    import_each_day_max_days: int = 31
    """A range of dates in an imported list may be split into one activity per day (the organizer
    chooses it in the preview) when it spans at most this many days."""

    # -- issue 27: the public randomness beacon (services/registration/lottery/beacons.py) --------
    beacon_source: str = "recorded"
    """Where a v2 draw's beacon rounds come from: ``http`` (production: the drand relays below) or
    ``recorded`` (tests and `make run`: real, recorded quicknet rounds replayed from the local
    stand-in, each value marked ``recorded``, which an outsider's check fails unless told it is a
    demonstration). An operator's typed round (POST /api/v1/beacon/rounds) is used first in either."""
    beacon_relays: str = (
        "https://api.drand.sh,https://api2.drand.sh,https://api3.drand.sh,https://drand.cloudflare.com"
    )
    """The drand HTTP relays, comma-separated, asked in turn for ``<relay>/<chain hash>/public/<round>``."""
    beacon_timeout_ms: int = 2000
    """How long one relay may take to answer one round before the next relay is asked."""
    beacon_replay_period_s: float = 3.0
    """The ``recorded`` source names the recorded round at index (floor(t / this) + 1) mod N for a
    close at t: the replay's stand-in for "the first round after the close"."""
    beacon_recorded_url: str = "http://127.0.0.1:8007"
    """The local beacon stand-in (standins/beacon.py) the ``recorded`` source fetches from, over the
    same HTTP client and drand API paths as the relays."""
    beacon_recorded_file: str = ""
    """The recorded rounds the ``recorded`` source names (JSON, standins/drand_quicknet_rounds.json's
    shape); "" = that file in the checkout."""
    beacon_chain_hash: str = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
    """The pinned drand chain's hash (default: the League of Entropy's quicknet)."""
    beacon_public_key: str = (
        "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d"
        "1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
    )
    """The pinned chain's BLS public key (hex, on G2); every beacon value is verified against it."""
    beacon_genesis_time: int = 1692803367
    """The pinned chain's genesis (Unix seconds: round 1's time)."""
    beacon_period_s: int = 3
    """The pinned chain's period: a round every this many seconds."""
    # -- issue 27: the v2 lottery group (services/registration/lottery/groups.py) ---------------
    lottery_max_choices: int = 5
    """A party entering a lottery group ranks at most this many of its sessions."""
    lottery_round2_before_h: int = 168
    """Round 2 of a group freezes this many hours before the group's first session starts; no
    round 2 when that is not after round 1's confirmation deadline."""
    lottery_rounds: int = 2
    """Rounds a lottery group has unless its organizer says otherwise (1 or 2)."""
    lottery_single_v2: bool = True
    """Opening a lottery on one activity (``POST /api/v1/activities/<id>/lottery``, the organizers'
    form, the demo catalogue) opens a v2 group of one (``sciday-lottery-v2``). Off: new lotteries
    open as v1 (``sciday-lottery-v1``), kept for tests of v1 itself; a lottery opened as v1 stays
    v1 either way."""
    lottery_handback_poll_s: int = 60
    """After a lottery group's rounds are settled, seats handed back are offered to its waitlist (in
    the last round's order) this often, in seconds, until its first session starts."""

    # -- issue 27: seats handed back never return to open booking (docs/registration.md) ---------
    handback_fcfs: Literal["waitlist", "pool"] = "pool"
    """Where a first-come activity's cancelled seat goes when the activity sets no ``handback``:
    ``pool`` (back to open booking once nobody waits) or ``waitlist`` (only to the waitlist; else it
    stays free for standby at the door, never again open to ``POST …/registrations``)."""
    handback_lottery: Literal["waitlist", "pool"] = "waitlist"
    """...a lottery activity's (国博's 退票不回池): ``waitlist`` or ``pool``."""

    # -- issue 28: the release queue (services/registration/queue/) ------------------------------
    queue_window_min: int = 30
    """A queued activity's queue opens this many minutes before registration opens (the release)."""
    queue_rate_per_min: int = 12000
    """People the queue admits per minute after the release: position p is admitted at the
    release + (p - 1) * 60 / this. Half the registration path's measured rate on a 2-core machine
    (about 400 registrations/s: bench/README.md, docs/queue.md "Measured"); measure yours with
    `python -m bench.queue` and set it to half of what it prints."""
    queue_token_s: int = 600
    """Life of an admission token (seconds): the registration it allows must be made before then."""
    queue_poll_s: int = 5
    """How often the queue page asks for its status (seconds): the answer's ``poll_s``."""
    queue_release_lease_ms: int = 10000
    """A release whose shuffle was begun but not finished is taken over after this long (ms)."""

    queue_poll_max_s: int = 60
    """The queue page's longest wait between two asks (seconds): after an error it waits twice as
    long each time, up to this (never less than ``queue_poll_s``)."""

    queue_heartbeat_s: int = 60
    """The queue page's longest wait between two asks when no known moment is nearer (seconds):
    the release and a place's admission are asked at their time; sold out is heard within this.
    The answer's ``poll_s`` (queue/rules.py ``poll_s``, docs/queue.md)."""
    queue_polls_per_s: int = 75
    """The queue's polls budget (asks per second): a crowd of ``joined`` pages beats no more often
    than every joined / this seconds, and is spread over that long after the release. 75 asks/s at
    ~0.65 ms of stack CPU each (GET …/queue/me answered before Flask) is ~5 % of one core
    (docs/queue.md "Measured"): 50,000 pages beat every ~11 minutes."""
    queue_poll_jitter_pct: int = 20
    """The heartbeat is shortened by a random 0 to this many percent, so pages do not beat together."""

    queue_seat_rate: float = 1.0
    """The queue admits at most this many people per seat per minute (and never more than
    queue_rate_per_min): 300 seats admit 300 a minute, in place order, so a place decides the turn and
    not whose page asks first. 0 turns the bound off."""

    # issue 29: seats kept for channels (quota; services/registration/seats/quota.lua, docs/quota.md)
    quota_window_release_before_h: float = 0.0
    """Hours before the start when the staffed window's unbooked kept seats stop being kept (0: at
    the start, when they go to on-site standby)."""
    quota_group_release_before_h: float = 48.0
    """Hours before the start when a group quota's unbooked seats open to general booking."""
    quota_accessible_release_before_h: float = 24.0
    """Hours before the start when unbooked wheelchair places and companion seats open to general
    booking (UK venues release them about a day before)."""
    # -- issue 29: booking for someone else (代预约, docs/fair-access.md) ---------------------------
    proxy_max_persons_per_festival: int = 4
    """How many different people one verified phone may book for (代预约: a parent, a friend) in the
    festival, counted atomically beside the per-ID limits (access/fair.lua). The same person again
    is not counted twice; a cancelled booking keeps its person counted. 0 turns 代预约 off."""
    # issue 29: a code by phone call; the calendar file
    voice_template_ids: str = ""
    """Issue 29: the provider's voice (TTS) template ids for a code read out in a phone call,
    "verification_code.zh-CN=TTS_1,verification_code.en=TTS_2"; default "<name>.<locale>"."""
    ics_alarm_min: int = 120
    """Issue 29: the calendar file's reminder (VALARM) rings this many minutes before the start."""
    quota_companions_per_wheelchair: int = 1
    """Companion seats a party may book per wheelchair place it books (issue 29 item 6; a companion
    seat is only ever booked with a wheelchair place)."""
    # -- Append new settings above this line: `name: type = default` and a docstring under it. --

    @field_validator("timezone")
    @classmethod
    def _a_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone (e.g. Asia/Shanghai)") from None
        return name

    @model_validator(mode="after")
    def _follow(self) -> Self:
        """Defaults that follow other settings when not set themselves."""
        given = self.model_fields_set
        registration = f"http://127.0.0.1:{self.registration_port}"
        follows = {
            "keys_dir": self.var_dir / "keys",
            "backup_dir": self.var_dir / "backups",
            "public_base_url": registration,
            "registration_url": registration,
            "notify_url": f"http://127.0.0.1:{self.notify_port}",
            "checkin_url": f"http://127.0.0.1:{self.checkin_port}",
        }
        for name, value in follows.items():
            if name not in given:
                self.__dict__[name] = value
        return self


def env_names(name: str) -> list[str]:
    """The environment variables setting ``name`` is read from, the first set one winning."""
    return env_names_of(name, Settings.model_fields[name])


def all_env_names() -> list[str]:
    """Every variable a setting is read from (each may also be given as ``<VARIABLE>_FILE``)."""
    return [variable for name in Settings.model_fields for variable in env_names(name)]


def load(
    overrides: dict[str, Any] | None = None, environ: typing.Mapping[str, str] | None = None
) -> Settings:
    """Read settings from the environment (``SCIDAY_<FIELD>``), then apply ``overrides``."""
    settings = load_into(Settings, os.environ if environ is None else environ)
    assert isinstance(settings, Settings)
    if overrides:
        settings = settings.with_overrides(**overrides)
    return settings


# -- the festival's time zone --------------------------------------------------------------------
class LocalZone(tzinfo):
    """``Settings.timezone`` as a tzinfo, for rules that have no Settings at hand (``TZ`` in
    activities.py and admission.py). It follows :func:`use_timezone`, which the app factory and the
    CLI call with the loaded settings; until then it is the declared default."""

    _zone: ZoneInfo = ZoneInfo(Settings.timezone)

    @property
    def key(self) -> str:
        return str(self._zone.key)

    def _wall(self, dt: datetime | None) -> datetime | None:
        return None if dt is None else dt.replace(tzinfo=None)

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return self._zone.utcoffset(self._wall(dt))

    def dst(self, dt: datetime | None) -> timedelta | None:
        return self._zone.dst(self._wall(dt))

    def tzname(self, dt: datetime | None) -> str | None:
        return self._zone.tzname(self._wall(dt))

    def fromutc(self, dt: datetime) -> datetime:
        return self._zone.fromutc(dt.replace(tzinfo=self._zone)).replace(tzinfo=self)

    def __repr__(self) -> str:
        return f"LocalZone({self.key!r})"


LOCAL_ZONE = LocalZone()


def use_timezone(name: str) -> None:
    """Make ``name`` (an IANA zone, ``Settings.timezone``) the zone of :data:`LOCAL_ZONE`."""
    LocalZone._zone = ZoneInfo(name)
