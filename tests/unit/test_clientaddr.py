"""SCIDAY_TRUSTED_PROXIES (shared/clientaddr.py): X-Forwarded-For only from a configured proxy."""

from __future__ import annotations

import logging

import pytest

from shared.clientaddr import TrustedProxies, parse_networks


def middleware(trusted: str) -> TrustedProxies:
    return TrustedProxies(lambda environ, start: environ, parse_networks(trusted))


def remote(mw: TrustedProxies, peer: str, xff: str | None = None, proto: str | None = None) -> dict:
    environ = {"REMOTE_ADDR": peer, "wsgi.url_scheme": "http"}
    if xff is not None:
        environ["HTTP_X_FORWARDED_FOR"] = xff
    if proto is not None:
        environ["HTTP_X_FORWARDED_PROTO"] = proto
    return mw(environ, None)


def test_a_trusted_proxy_passes_on_the_client_address():
    mw = middleware("172.28.0.0/16")
    env = remote(mw, "172.28.0.5", "203.0.113.7", "https")
    assert env["REMOTE_ADDR"] == "203.0.113.7" and env["sciday.peer_addr"] == "172.28.0.5"
    assert env["wsgi.url_scheme"] == "https"


def test_a_rotating_header_from_a_direct_client_changes_nothing(caplog):
    mw = middleware("172.28.0.0/16")
    with caplog.at_level(logging.WARNING, logger="sciday.clientaddr"):
        seen = {remote(mw, "198.51.100.9", f"10.9.9.{i}", "https")["REMOTE_ADDR"] for i in range(50)}
    assert seen == {"198.51.100.9"}
    warnings = [r for r in caplog.records if "not in SCIDAY_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1  # once per process, not once per request


def test_the_client_cannot_prepend_its_own_chain():
    # The client sends "X-Forwarded-For: 1.2.3.4"; nginx appends the real address.
    mw = middleware("172.28.0.0/16")
    assert remote(mw, "172.28.0.5", "1.2.3.4, 203.0.113.7")["REMOTE_ADDR"] == "203.0.113.7"


def test_two_trusted_hops_are_skipped():
    mw = middleware("172.28.0.0/16, 192.0.2.10")
    env = remote(mw, "172.28.0.5", "1.2.3.4, 203.0.113.7, 192.0.2.10")
    assert env["REMOTE_ADDR"] == "203.0.113.7"


def test_garbage_in_the_chain_stops_at_the_last_vouched_address():
    mw = middleware("172.28.0.0/16")
    assert remote(mw, "172.28.0.5", "203.0.113.7, not-an-ip")["REMOTE_ADDR"] == "172.28.0.5"


def test_no_trusted_proxies_means_the_socket_address():
    mw = middleware("")
    assert remote(mw, "127.0.0.1", "203.0.113.7")["REMOTE_ADDR"] == "127.0.0.1"
    assert remote(mw, "127.0.0.1")["REMOTE_ADDR"] == "127.0.0.1"


@pytest.mark.parametrize("legacy", ["1", "2"])
def test_the_old_hop_count_is_refused_at_start_up(legacy):
    with pytest.raises(ValueError, match="CIDR"):
        parse_networks(legacy)


def test_zero_and_bad_networks():
    assert parse_networks("0") == ()
    with pytest.raises(ValueError):
        parse_networks("10.0.0.0/33")
