"""Issue 29 items 2 and WCAG 3.3.8: a code by phone call (the ``voice`` channel) under the same rules
as an SMS code, and a code pasted or autofilled with its spaces or dashes.

The channel choice and the separators are verification.py's; the spoken text is notify's
(channels/voice.py and templates/<locale>/voice/); the local gateway records the call with its
channel (standins/sms_gateway.py). On the session's Redis with a key prefix per test."""

from __future__ import annotations

import pytest

from services.notify.channels import voice
from services.notify.delivery import messages
from services.registration.access import verification as v
from services.registration.access.verification_store import RedisCodeStore
from services.registration.vocabulary import Refusal
from shared import sealed
from standins.sms_gateway import GatewayState, create_app

SECRET = b"v" * 32
POLICY = v.Policy(code_ttl_s=300, max_attempts=5, resend_cooldown_s=60, daily_per_phone=3, daily_per_ip=9)
T0, MIN = 1_800_000_000_000, 60_000


class Calls:
    """A code sender that remembers each code with the channel it went by."""

    def __init__(self):
        self.sent: list[tuple[str, str, str]] = []

    def send_code(self, phone, code, locale, ttl_min, channel="sms"):
        self.sent.append((phone, code, channel))


@pytest.fixture
def world(store_settings, store_redis):
    ring = sealed.sealer(store_settings, sealed.REGISTRATION)
    return RedisCodeStore(store_redis, store_settings.redis_prefix, ring), Calls()


def ask(world, channel=None, now=0, **kw):
    store, calls = world
    extra = {} if channel is None else {"channel": channel}
    return v.request_code(
        "13800138000", "10.0.0.1", "zh-CN", store=store, sender=calls, policy=POLICY, secret=SECRET,
        now_ms=T0 + now, **extra, **kw,
    )  # fmt: skip


def answer(world, code, now=1000):
    return v.verify("13800138000", code, store=world[0], policy=POLICY, secret=SECRET, now_ms=T0 + now)


def refused(fn, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_a_code_goes_by_sms_unless_a_call_is_asked_for(world):
    assert ask(world)["channel"] == "sms"
    assert ask(world, "voice", now=MIN)["channel"] == "voice"
    assert [c for _, _, c in world[1].sent] == ["sms", "voice"]


def test_a_code_read_out_in_a_call_opens_the_session(world):
    ask(world, "voice")
    _, code, _ = world[1].sent[-1]
    assert answer(world, code).phone == "13800138000"


def test_an_unknown_channel_is_refused_before_anything_is_sent(world):
    r = refused(ask, world, "fax")
    assert r.reason == "validation_failed" and "channel" in r.details["rules"]
    assert world[1].sent == []


def test_a_call_waits_out_the_cooldown_of_an_sms_code_and_back(world):
    ask(world, "sms")
    assert refused(ask, world, "voice", now=30_000).reason == "code_cooldown"
    ask(world, "voice", now=MIN)
    assert refused(ask, world, "sms", now=MIN + 30_000).reason == "code_cooldown"


def test_calls_and_sms_count_toward_one_daily_cap(world):
    for i, channel in enumerate(("sms", "voice", "sms")):
        ask(world, channel, now=i * MIN)
    assert refused(ask, world, "voice", now=3 * MIN).reason == "daily_cap_reached"


@pytest.mark.parametrize("shape", ["{} {}", "{}-{}", "{}\u3000{}", "{}\u2013{}", " {}{} ", "{} - {}"])
def test_a_pasted_code_with_spaces_or_dashes_is_the_code(world, shape):
    ask(world)
    code = world[1].sent[-1][1]
    assert answer(world, shape.format(code[:3], code[3:])).phone == "13800138000"


@pytest.mark.parametrize("bad", ["382 91", "3829 167", "382.916", "38_2916", "1" * 41])
def test_what_is_left_after_the_separators_must_be_six_digits(world, bad):
    ask(world)
    assert refused(answer, world, bad).reason == "code_invalid"


def test_the_voice_reads_the_digits_one_by_one_in_the_persons_language():
    assert voice.spoken("382916") == "3 8 2 9 1 6"
    said = {"code": "382916", "spoken": voice.spoken("382916"), "minutes": "5"}
    zh = messages.render("verification_code", "voice", "zh-CN", said)
    en = messages.render("verification_code", "voice", "en", said)
    assert zh.text.startswith("您的验证码是 3 8 2 9 1 6") and zh.text.count("3 8 2 9 1 6") == 2
    assert en.text.startswith("Your sciday code is 3 8 2 9 1 6") and "验证码" not in en.text


class Provider:
    idempotent = True

    def __init__(self):
        self.messages = []

    def send(self, message):
        self.messages.append(message)
        return "m-1"


def test_the_voice_port_names_its_channel_and_its_tts_template():
    provider = Provider()
    caller = voice.VoiceChannel(provider, "科技节", {"verification_code.en": "TTS_2"})
    caller.call("vc-1", "13800138000", "verification_code", "en", "Your code is 3 8 2", {"code": "382"})
    caller.call("vc-2", "13800138000", "verification_code", "zh-CN", "您的验证码是", {"code": "382"})
    first, second = provider.messages
    assert first.channel == second.channel == "voice"
    assert (first.template_id, second.template_id) == ("TTS_2", "verification_code.zh-CN")


def gateway_post(client, **over):
    body = {"client_ref": "r1", "phone": "13800138000", "template_id": "t", "text": "您的验证码是 3 8 2"}
    return client.post("/api/v1/sms", json={**body, **over})


def test_the_local_gateway_records_and_shows_a_call_with_what_it_says():
    state = GatewayState()
    client = create_app(state).test_client()
    assert gateway_post(client, channel="voice").status_code == 200
    assert gateway_post(client, client_ref="r2").status_code == 200  # an SMS: no channel named
    assert [m["channel"] for m in state.snapshot()["messages"]] == ["voice", "sms"]
    page = client.get("/").get_data(as_text=True)
    assert (
        "语音来电 · voice call" in page
        and "（播报 · says）您的验证码是 3 8 2" in page
        and "138****8000" in page
    )


def test_the_local_gateway_refuses_a_channel_it_does_not_know():
    client = create_app(GatewayState()).test_client()
    assert gateway_post(client, channel="fax").status_code == 400
