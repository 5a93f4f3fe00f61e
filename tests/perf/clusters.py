"""Two worker machines, as two `manage.py qcluster` processes sharing the Redis broker and
PostgreSQL. Used by the benchmark's "clusters" section and by the scale-out test."""

import math
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from django.db.models import Max, Min

from keyframes.models import GenerationJob
from projects.models import Cut
from tests.factories import make_project
from tests.perf.database import BASE_DIR
from tests.perf.report import Report, Row

CLUSTERS = "2b two clusters"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def machine_env(*, var_dir: Path, replicate_url: str, queue: str, cap: int) -> dict:
    """What each machine of one deployment is given: the same database, broker and queue."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cutflow.settings_test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "Q_QUEUE_NAME": queue,
        "Q_WORKERS": "2",
        "REPLICATE_API_TOKEN": "r8_fake-token",
        "REPLICATE_BASE_URL": replicate_url,
        "REPLICATE_CONCURRENCY": str(cap),
        "CUTFLOW_VAR_DIR": str(var_dir),
        "PROVIDER_TIMEOUT_SECONDS": "60",
    }


def new_queue_name() -> str:
    return f"scale-{uuid.uuid4().hex[:10]}"


def start_cluster(env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so it can be killed whole
    )


def launch_flight(env: dict, *, project_id: int, model: str, count: int) -> None:
    """`manage.py autoflight` as an operator runs it, queueing on the shared broker."""
    launch = subprocess.run(
        [sys.executable, "manage.py", "autoflight", str(project_id)]
        + ["--model", model, "--count", str(count)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if launch.returncode != 0:
        raise RuntimeError(f"autoflight failed: {launch.stdout}{launch.stderr}")


def measure_clusters(
    report: Report, *, owner, latency: float, cuts: int, count: int, cap: int
) -> None:
    import tempfile

    from tests.perf.fanout import fake_replicate
    from tests.security.test_worker_faults import kill

    if connection.vendor != "postgresql":
        report.add(Row(CLUSTERS, "skipped: needs PostgreSQL and Redis", None))
        return
    project = make_project(owner=owner, title="Two clusters")
    Cut.objects.bulk_create(
        Cut(project=project, position=n, script="A street at night", prompt="A street at night")
        for n in range(cuts)
    )
    with tempfile.TemporaryDirectory() as folder, fake_replicate(latency=latency) as server:
        env = machine_env(
            var_dir=Path(folder),
            replicate_url=server.replicate_base_url,
            queue=new_queue_name(),
            cap=cap,
        )
        clusters = [start_cluster(env, Path(folder) / f"cluster-{n}.log") for n in (1, 2)]
        try:
            time.sleep(5)  # both clusters up before the flight starts
            launch_flight(env, project_id=project.pk, model="flux-2-pro", count=count)
            jobs = GenerationJob.objects.filter(cut__project=project)
            while jobs.filter(status__in=GenerationJob.ACTIVE_STATUSES).exists():
                time.sleep(0.2)
        finally:
            for cluster in clusters:
                kill(cluster)
    # From the first job's creation to the last one's end: the launcher's own start-up (a
    # second Django process) is not the clusters' work.
    span = jobs.aggregate(first=Min("created_at"), last=Max("finished_at"))
    wall = (span["last"] - span["first"]).total_seconds()
    ideal = math.ceil(cuts * count / cap) * latency
    report.add(
        Row(
            CLUSTERS,
            f"{cuts} cuts x {count}, 2 qclusters on Redis: wall / ideal",
            wall / ideal,
            "x",
            1.5,
            f"{wall:.2f} s vs ceil({cuts * count}/{cap}) x {latency:g} s = {ideal:g} s "
            f"(first job created to last job finished); {server.max_in_flight} in flight at most",
        )
    )
