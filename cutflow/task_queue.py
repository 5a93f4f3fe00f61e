"""Putting work on django-q2's queue, always after the rows it reads are committed."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task


def enqueue_after_commit(func: str, *args, robust: bool = False, **options) -> None:
    """Queues the task once the current transaction commits (at once outside one), so a
    worker never loads a row that was rolled back. ``robust``: a broker error is logged
    instead of failing the caller, for callers whose own work is committed by then."""
    transaction.on_commit(partial(enqueue, func, *args, **options), robust=robust)


def enqueue(func: str, *args, **options) -> str:
    """django-q2's ``async_task``, keeping the caller's database connection.

    Called outside a transaction, the ORM broker first closes every connection of the
    calling thread that ``CONN_MAX_AGE`` deems old, and with its default of 0 that is all
    of them: the caller's next query then opens a new connection, 5-10 ms on a busy worker,
    once for every keyframe a job stores. Inside a transaction the broker only inserts the
    task's row. Synchronous mode runs the task on the spot, so it keeps the plain call."""
    if "orm" not in settings.Q_CLUSTER or settings.Q_CLUSTER.get("sync"):
        return async_task(func, *args, **options)
    with transaction.atomic(using=settings.Q_CLUSTER["orm"]):
        return async_task(func, *args, **options)
