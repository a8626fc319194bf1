"""Topic retention (issue 24 §5): how long each registered topic keeps its events, set when
:func:`shared.topics.ensure_topics` creates it (`sciday up`, `sciday topics create`, the Kubernetes
topics Job) and, by `sciday topics create`, on topics made before.  Chosen against
docs/privacy.md: events keep masked forms and sealed copies, so a topic keeps them
``topic_retention_days`` (the personal fields' own retention); dead letters
``dlq_retention_days``, longer, so that none expires before it is replayed or judged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # shared/topics.py imports this module: nothing from it at run time
    from shared.topics import Topic

DAY_MS = 24 * 3600 * 1000


def retention_ms(topic: Topic, settings: Any = None) -> int:
    """``topic``'s retention.ms from the settings (the environment unless given)."""
    if settings is None:
        from shared.config import load

        settings = load()
    # parked events (a newer version) wait for an upgrade as dead letters wait for an operator
    days = settings.dlq_retention_days if topic.dlq or topic.parked else settings.topic_retention_days
    return int(days) * DAY_MS


def topic_configs(topic: Topic, min_isr: int | None, settings: Any = None) -> dict[str, str]:
    configs = {"retention.ms": str(retention_ms(topic, settings))}
    if min_isr is not None:
        configs["min.insync.replicas"] = str(min_isr)
    return configs


def apply_retention(admin: Any, topics: Mapping[str, Topic], min_isr: int | None) -> int:
    """Set the configs of ``topics`` (full name -> registered topic; every one, by ``sciday
    topics create``): AlterConfigs replaces a topic's whole set, so min.insync.replicas is given
    again with the retention."""
    from kafka.admin import ConfigResource, ConfigResourceType

    resources = [
        ConfigResource(ConfigResourceType.TOPIC, name, configs=topic_configs(t, min_isr))
        for name, t in topics.items()
    ]
    # The client's own pre-check (raise_on_unknown) describes the topics first and refuses a
    # config the broker has not reported yet: right after a topic is created it may report
    # nothing, and the whole start fails. The broker validates every config itself; its
    # answer per topic is checked here instead.
    answers = admin.alter_configs(resources, raise_on_unknown=False)
    refused = {
        name: answer
        for by_name in (answers or {}).values()
        for name, answer in by_name.items()
        if answer != "OK"
    }
    if refused:
        raise RuntimeError(f"the broker refused the topic configs: {refused}")
    return len(resources)
