"""The services' gettext catalogues (docs/i18n.md): extract, update, compile and check.

    python -m sciday.catalogues update    # msgids from the sources into every .po (new ones empty)
    python -m sciday.catalogues compile   # every .po into its .mo (checked in beside it)
    python -m sciday.catalogues check     # what a unit test checks; exit 1 on any problem

Per service, two domains: ``messages`` (templates and Python) and ``js`` (static scripts).
The msgids are English; every locale in :data:`LOCALES` must translate every msgid.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from shared import words
from shared.msgid import babel_locale

ROOT = Path(__file__).resolve().parent.parent
# Where catalogues live: each service's folder, and shared/ (the field rules of shared/i18n.py).
ROOTS = {
    "registration": ROOT / "services" / "registration",
    "checkin": ROOT / "services" / "checkin",
    "notify": ROOT / "services" / "notify",
    "shared": ROOT / "shared",
}
# the catalogues' folders: every language but English (the msgids themselves), in Babel's names
LOCALES = tuple(babel_locale(lang) for lang in words.LOCALES if lang != words.ENGLISH)
# NP_ marks a msgid with a context in a table (shared/msgid.py), as pgettext does in code
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}
METHODS = {
    "messages": [("**/static/**", "ignore"), ("templates/**.html", "jinja2"), ("**.py", "python")],
    "js": [("**/vendor/**", "ignore"), ("static/**.js", "javascript")],
}
# template literals are read too: `${_("offline")}`
OPTIONS = {
    "templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "static/**.js": {"parse_template_string": "1"},
}


def folder(service: str) -> Path:
    return ROOTS[service]


def po_path(service: str, locale: str, domain: str) -> Path:
    return folder(service) / "translations" / locale / "LC_MESSAGES" / f"{domain}.po"


def extract(service: str, domain: str) -> Catalog:
    """Every msgid the service's sources use in ``domain``, with where it is used."""
    found = Catalog(project="sciday", domain=domain)
    root = folder(service)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), METHODS[domain], OPTIONS, KEYWORDS
    ):
        msgid = message if isinstance(message, str) else tuple(message)
        found.add(msgid, None, [(f"{root.name}/{filename}", lineno)], auto_comments=comments, context=context)
    return found


def catalogues() -> Iterator[tuple[str, str, str]]:
    for service in ROOTS:
        for domain in METHODS:
            for locale in LOCALES:
                if po_path(service, locale, domain).exists():
                    yield service, locale, domain


def read(service: str, locale: str, domain: str) -> Catalog:
    with po_path(service, locale, domain).open("rb") as f:
        return read_po(f, locale=locale, domain=domain)


def compiled(catalogue: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalogue)
    return out.getvalue()


def problems(service: str, locale: str, domain: str) -> list[str]:
    """Msgids used but missing, untranslated or fuzzy; msgids no longer used; a stale .mo."""
    catalogue = read(service, locale, domain)
    used = extract(service, domain)
    where = f"{service} {locale} {domain}"
    out = [
        f"{where}: not in the .po: {m.id!r}" for m in used if m.id and catalogue.get(m.id, m.context) is None
    ]
    for m in catalogue:
        if not m.id:
            continue
        if used.get(m.id, m.context) is None:
            out.append(f"{where}: no longer used: {m.id!r}")
        texts = m.string if isinstance(m.string, tuple | list) else (m.string,)
        if m.fuzzy or not all(texts):
            out.append(f"{where}: not translated: {m.id!r}")
        if any(c in str(t) for t in texts for c in "<&"):  # templates write a msgstr unescaped
            out.append(f"{where}: markup in the text of {m.id!r}")
        out += [f"{where}: {m.id!r}: {e}" for e in m.check(catalogue)]
    mo = po_path(service, locale, domain).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compiled(catalogue):
        out.append(f"{where}: {mo.name} is stale: python -m sciday.catalogues compile")
    return out


def update(service: str, locale: str, domain: str) -> None:
    catalogue = read(service, locale, domain)
    used = extract(service, domain)
    used.creation_date = catalogue.creation_date  # a header that changes every run changes the .mo
    catalogue.update(used, no_fuzzy_matching=True)
    with po_path(service, locale, domain).open("wb") as f:
        catalogue.fuzzy = False
        write_po(f, catalogue, width=110, sort_output=True, ignore_obsolete=True, include_lineno=False)


def compile_all() -> None:
    for service, locale, domain in catalogues():
        po_path(service, locale, domain).with_suffix(".mo").write_bytes(
            compiled(read(service, locale, domain))
        )


def main(argv: list[str] | None = None) -> int:
    command = (argv if argv is not None else sys.argv[1:] or ["check"])[0]
    if command == "update":
        for each in catalogues():
            update(*each)
        return 0
    if command == "compile":
        compile_all()
        return 0
    found = [p for each in catalogues() for p in problems(*each)]
    print("\n".join(found) or "every catalogue is complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
