"""Issue 25, item 1: move the three services' flat modules into feature packages, by script.

Run it once, on a clean checkout of main, from the repository's root:

    python tools/restructure.py            # git mv + rewrite every reference, then ruff (imports, format)
    python tools/restructure.py --dry-run  # only print the moves and what is not mapped

It is stdlib only (ruff, when the venv has it, sorts the rewritten imports and formats the files it
touched). What it does, in order:

1. checks that every ``*.py`` and ``*.lua`` file at a service's root is in :data:`MOVES` or
   :data:`KEEP` (an unknown one stays where it is and is listed: add it to the map and re-run on a
   fresh checkout);
2. ``git mv`` each file to its feature package and writes each package's ``__init__.py``;
3. rewrites, in every text file of :data:`SCOPE`: dotted module names (imports, ``mock.patch``
   targets, ``python -m`` paths, gunicorn app strings), ``from services.<svc> import <module>``
   (one import per new package; ``as`` keeps the name the code uses), file paths
   (``services/<svc>/<file>`` and ``"services" / "<svc>" / "<file>"``) and each Lua script's
   ``--#include`` (a path relative to the including file; shared/ is found by bare name);
4. applies :data:`EDITS`, the few references no rule above can see (a template folder computed
   from ``__file__``, a Makefile glob), each checked to apply;
5. ``ruff check --select I --fix`` and ``ruff format`` on the Python files it changed.

The templates and static folders stay at each service's root: they are the Flask app's
(``app.py`` keeps ``root_path``), shared by the packages' pages.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# service -> package -> [file, or (old file, new file) where the package's name makes a prefix moot]
MOVES: dict[str, dict[str, list[str | tuple[str, str]]]] = {
    "registration": {
        "seats": [
            "usecases.py",
            "store.py",
            "registrations.py",
            "idempotency.py",
            "checks.py",
            "checks_store.py",
            "soldout.py",
            "soldout_gate.py",
            "door.py",
            ("api_registrations.py", "api.py"),
            "party_limit.py",  # issue 25 item 5 (helper "drifts"): the party maximum's one home
            "reserve.lua",
            "cancel.lua",
            "capacity.lua",
            "promote.lua",
            "promote_waitlist.lua",
            "drop_member.lua",
            "erase.lua",
        ],
        "access": [
            "verification.py",
            "verification_store.py",
            "code_sender.py",
            "identity.py",
            "passports.py",
            "realname.py",
            "realname_http.py",
            ("fair_access.py", "fair.py"),
            ("api_verification.py", "api.py"),
            ("pages_access.py", "pages.py"),
            "code_issue.lua",
            "code_check.lua",
            "fair.lua",
        ],
        "lottery": [
            ("lottery.py", "draw.py"),
            ("lottery_entry.py", "entry.py"),
            ("lottery_info.py", "info.py"),
            ("lottery_page.py", "pages.py"),
            ("lottery_scheduler.py", "scheduler.py"),
            ("lottery_store.py", "store.py"),
            ("api_lottery.py", "api.py"),
            ("lottery_run.py", "run.py"),  # issue 25 item 5: the lottery sequence as one use case
            "lottery_begin.lua",
            "lottery_enter.lua",
            "lottery_finish.lua",
            "lottery_promoted.lua",
            "lottery_publish.lua",
            "lottery_register.lua",
            "lottery_tell.lua",
        ],
        "noshow": [
            ("noshow.py", "record.py"),
            ("noshow_flow.py", "flow.py"),
            ("noshow_store.py", "store.py"),
            ("noshow_worker.py", "worker.py"),
            ("api_noshow.py", "api.py"),
            "noshow_admitted.lua",
            "noshow_forgive.lua",
            "noshow_mark.lua",
        ],
        "catalogue": [
            "activities.py",
            ("api_activities.py", "api.py"),
            "importer.py",
            "import_schemas.py",
            "key_activities.py",
            "cells.py",
            "sheet_columns.py",
            "column_mappings.py",
            "exports.py",
            "organizer.py",
        ],
        "privacy": ["consent.py", "retention.py", "personal.py"],
        "web": [
            "pages.py",
            "rendering.py",
            "edge.py",
            "schemas.py",
            "qr.py",
            ("api_keys.py", "keys.py"),
            ("api_mine.py", "mine.py"),
            "standby_join.py",
        ],
    },
    "checkin": {
        "door": [
            "usecases.py",
            ("door_rules.py", "rules.py"),  # issue 25 item 4: the door's decision table
            ("door_checks.py", "checks.py"),  # and the use case's rows of it
            "store.py",
            "admission.py",
            ("door_cards.py", "cards.py"),
            "lookup.py",
            "online_marks.py",
            "read_ahead.py",
            "readmit.py",
            "gates.py",
            "keys.py",
            ("api_checkins.py", "api.py"),
            "api_gates.py",
            "api_revocations.py",
            "admit.lua",
            "door_rules.lua",  # generated from rules.py, included by admit.lua
            "undo.lua",
            "nonce.lua",
            "readmit.lua",
        ],
        "standby": [
            ("standby.py", "usecases.py"),
            ("standby_store.py", "store.py"),
            ("standby_scheduler.py", "scheduler.py"),
            ("api_standby.py", "api.py"),
            ("api_standby_join.py", "api_join.py"),
            "standby_admit.lua",
            "standby_call.lua",
            "standby_join.lua",
            "standby_release.lua",
        ],
        "attendance": [
            ("api_attendance.py", "api.py"),
            "festival.py",
            "summary.py",
            "exports.py",
            "dashboard.py",
        ],
        "web": ["pages.py", "edge.py", "schemas.py"],
    },
    "notify": {
        "delivery": [
            ("deliveries.py", "intents.py"),
            "usecases.py",
            "batches.py",
            "messages.py",
            "publisher.py",
            "dead_letters.py",
            "qr.py",
            "intent.lua",
            "intents.lua",
            "claim.lua",
            "handoff.lua",
            "release.lua",
        ],
        "reminders": [("reminders.py", "schedule.py"), "reminder_done.lua"],
        "channels": ["sender.py", "rate.lua"],  # beside channels/email.py and sms.py
        "web": ["api_codes.py", "api_notices.py", "edge.py"],
    },
}

# Files that stay at the service's root: the app factory and wiring, the processes that are the
# service's rather than one feature's, the one vocabulary (and its generated Lua), the ports.
KEEP: dict[str, list[str]] = {
    "registration": [
        "__init__.py",
        "app.py",
        "bootstrap.py",
        "relay.py",
        "ports.py",
        "vocabulary.py",
        "lua_words.py",
        "words.lua",
        "fakes.py",
    ],
    "checkin": [
        "__init__.py",
        "app.py",
        "consumer.py",
        "projection.py",
        "ports.py",
        "vocabulary.py",
        "vocabulary.lua",
    ],
    "notify": [
        "__init__.py",
        "app.py",
        "consumer.py",
        "projection.py",
        "ports.py",
        "vocabulary.py",
        "vocabulary.lua",
    ],
}

# Each new package's docstring (its __init__.py); docs/architecture.md gives the map.
PACKAGES: dict[str, str] = {
    "registration/seats": "Seats: booking, the waitlist, cancelling, idempotent retries, sold-out answers.",
    "registration/access": "Access: the verified phone, real-name identity, and the per-phone and per-ID limits.",
    "registration/lottery": "The lottery (摇号): entering, the verifiable draw, settling and publishing it.",
    "registration/noshow": "The no-show record (爽约): marks, the festival-wide lock, forgiveness.",
    "registration/catalogue": "The activity catalogue: activities, spreadsheet import, key-activity lists, exports.",
    "registration/privacy": "Privacy: proof of consent, the personal fields at rest, the retention sweep.",
    "registration/web": "The registration service's web edge: registrants' pages, errors, schemas, my registrations.",
    "checkin/door": "The door: verdicts on a scanned ticket, undo, gates, card matching, lookup.",
    "checkin/standby": "On-site standby (现场候补): joining, releasing seats, calling numbers, admitting.",
    "checkin/attendance": "Attendance: live figures, the festival summary, exports, the dashboards.",
    "checkin/web": "The check-in service's web edge: the scanner page, errors, schemas.",
    "notify/delivery": "Delivery: one intent per message, recorded before any provider call, exactly once.",
    "notify/reminders": "Reminders before an activity starts, scheduled durably.",
    "notify/web": "The notify service's web edge: verification codes, organizer notices, errors.",
}

# Text the rules cannot see: (file after the move, old, new, required). Each must apply once where
# its file exists; a required one that does not is listed as skipped, for the lead to look at.
EDITS: list[tuple[str, str, str, bool]] = [
    (
        "services/registration/privacy/consent.py",
        'Path(__file__).parent / "templates"',
        'Path(__file__).parent.parent / "templates"',
        True,
    ),
    (
        "services/notify/delivery/messages.py",
        'Path(__file__).parent / "templates"',
        'Path(__file__).parent.parent / "templates"',
        True,
    ),
    (
        "Makefile",
        "$(wildcard services/*/usecases.py services/*/ports.py services/*/vocabulary.py)",
        "$(wildcard services/*/usecases.py services/*/ports.py services/*/vocabulary.py "
        "services/registration/seats/usecases.py services/checkin/door/usecases.py "
        "services/notify/delivery/usecases.py)",
        False,  # gone once `make typecheck` is mypy over everything (issue 25 item 6)
    ),
    (  # helper "door" (issue 25 item 4): the test finds admit.lua and static/ from door_rules' folder
        "tests/unit/test_door_table.py",
        "HERE = Path(door_rules.__file__).parent\n",
        "HERE = Path(door_rules.__file__).parent.parent  # the service's folder\n",
        True,
    ),
    (
        "tests/unit/test_door_table.py",
        'lua = (HERE / "admit.lua")',
        'lua = (HERE / "door" / "admit.lua")',
        True,
    ),
    (  # the generated scanner JS stays in the service's static/ folder
        "services/checkin/door/rules.py",
        'JS_PATH: Final = HERE / "static" / "js" / "door_rules.js"',
        'JS_PATH: Final = HERE.parent / "static" / "js" / "door_rules.js"',
        True,
    ),
    (
        "tests/unit/test_vocabulary_checkin_notify.py",
        'folder.glob("*.lua")',
        'folder.rglob("*.lua")',
        True,
    ),
]

# Where references are rewritten (bench/results is recorded history, left as it was).
SCOPE = [
    "services",
    "shared",
    "sciday",
    "bench",
    "tests",
    "scripts",
    "standins",
    "deploy",
    "docs",
    ".ci",
    "tools",
    "Makefile",
    "pyproject.toml",
    "docker-compose.yml",
    "README.md",
]
SKIP_PARTS = {"results", "vendor", "__pycache__", "node_modules", ".venv"}
# written in the new layout's names already (``services.registration.lottery.scheduler`` would be
# taken for the old ``lottery`` module)
SKIP_FILES = {"docs/architecture.md", "tools/restructure.py", "tests/unit/test_restructure.py"}
TEXT_SUFFIXES = {
    ".py", ".md", ".toml", ".yml", ".yaml", ".lua", ".js", ".html", ".sh", ".cfg", ".ini", ".txt",
    ".json", ".conf", ".j2", ".po", "",
}  # fmt: skip
SERVICES = tuple(MOVES)


def moves() -> dict[str, str]:
    """Old path -> new path, relative to the root."""
    out = {}
    for svc, packages in MOVES.items():
        for package, files in packages.items():
            for entry in files:
                old, new = entry if isinstance(entry, tuple) else (entry, entry)
                out[f"services/{svc}/{old}"] = f"services/{svc}/{package}/{new}"
    return out


def dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def unmapped(path_moves: dict[str, str]) -> list[str]:
    out = []
    for svc in SERVICES:
        for p in sorted((ROOT / "services" / svc).glob("*")):
            if p.suffix in (".py", ".lua") and p.is_file():
                rel = p.relative_to(ROOT).as_posix()
                if rel not in path_moves and p.name not in KEEP[svc]:
                    out.append(rel)
    return out


def text_files() -> list[Path]:
    tracked = set(git("ls-files").splitlines())
    out = []
    for rel in sorted(tracked):
        parts = Path(rel).parts
        if (parts[0] not in SCOPE and len(parts) > 1) or SKIP_PARTS & set(parts):  # root files: all
            continue
        p = ROOT / rel
        if p.suffix in TEXT_SUFFIXES and p.is_file() and rel not in SKIP_FILES:
            out.append(p)
    return out


def rewrite_names(text: str, module_map: dict[str, str], path_map: dict[str, str]) -> str:
    """Dotted names and paths, each in one pass (so a new name is never rewritten again)."""
    svc = "|".join(SERVICES)

    def dot(m: re.Match[str]) -> str:
        return module_map.get(m.group(0), m.group(0))

    text = re.sub(rf"(?<![\w.])services\.(?:{svc})\.\w+(?!\w)", dot, text)

    def slash(m: re.Match[str]) -> str:
        return path_map.get(m.group(0), m.group(0))

    text = re.sub(rf"(?<![\w/])services/(?:{svc})/[\w.]+\.(?:py|lua)(?![\w])", slash, text)

    def parts(m: re.Match[str]) -> str:
        prefix, sep, service, name = m.group(1), m.group(2), m.group(3), m.group(4)
        new = path_map.get(f"services/{service}/{name}")
        if new is None:
            return m.group(0)
        return prefix + sep.join(f'"{p}"' for p in new.split("/")[2:])

    return re.sub(rf'("services"(\s*/\s*)"({svc})"\s*/\s*)"([\w.]+\.(?:py|lua))"', parts, text)


def bare_names(path_map: dict[str, str]) -> dict[str, str]:
    """A moved module's bare file name -> its path inside the service (``access/identity.py``),
    for the names no other file of the three services has."""
    seen: dict[str, int] = {}
    for old in path_map:
        name = old.rsplit("/", 1)[1]
        seen[name] = seen.get(name, 0) + 1
    for kept in KEEP.values():
        for name in kept:
            seen[name] = seen.get(name, 0) + 1
    return {
        old.rsplit("/", 1)[1]: new.split("/", 2)[2]
        for old, new in path_map.items()
        if old.endswith(".py") and seen[old.rsplit("/", 1)[1]] == 1
    }


def rewrite_doc_names(text: str, names: dict[str, str]) -> str:
    """In prose: `` `identity.py` `` -> `` `access/identity.py` `` (a name right after a backtick)."""
    if not names:
        return text
    pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.sub(rf"(?<=`)({pattern})(?=[`:# (])", lambda m: names[m.group(1)], text)


def rewrite_po_locations(text: str, path_map: dict[str, str]) -> str:
    """A gettext catalogue's ``#: registration/pages.py`` (paths under services/) -> the new path."""
    svc = "|".join(SERVICES)

    def one(m: re.Match[str]) -> str:
        return path_map.get(f"services/{m.group(0)}", f"services/{m.group(0)}").removeprefix("services/")

    def line(m: re.Match[str]) -> str:
        return re.sub(rf"(?<![\w/])(?:{svc})/[\w.]+\.py(?!\w)", one, m.group(0))

    return re.sub(r"(?m)^#:.*$", line, text)


