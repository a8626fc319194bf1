"""Each answer speaks one language (issue 26): the refusals of tokens (401, 403), gate plans, the
registrations export and the common reasons are said in the request's language, chosen through
the vocabularies and catalogues, never as "中文 / English" in one string.

Two checks: the answers themselves (in zh-CN and in en, on the real apps and a real Redis), and
the sources, so a new bilingual one-string message cannot come back unseen."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest

from shared.auth import create_token
from shared.errors import COMMON_REASONS, common_message
from tests.conftest import activity_doc

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u3011]")
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,.:;'’()-]+[A-Za-z]{2,})+")
# Chinese, " / ", English (or the other way round) in one literal: the pattern issue 26 removed.
BILINGUAL = re.compile(
    r"[\u4e00-\u9fff][\u3000-\u303f\uff00-\uffef]?\s*/\s*[A-Za-z]|[A-Za-z.!?]\s*/\s*[\u4e00-\u9fff]"
)
LANGS = {"zh-CN": "zh-CN", "en": "en-US"}


def mixed(text: str, lang: str) -> bool:
    """Whether ``text`` holds the other language than ``lang``."""
    return bool(HAN.search(text)) if lang == "en" else bool(ENGLISH.search(text))


def test_the_check_sees_a_mixed_message():
    assert mixed("令牌无效 / The token is not valid.", "zh-CN") and mixed(
        "令牌无效 / The token is not valid.", "en"
    )
    assert not mixed("令牌无效。", "zh-CN") and not mixed("The token is not valid.", "en")
    assert BILINGUAL.search("此令牌不属于该场馆 / This token is for another venue.")
    assert not BILINGUAL.search("2026-05-30 / 2号门")


def _string_literals(path: Path):
    """Every string literal of a module that is not a docstring (an answer's words, a page's)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def test_no_service_source_writes_a_bilingual_one_string_message():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value[:80]!r}"
        for top in ("services", "shared")
        for path in sorted((ROOT / top).rglob("*.py"))
        for line, value in _string_literals(path)
        if BILINGUAL.search(value)
    ]
    assert found == []


@pytest.mark.parametrize("lang", list(LANGS))
def test_every_common_reason_is_said_in_one_language(lang):
    for code in COMMON_REASONS:
        said = common_message(code, lang)
        assert said and not mixed(said.replace("application/json", "").replace("JSON", ""), lang), (
            code,
            said,
        )


@pytest.fixture
def apps(store_settings, store_redis):
    from services.checkin.app import create_app as checkin
    from services.registration.app import create_app as registration

    p = store_settings.redis_prefix
    tokens = {
        "organizer": create_token(store_redis, p, "organizer", "语言组织者"),
        "steward": create_token(store_redis, p, "steward", "语言门岗", "v-elsewhere"),
    }
    reg = registration(store_settings, redis_client=store_redis).test_client()
    ck = checkin(store_settings, redis_client=store_redis).test_client()
    doc = activity_doc("lang-answers")
    created = reg.post(
        "/api/v1/activities", json=doc, headers={"Authorization": f"Bearer {tokens['organizer']}"}
    )
    assert created.status_code == 201, created.get_json()
    return reg, ck, tokens


def _asks(tokens):
    """(app, method, path, body, token, status): each refusal issue 26 names."""
    org, stw = tokens["organizer"], tokens["steward"]
    return [
        ("ck", "get", "/api/v1/attendance", None, None, 401),  # no token
        ("ck", "get", "/api/v1/attendance", None, "sd_not-a-token", 401),  # a wrong one
        ("ck", "put", "/api/v1/gates/g1", {"activities": ["lang-answers"]}, stw, 403),  # a steward's role
        ("ck", "put", "/api/v1/gates/" + "g" * 40, {"activities": ["x"]}, org, 422),  # not a gate name
        ("ck", "put", "/api/v1/gates/g1", {"activities": ["lang-answers"]}, org, 422),  # no venue named
        ("reg", "get", "/api/v1/activities/lang-answers/registrations.csv", None, stw, 403),  # another venue
        ("reg", "get", "/api/v1/no-such-thing", None, None, 404),  # a common reason
    ]


@pytest.mark.parametrize("lang", list(LANGS))
def test_each_refusal_is_said_in_the_requests_language(apps, lang):
    reg, ck, tokens = apps
    for app, method, path, body, token, status in _asks(tokens):
        headers = {"Accept-Language": LANGS[lang]}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        client = ck if app == "ck" else reg
        resp = getattr(client, method)(path, json=body, headers=headers)
        got = resp.get_json()
        assert resp.status_code == status, (path, got)
        said = [got["message"], *(m for ms in got["errors"].values() for m in ms)]
        assert not any(mixed(str(m), lang) for m in said), (path, said)
        if lang == "zh-CN":
            assert HAN.search(got["message"]), (path, got["message"])


CITY_LIST = (
    "活动名称,活动时间,活动地点,厅室,人数上限\n"
    "科普讲座,2031-05-20 14:00-16:00,四平市科技馆," + "厅" * 150 + ",100\n"
)


@pytest.mark.parametrize("lang", list(LANGS))
def test_an_imports_row_errors_are_said_in_the_requests_language(apps, lang):
    """A row error of the schema (a hall too long) once said its rule's key on an English dry run."""
    reg, _ck, tokens = apps
    headers = {"Authorization": f"Bearer {tokens['organizer']}", "Accept-Language": LANGS[lang]}
    for form in ({"file": (io.BytesIO(CITY_LIST.encode()), "list.csv")}, {"mode": "nope"}):
        resp = reg.post(
            "/api/v1/activities/import", data=form, headers=headers, content_type="multipart/form-data"
        )
        got = resp.get_json()
        said = [
            got.get("message", ""),
            *(e["message"] for e in got.get("errors") or [] if isinstance(e, dict)),
        ]
        said += (
            [m for ms in (got.get("errors") or {}).values() for m in ms]
            if isinstance(got.get("errors"), dict)
            else []
        )
        assert len(said) > 1, got
        assert not any(mixed(m, lang) or "|" in m for m in said), said
