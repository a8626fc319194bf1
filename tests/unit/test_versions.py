"""One Kafka, one Redis line (issue 24, drift): compose and Kubernetes run the servers `make run`
and the tests run, or a version the choice in deploy/README.md names and sciday accepts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sciday import embedded, kafka_broker

ROOT = Path(__file__).resolve().parents[2]
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_compose_runs_the_kafka_make_run_runs():
    images = {svc["image"] for name, svc in SERVICES.items() if re.fullmatch(r"kafka-\d+", name)}
    assert images == {f"apache/kafka:{kafka_broker.KAFKA_VERSION}"}
    pom = (ROOT / "sciday" / "kafka" / "pom.xml").read_text(encoding="utf-8")
    assert f"<kafka.version>{kafka_broker.KAFKA_VERSION}</kafka.version>" in pom
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"apache/kafka:([0-9.]+)", readme)) == {kafka_broker.KAFKA_VERSION}


def test_compose_redis_is_one_sciday_accepts_and_the_one_documented():
    images = {SERVICES[n]["image"] for n in ("redis", "redis-replica")}
    assert len(images) == 1
    (image,) = images
    version = tuple(int(x) for x in image.split(":")[1].split("."))
    assert version >= embedded.MIN_REDIS  # the ACL read-only key patterns (docs/privacy.md)
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    assert f"`{image}`" in readme and "Valkey" in readme
    assert "`" + image + "`" in (ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
