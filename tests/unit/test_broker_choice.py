"""Which broker `sciday up` and the tests start, and what a user without Java or Maven is told."""

from __future__ import annotations

import pytest

from sciday import embedded, kafka_broker


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "11.0.22" 2024-01-16', 11),
        ("no version here", None),
    ],
)
def test_the_java_major_version_is_read_from_java_dash_version(text, major):
    assert kafka_broker.parse_java_major(text) == major


def test_an_old_java_is_refused_with_the_version_found(monkeypatch):
    monkeypatch.setattr(kafka_broker, "java_binary", lambda: "/usr/bin/java")
    monkeypatch.setattr(kafka_broker, "java_major", lambda java: 11)
    with pytest.raises(kafka_broker.BrokerUnavailable, match="Java 11 found.*needs Java 17"):
        kafka_broker.check_java()


def test_no_maven_is_refused_when_the_jars_are_not_cached(monkeypatch, tmp_path):
    monkeypatch.setattr(kafka_broker.shutil, "which", lambda name: None)
    with pytest.raises(kafka_broker.BrokerUnavailable, match="no Maven"):
        kafka_broker.fetch(say=lambda m: None, cache=tmp_path)


def test_cached_jars_need_no_maven(monkeypatch, tmp_path):
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs.ok").write_text(kafka_broker._pom_digest())
    monkeypatch.setattr(kafka_broker.shutil, "which", lambda name: None)
    assert kafka_broker.fetch(say=lambda m: None, cache=tmp_path) == tmp_path / "libs"


def _unavailable(say):
    raise kafka_broker.BrokerUnavailable("no Java found (Apache Kafka 4.4.0 needs Java 17+)")


def test_auto_falls_back_to_tansu_with_one_line_saying_why_and_how(monkeypatch):
    monkeypatch.setattr(kafka_broker, "available", _unavailable)
    said = []
    assert embedded.choose_broker("auto", said.append) == "tansu"
    assert len(said) == 1 and "\n" not in said[0]
    assert "falling back to Tansu" in said[0]
    assert "no Java found" in said[0]
    assert kafka_broker.HOW_TO_GET_IT in said[0]


def test_asking_for_kafka_without_java_fails_with_the_reason(monkeypatch):
    monkeypatch.setattr(kafka_broker, "available", _unavailable)
    with pytest.raises(embedded.MissingBinary, match="no Java found.*apt-get install openjdk-17"):
        embedded.choose_broker("kafka", lambda m: None)


def test_asking_for_tansu_never_looks_for_java(monkeypatch):
    def boom(say):
        raise AssertionError("looked for Java")

    monkeypatch.setattr(kafka_broker, "available", boom)
    assert embedded.choose_broker("tansu", lambda m: None) == "tansu"


def test_client_settings_differ_per_broker_where_the_brokers_differ():
    kafka, tansu = embedded.CLIENT_ENV["kafka"], embedded.CLIENT_ENV["tansu"]
    assert kafka["SCIDAY_KAFKA_IDEMPOTENT_PRODUCER"] == "1"
    assert tansu["SCIDAY_KAFKA_IDEMPOTENT_PRODUCER"] == "0"
    # Apache Kafka refuses sessions under 6 s (group.min.session.timeout.ms), in the tests too
    assert int(embedded.TEST_CLIENT_ENV["kafka"]["SCIDAY_KAFKA_SESSION_TIMEOUT_MS"]) >= 6000
    overrides = embedded.settings_overrides(embedded.TEST_CLIENT_ENV["tansu"])
    assert overrides["kafka_session_timeout_ms"] == 2000
    assert overrides["kafka_idempotent_producer"] is False


def test_sciday_up_takes_the_broker_choice():
    from sciday.cli import parser

    assert parser().parse_args(["up", "--broker", "tansu"]).broker == "tansu"
    with pytest.raises(SystemExit):
        parser().parse_args(["up", "--broker", "zookeeper"])
