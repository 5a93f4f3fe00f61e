"""Stands in for a django-q2 worker: runs what the ORM broker holds, in this process."""

from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.signing import SignedPackage


def run_queued_tasks() -> list[str]:
    """Runs every queued task, and the tasks they queue, until none is left; returns the
    names of the functions run, in order."""
    broker = get_broker()
    ran = []
    while batch := broker.dequeue():
        for ack_id, payload in batch:
            task = SignedPackage.loads(payload)
            broker.acknowledge(ack_id)
            import_string(task["func"])(*task["args"], **task["kwargs"])
            ran.append(task["func"])
    return ran
