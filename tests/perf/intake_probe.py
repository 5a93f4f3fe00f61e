"""Peak memory of ingesting one image file, run in a fresh process:

    python -m tests.perf.intake_probe /path/to/image.png

Prints JSON: the RSS with Django and the app loaded, the peak after the ingest, and the
stored size. A pixel flood (a small file of many pixels) must stay under the bound that
docs/PERFORMANCE.md states.
"""

import argparse
import io
import json

from tests.perf.rss_probe import peak_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    args = parser.parse_args()

    import django

    django.setup()
    import keyframes.generation  # noqa: F401  (a web or worker process has the app loaded)
    from cutflow.images import ingest_image

    with open(args.path, "rb") as handle:
        data = handle.read()
    loaded = peak_mb()
    stored = ingest_image(io.BytesIO(data))
    print(
        json.dumps(
            {
                "loaded_mb": round(loaded, 1),
                "peak_mb": round(peak_mb(), 1),
                "file_bytes": len(data),
                "size": [stored.width, stored.height],
            }
        )
    )


if __name__ == "__main__":
    main()
