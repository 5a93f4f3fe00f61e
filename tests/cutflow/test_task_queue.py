"""Queueing a task on the ORM broker keeps the caller's database connection."""

import pytest
from django.db import connection, transaction
from django_q.models import OrmQ
from django_q.tasks import async_task

from cutflow.task_queue import enqueue, enqueue_after_commit

pytestmark = pytest.mark.django_db(transaction=True)


def test_django_q_alone_drops_the_callers_connection():
    """Why the helper exists: the next query after a plain async_task opens a new connection."""
    connection.ensure_connection()
    before = connection.connection
    async_task("math.floor", 1.5)
    connection.ensure_connection()
    assert connection.connection is not before
    assert OrmQ.objects.count() == 1


def test_enqueue_keeps_the_connection_and_queues_the_task():
    connection.ensure_connection()
    before = connection.connection
    enqueue("math.floor", 1.5, task_name="floor")
    assert connection.connection is before
    assert [task.name() for task in OrmQ.objects.all()] == ["floor"]


def test_a_task_queued_after_commit_waits_for_the_commit_and_goes_with_a_rollback():
    with transaction.atomic():
        enqueue_after_commit("math.floor", 1.5, task_name="kept")
        assert not OrmQ.objects.exists()
    assert [task.name() for task in OrmQ.objects.all()] == ["kept"]

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit("math.floor", 2.5, task_name="rolled back")
        raise RuntimeError("the caller's work failed")
    assert OrmQ.objects.count() == 1
