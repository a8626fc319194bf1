"""Issue 25: the party maximum is one setting (Settings.party_size_limit), not 10 written in the
activity schema, the registration schema (party size and members) and the organizer's form."""

from __future__ import annotations

import pytest
from flask import Flask
from marshmallow import ValidationError

from services.registration.web.registration_schemas import RegistrationIn
from services.registration.web.schemas import ActivityIn
from shared.config import load

FORM = {"name": "张三", "phone": "13912345678"}


def _app(limit: int) -> Flask:
    app = Flask(__name__)
    app.extensions["sciday.settings"] = load({"party_size_limit": limit}, environ={})
    return app


def test_the_default_limit_is_ten():
    assert load(environ={}).party_size_limit == 10
    assert RegistrationIn().load(dict(FORM, party_size=10))["party_size"] == 10
    with pytest.raises(ValidationError) as exc:
        RegistrationIn().load(dict(FORM, party_size=11))
    assert set(exc.value.messages) == {"party_size"}


def test_the_setting_moves_the_limit_of_the_party_and_its_members():
    with _app(6).app_context():
        with pytest.raises(ValidationError) as exc:
            RegistrationIn().load(dict(FORM, party_size=7, members=[{"name": "张三"}] * 7))
        assert {"party_size", "members"} <= set(exc.value.messages)
    with _app(12).app_context():
        assert RegistrationIn().load(dict(FORM, party_size=12))["party_size"] == 12


def test_an_activity_may_allow_up_to_the_limit():
    with _app(6).app_context():
        assert "max_party_size" in ActivityIn().validate({"max_party_size": 7}, partial=True)
        assert "max_party_size" not in ActivityIn().validate({"max_party_size": 6}, partial=True)
