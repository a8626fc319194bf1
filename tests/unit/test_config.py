"""Every setting is declared once and loadable from the environment by a name derived from it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args, get_origin

import pytest

from shared.config import Settings, all_env_names, env_names, load

TYPES = {name: info.annotation for name, info in Settings.model_fields.items()}


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
    if get_origin(kind) is Literal:  # one of the words it allows (issue 27: handback_*)
        other = next(word for word in get_args(kind) if word != default)
        return other, other
    if default == Settings.timezone:
        return "Europe/Berlin", "Europe/Berlin"  # a zone, as the field checks
    return f"{default}-changed", f"{default}-changed"


FROM_ENV = list(Settings.model_fields)


@pytest.mark.parametrize("f", FROM_ENV)
def test_each_field_loads_from_its_sciday_name(f):
    want, raw = _sample(TYPES[f], getattr(Settings, f))
    name = "SCIDAY_" + f.upper()
    assert name in env_names(f)
    assert getattr(load(environ={name: raw}), f) == want


@pytest.mark.parametrize("f", FROM_ENV)
def test_each_field_loads_from_a_secret_file(f, tmp_path):
    want, raw = _sample(TYPES[f], getattr(Settings, f))
    (tmp_path / "value").write_text(raw + "\n", encoding="utf-8")
    name = env_names(f)[-1]
    assert getattr(load(environ={name + "_FILE": str(tmp_path / "value")}), f) == want


@pytest.mark.parametrize("f", FROM_ENV)
def test_each_setting_is_documented(f):
    """The docstring under a field is its documentation (docs/settings.md is made of them)."""
    assert (Settings.model_fields[f].description or "").strip(), f"{f}: give it a docstring under the field"


def test_the_class_answers_the_declared_defaults():
    assert Settings.web_workers == Settings().web_workers == 2
    assert Settings.keys_dir == Path("var/keys")


def test_variable_names_are_unique():
    names = all_env_names()
    assert len(names) == len(set(names))


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


@pytest.mark.parametrize(
    "env",
    [
        {"SCIDAY_DOOR_ID_REQUIRED": "maybe"},
        {"SCIDAY_CONSUMER_HALT_FAILURE_SHARE": "half"},
        {"REDIS_URL": "redis://a/0", "SCIDAY_WEB_WORKERS": "2.5"},
        {"SCIDAY_TIMEZONE": "Asia/Beijing"},
    ],
)
def test_a_bad_value_names_its_variable_and_value(env):
    name, raw = list(env.items())[-1]
    with pytest.raises(ValueError, match=f"{name}='{raw}'"):
        load(environ=env)


def test_every_bad_value_is_named_at_once():
    with pytest.raises(ValueError) as caught:
        load(environ={"SCIDAY_CHECKIN_PORT": "x", "SCIDAY_NOTIFY_PORT": "y"})
    assert "SCIDAY_CHECKIN_PORT='x'" in str(caught.value) and "SCIDAY_NOTIFY_PORT='y'" in str(caught.value)


def test_settings_alone_is_the_declared_defaults(monkeypatch):
    """Settings() reads no environment; load() does."""
    monkeypatch.setenv("SCIDAY_WEB_WORKERS", "9")
    assert Settings().web_workers == 2
    assert load().web_workers == 9


def test_an_unknown_override_is_refused():
    with pytest.raises(TypeError, match="no_such_thing"):
        Settings().with_overrides(no_such_thing=1)


def test_overrides_apply_after_the_environment():
    assert load({"smtp_port": 2525}, environ={"SCIDAY_SMTP_PORT": "25"}).smtp_port == 2525


@pytest.fixture
def berlin():
    from shared.config import use_timezone

    yield "Europe/Berlin"
    use_timezone(Settings.timezone)


def test_the_app_factory_makes_settings_timezone_the_zone_of_every_rule(berlin):
    from datetime import UTC, datetime

    from services.checkin.door import admission
    from services.notify.delivery import messages
    from services.registration.catalogue import activities
    from shared.web import make_app

    at = datetime(2026, 5, 30, 6, 0, tzinfo=UTC)
    assert activities.iso(at) == "2026-05-30T14:00:00+08:00"  # the declared default
    make_app("t", load({"timezone": berlin}, environ={}), title="t", description="t")
    assert activities.iso(at) == "2026-05-30T08:00:00+02:00"
    assert admission.TZ.key == berlin and at.astimezone(admission.TZ).strftime("%H:%M") == "08:00"
    assert messages.format_when(at.isoformat(), at.isoformat(), "en").endswith("08:00–08:00")
    assert activities.parse("2026-01-10T09:00:00").utcoffset().total_seconds() == 3600  # naive: local
