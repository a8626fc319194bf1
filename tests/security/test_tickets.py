"""Signed ticket codes: verify with the public key alone; any change or other key fails."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.tickets import InvalidTicket, KeyRing, b64d, b64e, new_registration_id


@pytest.fixture(scope="module")
def ring(tmp_path_factory):
    return KeyRing.load_or_create(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def other_ring(tmp_path_factory):
    return KeyRing.load_or_create(tmp_path_factory.mktemp("other-keys"))


def _code(ring, **over):
    args = dict(
        registration_id=new_registration_id(),
        activity_id="imax-workers-special-1",
        venue_id="ln-stm",
        party_size=4,
        valid_from=1_800_000_000,
        valid_until=1_800_007_200,
    )
    args.update(over)
    return ring.sign(**args), args


def test_a_code_round_trips_and_is_short(ring):
    code, args = _code(ring)
    t = ring.verify(code)
    assert (t.registration_id, t.activity_id, t.venue_id, t.party_size, t.valid_from, t.valid_until) == (
        args["registration_id"],
        args["activity_id"],
        args["venue_id"],
        4,
        1_800_000_000,
        1_800_007_200,
    )
    assert len(code) <= 160


def test_a_scanner_with_only_the_public_keys_verifies(ring):
    code, args = _code(ring)
    scanner = KeyRing.from_public_list(ring.public_list())
    assert scanner.verify(code).registration_id == args["registration_id"]
    with pytest.raises(RuntimeError):
        scanner.sign(**args)  # no private key there


def test_a_code_signed_by_another_key_fails(ring, other_ring):
    code, _ = _code(other_ring)  # same key id 1, different key
    with pytest.raises(InvalidTicket):
        ring.verify(code)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.data())
def test_any_changed_byte_fails(ring, data):
    code, _ = _code(ring)
    raw = bytearray(b64d(code[4:]))
    i = data.draw(st.integers(0, len(raw) - 1), label="byte index")
    flip = data.draw(st.integers(1, 255), label="xor")
    raw[i] ^= flip
    with pytest.raises(InvalidTicket):
        ring.verify("SD1." + b64e(bytes(raw)))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_invalid_not_an_error(ring, text):
    with pytest.raises(InvalidTicket):
        ring.verify(text)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(cut=st.integers(1, 40))
def test_truncated_codes_fail(ring, cut):
    code, _ = _code(ring)
    with pytest.raises(InvalidTicket):
        ring.verify(code[:-cut])
