"""Peak memory of a worker producing one job of large images, run in a fresh process:

    python -m tests.perf.rss_probe --long-side 2048 --count 4

Prints JSON: the RSS after Django and the generation code are loaded, and the peak after the
images are rendered and ingested, each in its own thread (as a job's candidates receive their
images), ingesting no more at once than the job does (one per core).
"""

import argparse
import json
import resource
from concurrent.futures import ThreadPoolExecutor


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over from the parent across fork and exec, so a probe started by a big bench process
    would report the parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--long-side", type=int, default=2048)
    parser.add_argument("--count", type=int, default=4)
    args = parser.parse_args()

    import django

    django.setup()
    import keyframes.generation  # noqa: F401  (a worker has the whole app loaded)
    from keyframes.arrivals import ingested_image
    from keyframes.providers.local_draft import render_draft

    loaded = peak_mb()

    def render(seed: int) -> bytes:
        return render_draft(
            prompt="A woman waits by a rain-streaked cafe window at dusk.",
            aspect_ratio="16:9",
            references=[],
            seed=seed,
            long_side=args.long_side,
        )

    def receive(seed: int):
        data = render(seed)
        return data, ingested_image(data)

    with ThreadPoolExecutor(max_workers=args.count) as pool:
        images, stored = zip(*pool.map(receive, range(args.count)), strict=True)
    print(
        json.dumps(
            {
                "loaded_mb": round(loaded, 1),
                "peak_mb": round(peak_mb(), 1),
                "png_bytes": sum(len(data) for data in images),
                "stored_bytes": sum(len(each.content) for each in stored),
                "size": [stored[0].width, stored[0].height],
            }
        )
    )


if __name__ == "__main__":
    main()
