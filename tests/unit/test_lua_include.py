"""``--#include`` in a Lua script: a path relative to the file that includes it, so a feature
package's script can include its neighbour's (``../seats/promote.lua``) and the service's words."""

from __future__ import annotations

from shared.redis_scripts import _read


def test_an_include_is_read_relative_to_the_file_that_includes_it(tmp_path):
    (tmp_path / "lottery").mkdir()
    (tmp_path / "seats").mkdir()
    (tmp_path / "lottery" / "enter.lua").write_text("--#include ../seats/promote.lua\nreturn 1\n")
    (tmp_path / "seats" / "promote.lua").write_text(
        "--#include fair.lua\n--#include ../words.lua\nlocal p = 2\n"
    )
    (tmp_path / "seats" / "fair.lua").write_text("local fair = 4\n")
    (tmp_path / "words.lua").write_text("local W = 3\n")

    got = _read(tmp_path / "lottery", "enter.lua")

    assert got == "local fair = 4\n\nlocal W = 3\n\nlocal p = 2\n\nreturn 1\n"


def test_a_bare_name_not_beside_the_script_comes_from_shared(tmp_path):
    (tmp_path / "s.lua").write_text("--#include sliding.lua\n")

    assert "local function sliding_room(" in _read(tmp_path, "s.lua")
