"""Section 5: what the grid downloads, and a worker's peak memory."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from uuid import uuid4

from django.core.files.storage import default_storage
from PIL import Image

from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import Keyframe
from tests.factories import make_cut, make_project
from tests.perf.database import BASE_DIR
from tests.perf.report import Report, Row
from tests.perf.seed import PROMPT

FOOTPRINT = "5 bytes+memory"


def measure_bytes(report: Report, *, owner, count: int = 4) -> None:
    """One real local-draft job (1024 px images): thumbnails vs full images, as stored."""
    cut = make_cut(project=make_project(owner=owner, title="Bench bytes"), prompt=PROMPT)
    job = start_generation(
        cut=cut,
        user=owner,
        prompt=PROMPT,
        count=count,
        idempotency_key=uuid4().hex,
        model_key="local-draft",
    )
    run_generation(job=job)
    keyframes = list(Keyframe.objects.filter(job=job))
    full = sum(default_storage.size(kf.image.name) for kf in keyframes)
    thumbs = sum(default_storage.size(kf.thumbnail.name) for kf in keyframes)
    size = f"{keyframes[0].width}x{keyframes[0].height}" if keyframes else "none"
    report.add(
        Row(
            FOOTPRINT,
            f"{len(keyframes)} grid thumbnails / full images",
            100 * thumbs / full,
            "%",
            10,
            f"{thumbs / 1024:.0f} KB vs {full / 1024:.0f} KB (local-draft, {size})",
        )
    )


def measure_memory(report: Report, *, owner=None, long_side: int = 2048, count: int = 4) -> None:
    """``owner`` is unused: the probe process only renders and ingests."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.perf.rss_probe",
            "--long-side",
            str(long_side),
            "--count",
            str(count),
        ],
        cwd=BASE_DIR,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    probe = json.loads(output.strip().splitlines()[-1])
    width, height = probe["size"]
    report.add(
        Row(
            FOOTPRINT,
            f"worker peak RSS, {count} x {long_side} px",
            probe["peak_mb"],
            " MB",
            300,
            f"{probe['loaded_mb']:.0f} MB with Django loaded; {width}x{height} stored "
            f"as {probe['stored_bytes'] / 1e6:.1f} MB from {probe['png_bytes'] / 1e6:.1f}"
            " MB of PNG",
        )
    )
    measure_intake_memory(report)


def measure_intake_memory(report: Report) -> None:
    """A pixel flood: a 39-megapixel one-colour PNG, ingested in a fresh process."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flood.png"
        Image.new("RGB", (6245, 6245), (20, 160, 90)).save(path)
        output = subprocess.run(
            [sys.executable, "-m", "tests.perf.intake_probe", str(path)],
            cwd=BASE_DIR,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        ).stdout
    probe = json.loads(output.strip().splitlines()[-1])
    report.add(
        Row(
            FOOTPRINT,
            "ingest peak over loaded, 39 MP one-colour PNG",
            round(probe["peak_mb"] - probe["loaded_mb"], 1),
            " MB",
            300,
            f"{probe['file_bytes'] / 1024:.0f} KB file, stored {probe['size'][0]}x"
            f"{probe['size'][1]}; {probe['loaded_mb']:.0f} MB with Django loaded",
        )
    )
