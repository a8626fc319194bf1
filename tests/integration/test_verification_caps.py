"""Issue 23 finding 9: SMS spend across addresses, on real Redis (code_issue.lua is the only home).

The probe: 30 IPv6 addresses in one /64 were sent 30 codes (no per-prefix or total cap); and the
other way round, the 50-a-day cap per address stopped the 51st walk-in on a museum's Wi-Fi. Now a
network prefix (IPv4 /24, IPv6 /64) and the whole festival have hourly caps, and the venue's own
networks are not capped as one person (they still count toward the total)."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from services.registration.access import verification as v
from services.registration.access.verification_store import RedisCodeStore
from services.registration.vocabulary import Refusal
from shared import clientaddr

SECRET = b"k" * 32
T0 = 1_800_000_000_000
HOUR = 3_600_000


class Outbox:
    def __init__(self):
        self.sent: list[str] = []

    def send_code(self, phone, code, locale, ttl_min, channel="sms"):
        self.sent.append(phone)


@pytest.fixture
def ask(settings, redis):
    """ask(phone index, address, now, **caps) -> "ok" or the reason refused; the outbox."""
    store, outbox = RedisCodeStore(redis, settings.redis_prefix), Outbox()

    def ask(i: int, ip: str, now: int = T0, **over) -> str:
        policy = v.Policy.from_settings(settings.with_overrides(**over))
        try:
            v.request_code(
                f"139{i:08d}",
                ip,
                "zh-CN",
                store=store,
                sender=outbox,
                policy=policy,
                secret=SECRET,
                now_ms=now,
            )
        except Refusal as exc:
            return exc.reason
        return "ok"

    ask.outbox = outbox
    return ask


CAPS = {
    "verify_daily_per_ip": 5,
    "verify_hourly_per_prefix_v4": 10,
    "verify_hourly_per_prefix_v6": 10,
    "verify_hourly_global": 1000,
}


def test_the_probe_thirty_ipv6_addresses_in_one_64_with_the_default_settings(ask):
    """On main all 30 were sent a code: each address was under its own daily cap."""
    outcomes = [ask(i, f"2001:db8:7:7::{i + 1:x}") for i in range(30)]
    assert outcomes == ["ok"] * 10 + ["network_cap_reached"] * 20


def test_thirty_addresses_of_one_ipv6_64_share_its_cap(ask):
    outcomes = [ask(i, f"2001:db8:1:2::{i + 1:x}", **CAPS) for i in range(30)]
    assert outcomes == ["ok"] * 10 + ["network_cap_reached"] * 20
    assert len(ask.outbox.sent) == 10
    assert ask(31, "2001:db8:1:3::1", **CAPS) == "ok"  # the next /64 is another household
    assert ask(32, "2001:db8:1:2::99", now=T0 + HOUR + 1, **CAPS) == "ok"  # an hour on: room again


def test_an_ipv4_24_shares_its_cap_and_a_mapped_address_counts_as_ipv4(ask):
    outcomes = [ask(i, f"198.51.100.{i + 1}", **CAPS) for i in range(10)]
    assert outcomes == ["ok"] * 10
    assert ask(10, "::ffff:198.51.100.200", **CAPS) == "network_cap_reached"
    assert ask(11, "198.51.101.1", **CAPS) == "ok"


def test_the_hourly_total_bounds_the_spend_whoever_asks(ask):
    caps = {**CAPS, "verify_hourly_global": 3}
    outcomes = [ask(i, f"203.0.{i}.1", **caps) for i in range(5)]
    assert outcomes == ["ok"] * 3 + ["codes_busy"] * 2
    assert ask(9, "203.0.9.1", now=T0 + HOUR + 1, **caps) == "ok"


def test_the_venue_wifi_is_not_one_person_but_counts_toward_the_total(ask):
    venue = {**CAPS, "verify_venue_networks": "10.8.0.0/16, 2001:db8:aa::/48", "verify_hourly_global": 60}
    walk_ins = [ask(i, "10.8.1.1", **venue) for i in range(51)]  # the 51st walk-in on the Wi-Fi
    assert walk_ins == ["ok"] * 51
    assert [ask(100 + i, f"2001:db8:aa::{i + 1:x}", **venue) for i in range(8)] == ["ok"] * 8
    assert ask(200, "10.8.1.1", **venue) == "ok"  # the 60th code this hour
    assert ask(201, "10.8.1.1", **venue) == "codes_busy"  # the total holds on the venue's networks too
    assert len(ask.outbox.sent) == 60


def test_each_outcome_is_counted_for_the_alerts(ask):
    def seen(outcome: str) -> float:
        return REGISTRY.get_sample_value("sciday_verification_codes_total", {"outcome": outcome}) or 0.0

    before = seen("ok"), seen("network_cap_reached")
    caps = {**CAPS, "verify_hourly_per_prefix_v4": 1}
    assert [ask(i, f"192.0.2.{i + 1}", **caps) for i in range(3)] == [
        "ok",
        "network_cap_reached",
        "network_cap_reached",
    ]
    assert (seen("ok") - before[0], seen("network_cap_reached") - before[1]) == (1.0, 2.0)


def test_the_network_of_an_address():
    assert clientaddr.network_of("198.51.100.7", 24, 64) == "198.51.100.0/24"
    assert clientaddr.network_of("2001:db8:1:2:3:4:5:6", 24, 64) == "2001:db8:1:2::/64"
    assert clientaddr.network_of("::ffff:198.51.100.7", 24, 64) == "198.51.100.0/24"
    assert clientaddr.network_of("-", 24, 64) == "-"