def rewrite_package_imports(text: str, module_map: dict[str, str]) -> str:
    """``from services.<svc> import a, b as c`` -> one import per package the modules now live in."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and node.level == 0):
            continue
        if node.module not in {f"services.{s}" for s in SERVICES}:
            continue
        if not any(f"{node.module}.{a.name}" in module_map for a in node.names):
            continue
        groups: dict[str, list[str]] = {}
        for a in node.names:
            new = module_map.get(f"{node.module}.{a.name}", f"{node.module}.{a.name}")
            parent, _, leaf = new.rpartition(".")
            bound = a.asname or a.name
            groups.setdefault(parent, []).append(leaf if leaf == bound else f"{leaf} as {bound}")
        indent = lines[node.lineno - 1][: node.col_offset]
        stmts = [f"from {parent} import {', '.join(names)}" for parent, names in groups.items()]
        edits.append((node.lineno, node.end_lineno or node.lineno, indent, node.end_col_offset or 0, stmts))
    for start, end, indent, end_col, stmts in sorted(edits, reverse=True):
        trailing = lines[end - 1][end_col:]  # a comment after the statement, and the newline
        lines[start - 1 : end] = [indent + ("\n" + indent).join(stmts) + trailing]
    return "".join(lines)


def rewrite_includes(lua_old_new: dict[str, str]) -> int:
    """Each ``--#include x.lua`` as a path relative to the including file's new folder."""
    changed = 0
    new_of = {ROOT / k: ROOT / v for k, v in lua_old_new.items()}
    old_of = {v: k for k, v in new_of.items()}
    for svc in SERVICES:
        for path in sorted((ROOT / "services" / svc).rglob("*.lua")):
            if SKIP_PARTS & set(path.parts):
                continue
            old_path = old_of.get(path, path)
            out = []
            dirty = False
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
                if line.startswith("--#include "):
                    name = line.split(None, 1)[1].strip()
                    target_old = (old_path.parent / name).resolve()
                    target = new_of.get(target_old, target_old)
                    if target.exists() and target.parent != ROOT / "shared":
                        rel = os.path.relpath(target, path.parent)
                        if rel != name:
                            line = f"--#include {rel}\n"
                            dirty = True
                out.append(line)
            if dirty:
                path.write_text("".join(out), encoding="utf-8")
                changed += 1
    return changed


