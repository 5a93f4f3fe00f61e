"""django-q2's qcluster, made to stop when its whole process group gets SIGTERM (what
systemd and `make run`'s `kill 0` send).

django-q2 gives its sentinel process the default SIGTERM action, so a group SIGTERM kills
the sentinel at once, possibly while it holds the lock inside the cluster's stop event; the
main process's handler then blocks forever setting that event. Here the handler first gives
the sentinel a moment to end on its own and only signals a sentinel that is still alive (a
SIGTERM sent to the main process alone still stops the cluster in order). Tasks killed with
their worker are finished and refunded by the reaper, as after any worker death.
"""

import os

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands import qcluster


class GroupSignalSafeCluster(Cluster):
    def stop(self) -> bool:
        if self.sentinel is not None:
            self.sentinel.join(timeout=settings.Q_SENTINEL_GRACE_SECONDS)
            if self.sentinel_has_ended():
                self.start_event = None
                self.stop_event = None
                return True
        return super().stop()

    def sentinel_has_ended(self) -> bool:
        """The signal can interrupt a wait that has just reaped the sentinel (multiprocessing's
        exit handler joins it) before that wait records the exit code: is_alive() then says
        True forever, and setting the stop event would block on the dead sentinel's
        acknowledgement. A pid that no longer exists has ended, whoever reaped it."""
        if not self.sentinel.is_alive():
            return True
        try:
            os.kill(self.sentinel.pid, 0)
        except ProcessLookupError:
            return True
        return False


class Command(qcluster.Command):
    def handle(self, *args, **options):
        qcluster.Cluster = GroupSignalSafeCluster  # the parent's handle() builds the cluster
        super().handle(*args, **options)
