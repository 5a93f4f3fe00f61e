"""A pixel flood cannot take a process past a stated memory bound: a 39-megapixel one-colour
PNG (a 126 KB file) is reduced as it is decoded and stored at most 4096 pixels wide."""

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from cutflow.images import MAX_PIXELS, MAX_STORED_SIDE

ROOT = Path(__file__).resolve().parents[2]
# Stated in docs/PERFORMANCE.md: ingesting one image raises a process's peak memory by at
# most this much, whatever the file (it was ~530 MB before decoding was bounded).
INGEST_MEMORY_BOUND_MB = 300


def ingest_in_fresh_process(path: Path) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "tests.perf.intake_probe", str(path)],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "cutflow.settings_test"},
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_a_39_megapixel_one_colour_png_stays_under_the_memory_bound(tmp_path):
    path = tmp_path / "flood.png"
    Image.new("RGB", (6245, 6245), (20, 160, 90)).save(path)
    assert MAX_PIXELS >= 6245 * 6245 and path.stat().st_size < 200_000

    probe = ingest_in_fresh_process(path)

    assert probe["peak_mb"] - probe["loaded_mb"] < INGEST_MEMORY_BOUND_MB, probe
    assert max(probe["size"]) <= MAX_STORED_SIDE and probe["size"] == [3123, 3123]