def ruff(files: list[Path]) -> None:
    exe = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    if not exe or not files:
        print("ruff not found: run `ruff check --select I --fix` and `ruff format` on the moved tree")
        return
    names = [str(f) for f in files]
    subprocess.run([exe, "check", "-q", "--select", "I", "--fix", *names], cwd=ROOT, check=False)
    subprocess.run([exe, "format", "-q", *names], cwd=ROOT, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    path_map = moves()
    if any((ROOT / "services" / pkg).is_dir() for pkg in PACKAGES if pkg != "notify/channels"):
        print("already restructured (a feature package exists): run on a clean checkout of main")
        return 2
    missing = [old for old in path_map if not (ROOT / old).exists()]
    present = {old: new for old, new in path_map.items() if (ROOT / old).exists()}
    stray = unmapped(path_map)
    for old in missing:
        print(f"not there (skipped): {old}")
    for rel in stray:
        print(f"NOT MAPPED (stays at the service root): {rel}")
    packages = {pkg for pkg in PACKAGES} | {"notify/channels"}
    clash = [r for r in stray if r.removeprefix("services/").removesuffix(".py") in packages]
    if clash:  # a module beside a package of the same name: one of them cannot be imported
        print(f"a module has a package's name, map it first: {clash}")
        return 2
    if args.dry_run:
        for old, new in present.items():
            print(f"{old} -> {new}")
        return 0

    for pkg, doc in PACKAGES.items():
        init = ROOT / "services" / pkg / "__init__.py"
        if not init.exists():
            init.parent.mkdir(parents=True, exist_ok=True)
            init.write_text(f'"""{doc}"""\n', encoding="utf-8")
            git("add", str(init.relative_to(ROOT)))
    for old, new in present.items():
        git("mv", old, new)

    module_map = {dotted(o): dotted(n) for o, n in present.items() if o.endswith(".py")}
    doc_names = bare_names(present)
    touched = []
    for path in text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        new = rewrite_names(text, module_map, present)
        if path.suffix == ".po":
            new = rewrite_po_locations(new, present)
        if path.suffix == ".md":
            new = rewrite_doc_names(new, doc_names)
        if path.suffix == ".py":
            new = rewrite_package_imports(new, module_map)
        if new != text:
            path.write_text(new, encoding="utf-8")
            touched.append(path)
    lua = {o: n for o, n in present.items() if o.endswith(".lua")}
    includes = rewrite_includes(lua)

    skipped = []
    for rel, old, new, required in EDITS:
        p = ROOT / rel
        if not p.exists():  # a file another change has not brought (yet)
            print(f"EDIT not needed (no file): {rel}")
            continue
        text = p.read_text(encoding="utf-8")
        if text.count(old) != 1:
            if required:
                skipped.append(rel)
            print(f"EDIT {'SKIPPED' if required else 'not needed'} (text not found once): {rel}: {old!r}")
            continue
        p.write_text(text.replace(old, new), encoding="utf-8")
        touched.append(p)

    ruff(sorted({p for p in touched if p.suffix == ".py" and p.exists()}))
    print(
        f"moved {len(present)} files into {len(PACKAGES)} packages; rewrote {len(touched)} files, "
        f"{includes} Lua includes; {len(stray)} not mapped, {len(missing)} not there, "
        f"{len(skipped)} edits skipped"
    )
    return 1 if stray or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
