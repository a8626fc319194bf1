"""The documentation of the settings cannot drift from their declarations (shared/config.py):
docs/settings.md is generated from them, and every SCIDAY_ variable the other documents name is a
declared one, with the default they quote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared import settings_doc
from shared.config import FILE_SUFFIX, Settings, all_env_names, env_names

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("deploy/**/*.md")])
# Variables that are not settings of a process: compose's interpolation in deploy/, the tests' and
# the CLI's own switches.
NOT_SETTINGS = {
    "SCIDAY_BACKUP_TARGET",
    "SCIDAY_BIND_ADDRESS",
    "SCIDAY_HTTP_PORT",
    "SCIDAY_HTTPS_PORT",
    "SCIDAY_IMAGE",
    "SCIDAY_TEST_BROKER",
    "SCIDAY_KAFKA_CACHE",
    "SCIDAY_CLI_TRACEBACK",
}
# a name, not a family such as SCIDAY_SMTP_* or SCIDAY_NOTIFY_…
MENTION = re.compile(r"\bSCIDAY_[A-Z0-9_]*[A-Z0-9]\b(?!_?\*|_?…|_<)")
# Numbers in parentheses that are not the default: a production choice, the three ports at once.
NOT_DEFAULTS = {
    ("scaling.md", "SCIDAY_TOPIC_REPLICATION_FACTOR"),
    ("scaling.md", "SCIDAY_TOPIC_MIN_INSYNC_REPLICAS"),
    ("README.md", "SCIDAY_TOPIC_MIN_INSYNC_REPLICAS"),
    ("README.md", "SCIDAY_NOTIFY_PORT"),
}
# `SCIDAY_X` (60), (60 s), (default 1000), (100,000, ...): a number in the field's own unit
QUOTED = re.compile(
    r"`(SCIDAY_[A-Z0-9_]+)`\s*\(\s*(?:default\s+)?([0-9][0-9,.]*[0-9]|[0-9])(?![0-9])\s*([A-Za-z]*)"
)


def test_docs_settings_md_is_generated_from_the_declarations():
    assert settings_doc.DOC.read_text(encoding="utf-8") == settings_doc.render(), (
        "docs/settings.md is stale: run `python -m shared.settings_doc`"
    )


def _mentions():
    for doc in DOCUMENTS:
        for name in MENTION.findall(doc.read_text(encoding="utf-8")):
            yield doc.relative_to(ROOT), name


def test_every_variable_the_documents_name_is_a_declared_setting():
    declared = set(all_env_names())
    declared |= {name + FILE_SUFFIX for name in declared}
    unknown = sorted({f"{doc}: {name}" for doc, name in _mentions() if name not in declared | NOT_SETTINGS})
    assert not unknown, f"not a setting of shared/config.py (renamed or removed?): {unknown}"


def _field(variable):
    return next(name for name in Settings.model_fields if variable in env_names(name))


def _quotes():
    for doc in DOCUMENTS:
        for variable, number, unit in QUOTED.findall(doc.read_text(encoding="utf-8")):
            if variable in NOT_SETTINGS or (doc.name, variable) in NOT_DEFAULTS:
                continue
            name = _field(variable)
            if Settings.model_fields[name].annotation not in (int, float, bool):
                continue
            own_unit = name.rsplit("_", 1)[-1]  # s, ms, min, days, bytes...
            if unit in ("", own_unit) or (unit == "s" and own_unit == "s"):
                yield pytest.param(name, float(number.replace(",", "")), id=f"{doc.name}:{variable}")


QUOTES = list(_quotes())


def test_the_documents_quote_defaults():
    assert len(QUOTES) > 30  # the pattern still finds them


@pytest.mark.parametrize("name, quoted", QUOTES)
def test_a_quoted_default_is_the_declared_one(name, quoted):
    assert float(getattr(Settings, name)) == quoted, f"{name} is declared {getattr(Settings, name)}"
