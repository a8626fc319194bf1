"""tools/restructure.py (issue 25): the rewrites it makes when it moves modules into packages."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("restructure", ROOT / "tools" / "restructure.py")
assert _spec and _spec.loader
rs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rs)

PATHS = rs.moves()
MODULES = {rs.dotted(o): rs.dotted(n) for o, n in PATHS.items() if o.endswith(".py")}


def test_every_move_goes_into_a_declared_package_and_no_two_files_land_on_one_path():
    news = list(PATHS.values())
    assert len(news) == len(set(news))
    assert {n.rsplit("/", 1)[0].removeprefix("services/") for n in news} <= set(rs.PACKAGES) | {
        "notify/channels"
    }


def test_dotted_names_are_rewritten_once_and_the_new_package_name_is_left_alone():
    text = (
        'mock.patch("services.registration.lottery_store.time")\n'
        'mock.patch("services.registration.lottery.new_seed")\n'
        '["python", "-m", "services.checkin.standby_scheduler"]\n'
        '"services.registration.app:create_app()"\n'
    )
    assert rs.rewrite_names(text, MODULES, PATHS) == (
        'mock.patch("services.registration.lottery.store.time")\n'
        'mock.patch("services.registration.lottery.draw.new_seed")\n'
        '["python", "-m", "services.checkin.standby.scheduler"]\n'
        '"services.registration.app:create_app()"\n'
    )


def test_file_paths_are_rewritten_in_both_spellings():
    text = 'see services/notify/deliveries.py\nROOT / "services" / "checkin" / "admit.lua"\n'
    assert rs.rewrite_names(text, MODULES, PATHS) == (
        'see services/notify/delivery/intents.py\nROOT / "services" / "checkin" / "door" / "admit.lua"\n'
    )


def test_a_package_import_becomes_one_import_per_new_package_keeping_the_names_in_use():
    text = (
        "def f():\n"
        "    from services.registration import (\n"
        "        lottery_store,\n"
        "        pages as p,\n"
        "        vocabulary,\n"
        "    )  # why\n"
    )
    assert rs.rewrite_package_imports(text, MODULES) == (
        "def f():\n"
        "    from services.registration.lottery import store as lottery_store\n"
        "    from services.registration.web import pages as p\n"
        "    from services.registration import vocabulary  # why\n"
    )


def test_a_bare_name_in_the_docs_gets_its_package_when_it_is_unique():
    names = rs.bare_names(PATHS)
    assert rs.rewrite_doc_names("`identity.py`, `usecases.py`, `x/identity.py`", names) == (
        "`access/identity.py`, `usecases.py`, `x/identity.py`"
    )


def test_a_catalogue_location_follows_its_module():
    text = '#: registration/pages.py registration/templates/base.html\nmsgid "registration/pages.py"\n'
    assert rs.rewrite_po_locations(text, PATHS) == (
        '#: registration/web/pages.py registration/templates/base.html\nmsgid "registration/pages.py"\n'
    )
