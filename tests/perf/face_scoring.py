"""Face scoring cost in a fresh process, as a worker pays it:

    python -m tests.perf.face_scoring --keyframes 20 --characters 2 [--as-worker]

Prints JSON: the model's load time, the scoring time per keyframe (median and p95) for
provider-sized frames (1344x768, the test photo placed in a storyboard frame) against
``--characters`` sheets each, and the process's resident memory before and after the model is
loaded and at its peak. The scorer needs no Django; ``--as-worker`` first sets Django up and
imports the task modules, as a qcluster worker has them, so the memory is a worker's.
"""

import argparse
import io
import json
import statistics
import time

from PIL import Image

from keyframes.face_match import load_face_model, match_faces
from tests.keyframes.face_images import photo, photo_bytes
from tests.perf.rss_probe import peak_mb


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def keyframe_frames(count: int) -> list[bytes]:
    """Frames like a provider returns: the face at a different place and size in each."""
    frames = []
    face = photo()
    for index in range(count):
        frame = Image.new("RGB", (1344, 768), (40 + index * 7 % 200, 60, 90))
        size = 420 + (index % 5) * 60
        frame.paste(face.resize((size, size)), (60 + index * 37 % 700, 768 - size))
        buffer = io.BytesIO()
        frame.save(buffer, "PNG")
        frames.append(buffer.getvalue())
    return frames


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[round(0.95 * (len(ordered) - 1))], 2)


def load_as_worker() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cutflow.settings_test")
    django.setup()
    import keyframes.tasks  # noqa: F401  (the worker's tasks, generation included)
    import projects.tasks  # noqa: F401


def measure(*, keyframes: int, characters: int, as_worker: bool = False) -> dict:
    if as_worker:
        load_as_worker()
    before = rss_mb()
    started = time.perf_counter()
    model = load_face_model()
    load_seconds = time.perf_counter() - started
    loaded = rss_mb()
    sheet = photo_bytes()
    # Distinct hashes: every character's sheet is embedded once, as in a real job.
    sheets = [(f"c{n}", f"bench-sheet-{n}", sheet) for n in range(characters)]
    timings, cpu = [], []
    for frame in keyframe_frames(keyframes):
        started, cpu_started = time.perf_counter(), time.process_time()
        match_faces(image=frame, sheets=sheets, model=model)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {
        "keyframes": keyframes,
        "characters": characters,
        "as_worker": as_worker,
        "model_load_s": round(load_seconds, 2),
        "first_keyframe_s": round(timings[0], 2),  # embeds the sheets too
        "median_s": round(statistics.median(timings), 2),
        "p95_s": p95(timings),
        # Wall time depends on what else the machine runs; CPU time on this code.
        "cpu_median_s": round(statistics.median(cpu), 2),
        "cpu_p95_s": p95(cpu),
        "rss_before_model_mb": round(before),
        "rss_with_model_mb": round(loaded),
        "peak_rss_mb": round(peak_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.face_scoring", description=__doc__)
    parser.add_argument("--keyframes", type=int, default=20)
    parser.add_argument("--characters", type=int, default=2)
    parser.add_argument("--as-worker", action="store_true")
    args = parser.parse_args()
    figures = measure(
        keyframes=args.keyframes, characters=args.characters, as_worker=args.as_worker
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
