"""How long each process may take to stop, and the budgets that must hold them (issue 24 §2).

Stopping goes: Kubernetes runs a web pod's preStop (the endpoints controller takes it out of the
Service meanwhile), then sends SIGTERM; gunicorn lets in-flight requests finish for its graceful
timeout; a worker finishes its current step and closes its clients. Whatever is still running
when the orchestrator's grace ends (``terminationGracePeriodSeconds``, compose's
``stop_grace_period``) is killed. tests/unit/test_grace.py checks that these add up in
docker-compose.yml and deploy/k8s, and tests/integration/test_worker_port.py that a relay stops
within its budget.
"""

from __future__ import annotations

# gunicorn's --graceful-timeout (sciday/gunicorn_conf.py): in-flight requests finish.
GUNICORN_GRACEFUL_S = 20
# The web pods' preStop sleep: out of the Service before gunicorn hears SIGTERM.
PRESTOP_S = 5
# A worker from SIGTERM to exit: the relay's step budget (10 s) and its producer's flush and close
# (5 + 5 s); a consumer's current record and its clients' close; notify's sender threads (15 s)
# after its loop's close.
WORKER_SHUTDOWN_S = 25
# Slack between a process's own bound and the orchestrator's kill.
MARGIN_S = 5
# terminationGracePeriodSeconds and stop_grace_period: every process's budget fits in it.
TERMINATION_GRACE_S = 30
