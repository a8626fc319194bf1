"""Making the registered topics on a broker (shared/topics.py lists them): their replication, and
the admin calls that create the missing ones (and set retention on existing ones)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # shared/topics.py imports this module: nothing from it at run time
    from shared.topics import Topic


def replication(
    replication_factor: int | None = None, min_insync_replicas: int | None = None
) -> tuple[int, int | None]:
    """The replication of the topics :func:`ensure_topics` creates: ``(factor, min ISR or None)``.

    Arguments win; otherwise ``SCIDAY_TOPIC_REPLICATION_FACTOR`` (default 1: one broker, as Tansu
    in development) and ``SCIDAY_TOPIC_MIN_INSYNC_REPLICAS`` (default unset: the broker's own
    ``min.insync.replicas``).  Production on three Apache Kafka brokers uses 3 and 2
    (deploy/sciday.env): with ``acks='all'`` a write then survives the loss of one broker and is
    refused, not silently under-replicated, when two are down.
    """
    from shared.config import load

    settings = load()  # Settings.topic_replication_factor / topic_min_insync_replicas
    factor = settings.topic_replication_factor if replication_factor is None else int(replication_factor)
    min_isr = (
        (settings.topic_min_insync_replicas or None)
        if min_insync_replicas is None
        else int(min_insync_replicas)
    )
    if factor < 1:
        raise ValueError(f"replication factor must be at least 1, not {factor}")
    if min_isr is not None and not 1 <= min_isr <= factor:
        raise ValueError(
            f"min.insync.replicas must be between 1 and the replication factor ({factor}), not {min_isr}"
        )
    return factor, min_isr


def create_topics(
    bootstrap_servers: str,
    wanted_topics: Iterable[Topic],
    prefix: str,
    timeout_s: float,
    replicas: tuple[int, int | None],
    client_config: dict[str, Any] | None = None,
    set_existing: bool = False,
) -> list[str]:
    """Create those of ``wanted_topics`` that do not exist yet, retrying until ``timeout_s``;
    returns the names created.  Called by :func:`shared.topics.ensure_topics`."""
    import time

    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    registry = {f"{prefix}{t.name}": t for t in wanted_topics}
    deadline = time.monotonic() + timeout_s
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        admin = None
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers,
                client_id="sciday-admin",
                request_timeout_ms=5000,
                **(client_config or {}),
            )
            return _create_missing(admin, registry, replicas, set_existing, deadline)
        except (KafkaError, OSError) as exc:
            last_exc = exc
            time.sleep(0.5)
        finally:
            if admin is not None:
                admin.close()
    raise RuntimeError(f"could not create topics on {bootstrap_servers}: {last_exc}")


def _listed(admin: Any, names: set[str], deadline: float) -> None:
    """Wait until the broker's metadata gives every one of ``names`` with its partitions (a
    partition's leader may still be moving: that is the client's ordinary retry).  A consumer that joins its group before it can see a topic's partitions is
    assigned nothing from it and may wait minutes for its next metadata refresh (an integration
    test waited 20 s for an SMS that never came; CI saw "No partition metadata" for topics that
    another caller had just created, so every wanted topic is waited for, not only ours)."""
    import time

    from kafka.errors import KafkaTimeoutError

    while not _all_described(admin, names):
        if time.monotonic() > deadline:
            raise KafkaTimeoutError(f"topics not yet described with partitions: {sorted(names)}")
        time.sleep(0.1)


def _all_described(admin: Any, names: set[str]) -> bool:
    if not names:
        return True
    if names - set(admin.list_topics()):
        return False
    described = admin.describe_topics(sorted(names))
    return len(described) == len(names) and all(
        t.get("error_code", 0) == 0 and bool(t.get("partitions")) for t in described
    )


def _create_missing(
    admin: Any,
    registry: dict[str, Topic],
    replicas: tuple[int, int | None],
    set_existing: bool,
    deadline: float,
) -> list[str]:
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from shared.topic_retention import apply_retention, topic_configs

    factor, min_isr = replicas
    existing = set(admin.list_topics())
    wanted = [
        NewTopic(name, t.partitions, factor, topic_configs=topic_configs(t, min_isr))
        for name, t in registry.items()
        if name not in existing
    ]
    created = []
    for nt in wanted:
        try:
            admin.create_topics([nt])
            created.append(nt.name)
        except TopicAlreadyExistsError:
            pass
    _listed(admin, set(registry), deadline)
    if set_existing:
        apply_retention(admin, registry, min_isr)
    return created
