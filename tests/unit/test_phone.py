"""The canonical phone (shared/phone.py): what people type is accepted, look-alikes are refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import phone

MOBILE = st.from_regex(r"\A1[3-9][0-9]{9}\Z", fullmatch=True)
# Every Unicode space separator (ASCII space, NBSP, ideographic space...) and dash.
SPACES = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Zs"]
DASHES = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Pd"]
OTHER_DIGITS = [
    chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Nd" and not "0" <= chr(c) <= "9"
]
CONTROLS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf")]
DERANDOMIZED = settings(derandomize=True, max_examples=300, deadline=None)


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "0086 13800138000",
        "86-138-0013-8000",
        "(+86) 138 0013 8000",
        " 13800138000 ",
        "138\u30000013\u30008000",  # ideographic spaces from a Chinese keyboard
        "138\u00a00013\u00a08000",  # NBSP pasted from a web page
    ],
)
def test_what_people_type_becomes_eleven_ascii_digits(typed):
    assert phone.canonical(typed) == "13800138000"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("13800138001\n", "control_character"),
        ("13800138001\r\n", "control_character"),
        ("1380013\t8001", "control_character"),
        ("138\u200b00138001", "control_character"),  # zero-width space
        ("\u202e13800138001", "control_character"),  # bidi override
        ("１３８００１３８００１", "not_ascii_digits"),  # full-width
        ("١٣٨٠٠١٣٨٠٠١", "not_ascii_digits"),  # Arabic-Indic
        ("۱۳۸۰۰۱۳۸۰۰۱", "not_ascii_digits"),  # Extended Arabic-Indic
        ("1380013800①", "not_ascii_digits"),
        ("12800138001", "not_mainland_mobile"),
        ("1380013800", "not_mainland_mobile"),
        ("138001380012", "not_mainland_mobile"),
        ("+1 13800138001", "not_mainland_mobile"),
        ("phone: 13800138001", "not_mainland_mobile"),
        ("", "empty"),
        ("   ", "empty"),
        ("1" * 41, "too_long"),
    ],
)
def test_look_alikes_and_junk_are_refused_with_a_reason(typed, why):
    with pytest.raises(phone.PhoneInvalid) as exc:
        phone.canonical(typed)
    assert exc.value.why == why


def test_not_a_string_is_refused():
    with pytest.raises(phone.PhoneInvalid):
        phone.canonical(13800138000)


@DERANDOMIZED
@given(
    MOBILE,
    st.sampled_from(["", "+86", "0086", "86"]),
    st.lists(st.sampled_from(SPACES + DASHES), max_size=6),
    st.randoms(use_true_random=False),
)
def test_any_spacing_and_prefix_gives_the_same_number(number, prefix, separators, rnd):
    chars = list(prefix + number)
    for sep in separators:
        chars.insert(rnd.randrange(len(chars) + 1), sep)
    text = "".join(chars)
    if len(text) <= phone.MAX_INPUT:
        assert phone.canonical(text) == number


@DERANDOMIZED
@given(MOBILE, st.sampled_from(OTHER_DIGITS), st.integers(0, 10))
def test_a_digit_of_another_script_anywhere_is_refused(number, digit, at):
    text = number[:at] + digit + number[at + 1 :]
    with pytest.raises(phone.PhoneInvalid) as exc:
        phone.canonical(text)
    assert exc.value.why == "not_ascii_digits"


@DERANDOMIZED
@given(MOBILE, st.sampled_from(CONTROLS), st.integers(0, 11))
def test_a_control_character_anywhere_is_refused(number, control, at):
    with pytest.raises(phone.PhoneInvalid) as exc:
        phone.canonical(number[:at] + control + number[at:])
    assert exc.value.why == "control_character"


@DERANDOMIZED
@given(st.text(max_size=30))
def test_whatever_is_accepted_is_eleven_ascii_digits_and_stable(text):
    try:
        out = phone.canonical(text)
    except phone.PhoneInvalid:
        return
    assert len(out) == 11 and out.isascii() and out.isdigit() and phone.is_canonical(out)
    assert phone.canonical(out) == out
