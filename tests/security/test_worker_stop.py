"""`manage.py qcluster` stops when its whole process group gets SIGTERM, as systemd and
`make run` (`kill 0`) send it; before, django-q2's cluster hung forever."""

import os
import signal
import subprocess

import pytest

from tests.security.test_worker_faults import kill, start_worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_group_sigterm_stops_the_whole_cluster(fake_provider, tmp_path):
    worker = start_worker(tmp_path, fake_provider)
    try:
        wait_until(
            lambda: b"running." in (tmp_path / "worker.log").read_bytes(),
            timeout=120,
            what="the cluster to start",
            tmp_path=tmp_path,
        )

        os.killpg(worker.pid, signal.SIGTERM)

        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("qcluster was still running a minute after the group SIGTERM")
        wait_until(
            lambda: group_is_gone(worker.pid),
            timeout=30,
            what="every cluster process to end",
            tmp_path=tmp_path,
        )
    finally:
        kill(worker)
