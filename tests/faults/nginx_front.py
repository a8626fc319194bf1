"""Compose's nginx (deploy/nginx.conf) run from Debian's nginx in front of a test stack.

The production file is adapted here, on the way to a temporary copy, and only where the
machine differs: Docker's DNS names and resolver become loopback ports, nginx listens on a free
loopback port, and its pid, log and temporary files go to the test's directory (no root needed).
Every other directive is production's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sciday import embedded
from tests.conftest import ROOT

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "Debian's nginx is missing: run scripts/system-deps (apt-get install -y nginx)"
    return found


def loopback_conf(text: str, upstreams: dict[str, int], listen: int, run_dir: Path) -> str:
    """deploy/nginx.conf with ``server <name>:<port> resolve`` -> ``server 127.0.0.1:<port>``."""
    text = re.sub(r"^\s*resolver(_timeout)?\s[^;]*;\s*$", "", text, flags=re.M)
    for name, port in upstreams.items():
        text, n = re.subn(rf"server {name}:\d+ resolve", f"server 127.0.0.1:{port}", text)
        assert n == 1, f"upstream {name} not found in deploy/nginx.conf"
    text, n = re.subn(r"listen 8080;", f"listen 127.0.0.1:{listen};", text)
    assert n == 1, "deploy/nginx.conf no longer listens on 8080"
    temp = "".join(
        f"    {kind}_temp_path {run_dir / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"pid {run_dir / 'nginx.pid'};\n" + text.replace("http {\n", "http {\n" + temp, 1)


@contextmanager
def nginx_in_front(run_dir: Path, upstreams: dict[str, int]):
    """Yields the base URL of compose's nginx in front of ``upstreams`` (name -> loopback port)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    port = embedded.free_port()
    conf = run_dir / "nginx.conf"
    conf.write_text(loopback_conf(NGINX_CONF.read_text(), upstreams, port, run_dir))
    log = run_dir / "error.log"
    args = [nginx_binary(), "-p", str(run_dir), "-c", str(conf), "-e", str(log), "-g", "daemon off;"]
    subprocess.run([*args, "-t"], check=True, capture_output=True)
    proc = subprocess.Popen(args, stdout=open(run_dir / "nginx.out", "wb"), stderr=subprocess.STDOUT)
    try:
        embedded.wait_port(port, proc, what="nginx")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
