"""Compose's nginx (deploy/nginx.conf) run from Debian's nginx in front of a test stack.

The production file is adapted here, on the way to a temporary copy, and only where the
machine differs: Docker's DNS names and resolver become loopback ports, nginx listens on free
loopback ports (plain and TLS), the certificate is a self-signed one made by
``scripts/tls-selfsigned`` (the documented command), the test plays the trusted load balancer from
127.0.0.1 (a client bound to 127.0.0.2 is anyone else), and its pid, log and temporary files go to
the test's directory (no root needed).  Every other directive is production's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sciday import embedded
from tests.conftest import ROOT

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
SELF_SIGNED = ROOT / "scripts" / "tls-selfsigned"
# The test process stands for the load balancer; other loopback addresses are the public.
LOAD_BALANCER = "127.0.0.1"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "Debian's nginx is missing: run scripts/system-deps (apt-get install -y nginx)"
    return found


def loopback_conf(text: str, upstreams: dict[str, int], listen: int, run_dir: Path, tls: int = 0) -> str:
    """deploy/nginx.conf with ``server <name>:<port> resolve`` -> ``server 127.0.0.1:<port>``."""
    text = re.sub(r"^\s*resolver(_timeout)?\s[^;]*;\s*$", "", text, flags=re.M)
    for name, port in upstreams.items():
        text, n = re.subn(rf"server {name}:\d+ resolve", f"server 127.0.0.1:{port}", text)
        assert n == 1, f"upstream {name} not found in deploy/nginx.conf"
    text, n = re.subn(r"listen 8080;", f"listen 127.0.0.1:{listen};", text)
    assert n == 1, "deploy/nginx.conf no longer listens on 8080"
    text, n = re.subn(r"listen 8443 ssl;", f"listen 127.0.0.1:{tls or embedded.free_port()} ssl;", text)
    assert n == 1, "deploy/nginx.conf no longer listens on 8443 with TLS"
    text, n = re.subn(r"/etc/nginx/tls/", f"{run_dir / 'tls'}/", text)
    assert n == 2, "deploy/nginx.conf reads its certificate and key from /etc/nginx/tls/"
    text, n = re.subn(r"(geo \$edge_trusted_lb \{\n)", rf"\g<1>        {LOAD_BALANCER} 1;\n", text)
    assert n == 1, "deploy/nginx.conf no longer lists its trusted load balancers in a geo block"
    temp = "".join(
        f"    {kind}_temp_path {run_dir / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"pid {run_dir / 'nginx.pid'};\n" + text.replace("http {\n", "http {\n" + temp, 1)


@dataclass
class Edge:
    http: str  # plain HTTP: what the trusted load balancer (127.0.0.1) talks to
    https: str
    run_dir: Path
    pid: int = 0  # nginx's master process
    gunicorn_args: list[str] = field(default_factory=list)  # a replica's, for the test's reading

    @property
    def certificate(self) -> str:
        return str(self.run_dir / "tls" / "fullchain.pem")


@contextmanager
def edge_in_front(run_dir: Path, upstreams: dict[str, int]):
    """Yields the :class:`Edge` of compose's nginx in front of ``upstreams`` (name -> port)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(SELF_SIGNED), str(run_dir / "tls"), "127.0.0.1"], check=True, capture_output=True)
    port, tls = embedded.free_port(), embedded.free_port()
    conf = run_dir / "nginx.conf"
    conf.write_text(loopback_conf(NGINX_CONF.read_text(), upstreams, port, run_dir, tls))
    log = run_dir / "error.log"
    args = [nginx_binary(), "-p", str(run_dir), "-c", str(conf), "-e", str(log), "-g", "daemon off;"]
    subprocess.run([*args, "-t"], check=True, capture_output=True)
    proc = subprocess.Popen(args, stdout=open(run_dir / "nginx.out", "wb"), stderr=subprocess.STDOUT)
    try:
        embedded.wait_port(port, proc, what="nginx")
        embedded.wait_port(tls, proc, what="nginx (TLS)")
        yield Edge(f"http://127.0.0.1:{port}", f"https://127.0.0.1:{tls}", run_dir, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def nginx_in_front(run_dir: Path, upstreams: dict[str, int]):
    """Yields the plain-HTTP base URL of compose's nginx in front of ``upstreams``."""
    with edge_in_front(run_dir, upstreams) as edge:
        yield edge.http
