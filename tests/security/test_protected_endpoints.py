"""Every endpoint that needs a token: none gives 401; a token of the wrong role gives 403.

The endpoints are found by walking each app's URL map for views wrapped by ``shared.auth.require``,
so a new protected endpoint is covered without editing this file.
"""

from __future__ import annotations

import importlib
import re

import pytest

from shared.auth import ROLES, create_token

SERVICES = ["registration", "checkin", "notify"]


def protected(app):
    """(method, path, roles) for every view method guarded by ``require``."""
    out = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        cls = getattr(view, "view_class", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            fn = getattr(cls, method.lower(), None) if cls else view
            roles = getattr(fn, "sciday_roles", None)
            if roles:
                path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"x-\1", rule.rule)
                out.append((method, path, roles))
    return out


@pytest.fixture(params=SERVICES)
def service(request, settings, redis):
    app = importlib.import_module(f"services.{request.param}.app").create_app(settings)
    return request.param, app, app.test_client()


def test_each_service_has_protected_endpoints_and_all_refuse_without_a_token(service, settings, redis):
    name, app, client = service
    found = protected(app)
    assert found, f"{name} has no protected endpoint?"
    for method, path, _roles in found:
        r = client.open(path, method=method, json={})
        assert r.status_code == 401, (name, method, path, r.get_json())
        assert r.get_json()["reason"] == "unauthorized"
        r = client.open(path, method=method, json={}, headers={"Authorization": "Bearer sd_forged"})
        assert r.status_code == 401, (name, method, path)


def test_a_token_of_the_wrong_role_gets_403(service, settings, redis):
    name, app, client = service
    tokens = {
        role: create_token(
            redis, settings.redis_prefix, role, f"t-{role}", None if role == "organizer" else "ln-stm"
        )
        for role in ROLES
    }
    checked = 0
    for method, path, roles in protected(app):
        for role in set(ROLES) - set(roles):
            r = client.open(path, method=method, json={}, headers={"Authorization": f"Bearer {tokens[role]}"})
            assert r.status_code == 403, (name, method, path, role, r.get_json())
            assert r.get_json()["reason"] == "forbidden"
            checked += 1
    if name in ("registration", "notify"):
        assert checked > 0  # organizer-only endpoints exist there
