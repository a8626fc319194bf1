"""The door hash of an ID number (issue 23) has one definition in two runtimes: shared/door_id.py
(registration and check-in) and static/js/doorid.js (the scanner, offline). Both must give the
vectors of ``door_id_vectors.json``: the normalised number, the activity's key, the door hash."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from shared import door_id

HERE = Path(__file__).parent
VECTORS = json.loads((HERE / "door_id_vectors.json").read_text(encoding="utf-8"))
JS = HERE.parents[1] / "services" / "checkin" / "static" / "js" / "doorid.js"
RUNNER = """
import { activityKey, doorHash, normalise } from "./doorid.js";
const v = JSON.parse(await new Promise((ok) => { let s = ""; process.stdin.on("data", (d) => s += d);
                                                   process.stdin.on("end", () => ok(s)); }));
const out = [];
for (const c of v.cases) {
  const key = await activityKey(v.master_hex, c.activity_id);
  out.push({ normalised: normalise(c.number), activity_key: key, door_hash: await doorHash(key, c.number) });
}
console.log(JSON.stringify(out));
"""


def test_python_gives_the_vectors():
    master = bytes.fromhex(VECTORS["master_hex"])
    for c in VECTORS["cases"]:
        key = door_id.activity_key(master, c["activity_id"])
        assert (door_id.normalise(c["number"]), key.hex(), door_id.door_hash(key, c["number"])) == (
            c["normalised"],
            c["activity_key"],
            c["door_hash"],
        )


def test_the_vectors_tell_apart_what_the_door_must():
    by = {(c["activity_id"], c["number"]): c["door_hash"] for c in VECTORS["cases"]}
    real = by[("imax-0530", "210102198808085152")]
    assert by[("imax-0530", "２１０１０２１９８８０８０８５１５２")] == real  # typed full-width
    assert by[("imax-0530", "\t210102198808085152\n")] == real  # a card reader's tab and Enter
    assert by[("imax-0530", "210102195001075152")] != real  # same ends, same masked form
    assert by[("lab-0530", "210102198808085152")] != real  # another activity's key


@pytest.mark.skipif(shutil.which("node") is None, reason="Node runs the scanner's module")
def test_the_scanner_gives_the_same_vectors(tmp_path):
    shutil.copy(JS, tmp_path / "doorid.js")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "run.js").write_text(RUNNER)
    done = subprocess.run(
        ["node", "run.js"],
        cwd=tmp_path,
        input=json.dumps(VECTORS),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    want = [{k: c[k] for k in ("normalised", "activity_key", "door_hash")} for c in VECTORS["cases"]]
    assert json.loads(done.stdout) == want
