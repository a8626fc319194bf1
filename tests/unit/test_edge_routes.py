"""The edge routes every public route of the three services to the service that serves it, and
nothing under /internal/ or /metrics (issue 24 §4): compose's nginx (deploy/nginx.conf, its
location rules applied as nginx applies them) and the Kubernetes Ingress (deploy/k8s/ingress.yaml,
as ingress-nginx applies regex paths: the longest path that matches).

The public routes are the services' own URL maps and static files; no server is contacted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from shared.config import load

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
NGINX = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
INGRESS = [d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "ingress.yaml").read_text()) if d]
SERVICES = ("registration", "checkin", "notify")
# Reached only inside: calls between the services, scrapes and probes.
NOT_PUBLIC = re.compile(r"^/(internal|metrics|healthz)(/|$)")
# Each service answers these, the edge picks one.
SHARED = {"/", "/favicon.ico", "/openapi.json", "/static/favicon.svg"}
FORBIDDEN = [
    "/internal/v1/revocations",
    "/internal/v1/verification-codes",
    "/internal/v1/activities/a1/standby/entries",
    "/internal",
    "/metrics",
    "/metrics/",
    "/metrics/x",
]


@pytest.fixture(scope="module")
def public_urls(tmp_path_factory) -> dict[str, set[str]]:
    """Every public URL (with sample values) -> the services that serve it."""
    from services.checkin.app import create_app as checkin
    from services.notify.app import create_app as notify
    from services.registration.app import create_app as registration

    settings = load(
        {
            "redis_url": "redis://127.0.0.1:1/0",  # never dialled
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "keys_dir": tmp_path_factory.mktemp("keys"),
        }
    )
    apps = {"registration": registration, "checkin": checkin, "notify": notify}
    out: dict[str, set[str]] = {}
    for name, factory in apps.items():
        app = factory(settings)
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            url = re.sub(r"<(?:(?!int:)[^:>]+:)?[^>]+>", "x1", re.sub(r"<int:[^>]+>", "1", rule.rule))
            if not NOT_PUBLIC.match(url):
                out.setdefault(url, set()).add(name)
        static = Path(app.static_folder or "")
        for f in static.rglob("*") if static.is_dir() else ():
            if f.is_file():
                out.setdefault(f"/static/{f.relative_to(static).as_posix()}", set()).add(name)
    return out


# -- nginx's location rules --------------------------------------------------------------------
def _nginx_locations() -> list[tuple[str, str, str]]:
    """(modifier, pattern, target) of the server's locations, in order; target is the upstream or
    "return"."""
    out = []
    for m in re.finditer(r"location\s+(=|\^~|~\*|~)?\s*(\S+)\s*\{([^}]*)\}", NGINX):
        target = re.search(r"proxy_pass\s+http://(\w+)\s*;", m.group(3))
        out.append((m.group(1) or "", m.group(2), target.group(1) if target else "return"))
    return out


def nginx_route(uri: str) -> str:
    locations = _nginx_locations()
    for mod, pattern, target in locations:
        if mod == "=" and uri == pattern:
            return target
    prefixes = [(p, mod, t) for mod, p, t in locations if mod in ("", "^~") and uri.startswith(p)]
    longest = max(prefixes, key=lambda x: len(x[0]), default=None)
    if longest and longest[1] == "^~":
        return longest[2]
    for mod, pattern, target in locations:
        if mod in ("~", "~*") and re.search(pattern, uri, re.I if mod == "~*" else 0):
            return target
    return longest[2] if longest else "none"


# -- the Ingress, as ingress-nginx with use-regex applies it ------------------------------------
def _ingress_paths() -> list[tuple[str, str, str]]:
    out = []
    for ing in INGRESS:
        assert ing["metadata"]["annotations"]["nginx.ingress.kubernetes.io/use-regex"] == "true"
        for rule in ing["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                out.append((p["pathType"], p["path"], p["backend"]["service"]["name"]))
    return out


def ingress_route(uri: str) -> str:
    paths = _ingress_paths()
    assert {kind for kind, _p, _s in paths} == {"ImplementationSpecific"}, "regex paths only (use-regex)"
    for _kind, path, svc in sorted(paths, key=lambda x: -len(x[1])):
        if re.match(path, uri, re.I):
            return svc
    return "none"  # the controller's default backend: 404


@pytest.mark.parametrize("route", [nginx_route, ingress_route], ids=["nginx", "ingress"])
def test_every_public_route_reaches_the_service_that_serves_it(public_urls, route):
    wrong = {}
    for url, owners in sorted(public_urls.items()):
        got = route(url)
        if got not in owners and not (url in SHARED and got in SERVICES):
            wrong[url] = (got, sorted(owners))
    assert not wrong, wrong


@pytest.mark.parametrize("uri", FORBIDDEN)
def test_nothing_internal_and_no_metrics_at_the_edge(uri):
    assert nginx_route(uri) == "return", uri
    assert ingress_route(uri) == "none", uri
    assert ingress_route(uri.upper()) == "none", uri


def test_the_ingress_serves_tls_and_is_in_the_kustomization():
    kust = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    assert "ingress.yaml" in kust["resources"]
    for ing in INGRESS:
        hosts = {r["host"] for r in ing["spec"]["rules"]}
        assert ing["spec"]["tls"] and hosts <= set(ing["spec"]["tls"][0]["hosts"]), ing["metadata"]["name"]
        notes = ing["metadata"]["annotations"]
        assert notes["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
        assert int(notes["nginx.ingress.kubernetes.io/limit-rps"]) > 0
    for _kind, path, _svc in _ingress_paths():
        re.compile(path)
        assert path.startswith("/") and path != "/", (
            f"{path}: a catch-all would route /internal/ and /metrics"
        )


def test_the_services_trust_the_ingress_pods_not_the_whole_private_range():
    import ipaddress

    config = next(
        d
        for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())
        if d and d["kind"] == "ConfigMap"
    )
    nets = [ipaddress.ip_network(n) for n in config["data"]["SCIDAY_TRUSTED_PROXIES"].split(",")]
    assert nets and all(n.prefixlen >= 16 for n in nets), nets
