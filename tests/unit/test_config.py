"""Every setting is declared once and loadable from the environment by a name derived from it."""

from __future__ import annotations

import typing
from dataclasses import fields
from pathlib import Path

import pytest

from shared.config import Settings, env_names, load

TYPES = typing.get_type_hints(Settings)


def _sample(kind, default):
    """A value of the field's type that differs from its default, and how the env spells it."""
    if kind is int:
        return default + 7, str(default + 7)
    if kind is float:
        return default + 0.25, str(default + 0.25)
    if kind is bool:
        return (not default), ("0" if default else "1")
    if kind is Path:
        return Path("/srv/elsewhere"), "/srv/elsewhere"
    return f"{default}-changed", f"{default}-changed"


FROM_ENV = [f for f in fields(Settings) if env_names(f)]


def test_every_field_but_extra_is_read_from_the_environment():
    assert {f.name for f in fields(Settings)} - {f.name for f in FROM_ENV} == {"extra"}


@pytest.mark.parametrize("f", FROM_ENV, ids=lambda f: f.name)
def test_each_field_loads_from_its_sciday_name(f):
    want, raw = _sample(TYPES[f.name], getattr(Settings, f.name))
    name = "SCIDAY_" + f.name.upper()
    assert name in env_names(f)
    assert getattr(load(environ={name: raw}), f.name) == want


@pytest.mark.parametrize(
    "name, field_name, value",
    [
        ("REDIS_URL", "redis_url", "redis://10.0.0.5:6380/1"),
        ("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers", "k1:9092,k2:9092"),
        ("SCIDAY_REDIS_PREFIX", "redis_prefix", "fest:"),
        ("SCIDAY_CONSUMER_MAX_RETRIES", "consumer_max_retries", 9),
        ("SCIDAY_NOTIFY_SMS_PER_S", "notify_sms_per_s", 2.5),
    ],
)
def test_the_existing_variable_names_still_work(name, field_name, value):
    assert getattr(load(environ={name: str(value)}), field_name) == value


def test_the_well_known_name_wins_over_the_derived_one():
    env = {"REDIS_URL": "redis://a/0", "SCIDAY_REDIS_URL": "redis://b/0"}
    assert load(environ=env).redis_url == "redis://a/0"
    assert load(environ={"SCIDAY_REDIS_URL": "redis://b/0"}).redis_url == "redis://b/0"


def test_unset_and_empty_keep_the_defaults_and_derived_defaults_follow():
    s = load(
        environ={"SCIDAY_TIMEZONE": "", "SCIDAY_VAR_DIR": "/srv/sciday", "SCIDAY_REGISTRATION_PORT": "9001"}
    )
    assert s.timezone == Settings.timezone
    assert s.keys_dir == Path("/srv/sciday/keys")
    assert s.public_base_url == s.registration_url == "http://127.0.0.1:9001"
    assert load(environ={"SCIDAY_KEYS_DIR": "/k"}).keys_dir == Path("/k")


def test_a_malformed_number_names_its_variable():
    with pytest.raises(ValueError, match="SCIDAY_CHECKIN_PORT"):
        load(environ={"SCIDAY_CHECKIN_PORT": "eighty"})


def test_overrides_apply_after_the_environment():
    assert load({"smtp_port": 2525}, environ={"SCIDAY_SMTP_PORT": "25"}).smtp_port == 2525


@pytest.fixture
def berlin():
    from shared.config import use_timezone

    yield "Europe/Berlin"
    use_timezone(Settings.timezone)


def test_the_app_factory_makes_settings_timezone_the_zone_of_every_rule(berlin):
    from datetime import UTC, datetime

    from services.checkin import admission
    from services.notify import messages
    from services.registration import activities
    from shared.web import make_app

    at = datetime(2026, 5, 30, 6, 0, tzinfo=UTC)
    assert activities.iso(at) == "2026-05-30T14:00:00+08:00"  # the declared default
    make_app("t", load({"timezone": berlin}, environ={}), title="t", description="t")
    assert activities.iso(at) == "2026-05-30T08:00:00+02:00"
    assert admission.TZ.key == berlin and at.astimezone(admission.TZ).strftime("%H:%M") == "08:00"
    assert messages.format_when(at.isoformat(), at.isoformat(), "en").endswith("08:00–08:00")
    assert activities.parse("2026-01-10T09:00:00").utcoffset().total_seconds() == 3600  # naive: local
