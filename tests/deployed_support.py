"""Each process of docker-compose.yml and deploy/k8s, as it is deployed, read from those files.

A :class:`Process` is what compose or Kubernetes would run: the command, the environment (compose's
env_file + environment, or the ConfigMap + the container's env) and the files mounted into it
(secrets; Kubernetes Secret volumes).  :func:`translate` changes only what must change on one
machine: the addresses (the test's Redis and Kafka, loopback ports), the writable folders, and the
paths of the mounts, which become read-only folders of their own.  Nothing else is copied or set.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
SCIDAY_IMAGE = "registry.example.org/sciday"
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}")


@dataclass
class Process:
    name: str  # "compose:checkin", "k8s:checkin"
    argv: list[str]
    env: dict[str, str]
    # mount folder -> {file name in it: the secret it holds (a key of the test's secret files)}
    mounts: dict[str, dict[str, str]] = field(default_factory=dict)
    one_shot: bool = False
    port: int | None = None  # the port a web process binds in the file (gunicorn -b)
    # variables Kubernetes fills from a Secret (secretKeyRef): name -> "secret/key"
    env_secrets: dict[str, str] = field(default_factory=dict)


def _interpolate(value: str) -> str:
    """compose's ``${VAR:-default}``: the default (the test sets none of these variables)."""
    return INTERPOLATION.sub(lambda m: m.group(2) or "", value)


def _env_file(path: Path) -> dict[str, str]:
    """An env_file as docker-compose reads it (the parser tests/unit/test_deploy_k8s.py uses)."""
    from tests.unit.test_deploy_k8s import _env_lines

    return _env_lines(path)


def _bind_port(argv: list[str]) -> int | None:
    if "-b" in argv:
        return int(argv[argv.index("-b") + 1].rsplit(":", 1)[1])
    return None


def compose_processes() -> list[Process]:
    doc = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    top = doc.get("secrets") or {}
    out = []
    for name, svc in doc["services"].items():
        if "build" not in svc:
            continue  # not a sciday process (brokers, Redis, nginx)
        env: dict[str, str] = {}
        for f in svc.get("env_file") or []:
            env.update(_env_file(ROOT / f))
        for k, v in (svc.get("environment") or {}).items():
            env[k] = _interpolate(str(v))
        files = {}
        for s in svc.get("secrets") or []:
            source, target = (s, s) if isinstance(s, str) else (s["source"], s.get("target", s["source"]))
            files[target] = Path(top[source]["file"]).name
        argv = [_interpolate(str(a)) for a in (svc.get("entrypoint") or []) + (svc.get("command") or [])]
        one_shot = svc.get("restart") == "no"
        out.append(Process(f"compose:{name}", argv, env, {"/run/secrets": files}, one_shot, _bind_port(argv)))
    return out


def k8s_processes() -> list[Process]:
    docs = [d for f in sorted(K8S.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text("utf-8")) if d]
    configmaps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    out = []
    for d in docs:
        if d["kind"] not in ("Deployment", "Job"):
            continue
        pod = d["spec"]["template"]["spec"]
        if not any(c["image"].startswith(SCIDAY_IMAGE) for c in pod["containers"]):
            continue  # not a sciday process (the exporters of monitoring.yaml)
        volumes = {v["name"]: v for v in pod.get("volumes") or []}
        inits = [(c, True) for c in pod.get("initContainers") or []]  # run to the end first
        for c, init in [*inits, *((c, False) for c in pod["containers"])]:
            env: dict[str, str] = {}
            env_secrets = {}
            for src in c.get("envFrom") or []:
                env.update(configmaps[src["configMapRef"]["name"]])
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    env_secrets[e["name"]] = f"{ref['name']}/{ref['key']}"
                else:
                    env[e["name"]] = str(e.get("value", ""))
            mounts = {}
            for m in c.get("volumeMounts") or []:
                vol = volumes[m["name"]]
                sources = [p["secret"] for p in vol.get("projected", {}).get("sources", [])]
                sources += [{**vol["secret"], "name": vol["secret"]["secretName"]}] if "secret" in vol else []
                files = {}
                for secret in sources:
                    items = secret.get("items") or [{"key": k, "path": k} for k in _all_keys(secret["name"])]
                    files.update({i["path"]: f"{secret['name']}/{i['key']}" for i in items})
                if files:
                    mounts[m["mountPath"]] = files
            argv = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
            name = d["metadata"]["name"] + (f":{c['name']}" if init else "")
            one_shot = d["kind"] == "Job" or init
            out.append(Process(f"k8s:{name}", argv, env, mounts, one_shot, _bind_port(argv), env_secrets))
    return out


# The Secrets of deploy/k8s/README.md and their keys (one file each, sciday/key_files.py names).
SECRET_KEYS = {
    "sciday-registration": [
        "hmac-secret", "internal-api-key", "noshow-pepper", "door-id-key",
        "seal-keys-registration", "realname-api-key",
    ],
    "sciday-notify": ["seal-keys-notify", "sms-api-key"],
    "sciday-checkin": ["door-mark-key"],
}  # fmt: skip


def _all_keys(secret_name: str) -> list[str]:
    """The keys of a Secret mounted whole, as deploy/k8s/README.md tells the operator to make it."""
    if secret_name == "sciday-ticket-keys":
        return ["ed25519-1.key", "ed25519-1.pub"]
    if secret_name.endswith("-credentials"):
        return ["redis-password", "kafka-password"]
    if secret_name in SECRET_KEYS:
        return SECRET_KEYS[secret_name]
    raise AssertionError(f"a Secret mounted whole whose keys the test does not know: {secret_name}")


def write_mounts(proc: Process, base: Path, content) -> dict[str, str]:
    """Each mount as a read-only folder under ``base`` (files 0444, folders 0555, owned by root),
    ``content(ref)`` giving each file's text; returns mount path -> the folder made for it."""
    made = {}
    for i, (mount, files) in enumerate(sorted(proc.mounts.items())):
        folder = base / f"mount{i}"
        folder.mkdir(parents=True)
        for fname, ref in files.items():
            (folder / fname).write_text(content(ref), encoding="utf-8")
            os.chmod(folder / fname, 0o444)
        os.chmod(folder, 0o555)
        made[mount] = str(folder)
    return made


def relocate(value: str, mounts: dict[str, str]) -> str:
    for mount, folder in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
        value = value.replace(mount, folder)
    return value
