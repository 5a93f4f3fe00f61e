"""Production settings plus the benchmark's minimal view, for the gunicorn under load."""

from cutflow.settings import *  # noqa: F403

ROOT_URLCONF = "tests.perf.urls"
