"""The exporters' own user, ``monitoring`` (issue 24 §3, §6): what redis_exporter and kafka-exporter
need to read the servers' state, and nothing of the data.

- **Redis:** no key and no channel; only the server-state commands redis_exporter sends (INFO,
  PING, SLOWLOG, LATENCY, CLIENT LIST/INFO/SETNAME, CLUSTER INFO, MODULE LIST, SELECT).  Not
  ``CONFIG GET``: on the replica it would hand out ``masterauth``, the replica's password, and with
  it a full copy of the data (``psync``); the exporters run with ``REDIS_EXPORTER_CONFIG_COMMAND=-``
  and read ``maxmemory`` from INFO instead.
- **Kafka:** a SCRAM-SHA-512 user that may describe the registered topics and the services'
  consumer groups (lag) and the cluster's configuration: no Read, no Write, no group membership.
"""

from __future__ import annotations

MONITOR = "monitoring"
REDIS_MONITOR_COMMANDS = (
    "-@all +ping +info +select +client|setname +client|list +client|info +slowlog|get +slowlog|len "
    "+latency|latest +latency|histogram +cluster|info +module|list"
)


def redis_acl_line(digest: str) -> str:
    """The ACL file's line of ``monitoring`` (``digest``: SHA-256 of the password)."""
    return f"user {MONITOR} on #{digest} resetkeys resetchannels {REDIS_MONITOR_COMMANDS}"


def kafka_acls(prefix: str, groups: tuple[str, ...]) -> list:
    """Describe on every registered topic and on ``groups``, DescribeConfigs on the cluster."""
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ResourcePattern, ResourceType

    from shared.topics import TOPICS

    def allow(op, kind, name: str) -> ACL:
        return ACL(f"User:{MONITOR}", "*", op, ACLPermissionType.ALLOW, ResourcePattern(kind, name))

    return (
        [allow(ACLOperation.DESCRIBE, ResourceType.TOPIC, prefix + t.name) for t in TOPICS]
        + [allow(ACLOperation.DESCRIBE, ResourceType.GROUP, prefix + g) for g in groups]
        + [allow(ACLOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, "kafka-cluster")]
    )
