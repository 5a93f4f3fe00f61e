"""Section 6: how fast the animatic renders, as seconds of video per second of wall time.

A 16:9 storyboard of N cuts of 3 s: a quarter play a representative take (a 5 s 1280x720
local-motion clip at 24 fps, fitted, cut and numbered like any provider's take), half hold a
1344x768 keyframe, the rest are cards. The export runs at the production frame (1280 px, 24
fps) in the benchmark's process; ffmpeg's own CPU time is read from the children's rusage.
"""

import io
import resource
import time
from decimal import Decimal
from uuid import uuid4

from django.core.files.base import ContentFile
from django.test.utils import override_settings
from PIL import Image, ImageDraw

from cutflow.camera_moves import render_camera_move
from cutflow.video import probe_bytes
from keyframes.models import GenerationJob, Take
from projects.export_mp4 import export_mp4
from tests.factories import make_cut, make_project
from tests.perf.report import Report, Row
from tests.projects.export_data import give_representative

ANIMATIC = "6 animatic"
CUT_SECONDS = Decimal(3)


def measure_animatic(
    report: Report, *, owner, cuts: int, long_side: int = 1280, fps: int = 24
) -> None:
    picture = keyframe_png()
    take_clip = render_camera_move(picture, "dolly_in", 5, frame(long_side), fps)
    project = make_project(owner=owner, title="Bench animatic", aspect_ratio="16:9")
    for index in range(cuts):
        cut = make_cut(project=project, script=f"Cut {index + 1}.", duration_seconds=CUT_SECONDS)
        if index % 4 != 3:
            give_representative(cut, data=picture)
        if index % 4 == 0:
            add_take(cut, take_clip)

    with override_settings(ANIMATIC_LONG_SIDE=long_side, ANIMATIC_FPS=fps):
        wall, cpu, data = timed(lambda: export_mp4(project, numbered=True))
    video_seconds = probe_bytes(data).seconds
    size = f"{frame(long_side)[0]}x{frame(long_side)[1]}"
    report.add(
        Row(
            ANIMATIC,
            f"video s per wall s, {cuts} cuts × {CUT_SECONDS} s, numbered",
            video_seconds / wall,
            "x",
            detail=f"{video_seconds:.0f} s of {size} at {fps} fps in {wall:.1f} s; "
            f"{len(data) / 1e6:.1f} MB",
        )
    )
    report.add(
        Row(
            ANIMATIC,
            "CPU s (ours + ffmpeg) per video s",
            cpu / video_seconds,
            "s",
            detail="wall time depends on the machine's load, CPU time on the code",
        )
    )
    wall, _, clip = timed(lambda: render_camera_move(picture, "pan", 3, frame(long_side), fps))
    report.add(
        Row(
            ANIMATIC,
            "local-motion video s per wall s (one 3 s pan)",
            probe_bytes(clip).seconds / wall,
            "x",
        )
    )


def timed(work):
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = work()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    ffmpeg = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    return wall, time.process_time() - cpu_started + ffmpeg, result


def frame(long_side: int) -> tuple[int, int]:
    return long_side, round(long_side * 9 / 16 / 2) * 2


def keyframe_png() -> bytes:
    """A busy 1344x768 picture: flat colour would flatter the encoder."""
    image = Image.new("RGB", (1344, 768), (40, 60, 90))
    draw = ImageDraw.Draw(image)
    for n in range(60):
        x, y = (n * 97) % 1344, (n * 53) % 768
        draw.ellipse([x, y, x + 120, y + 90], fill=((n * 37) % 256, (n * 71) % 256, 120))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def add_take(cut, clip: bytes) -> None:
    job = GenerationJob.objects.create(
        kind=GenerationJob.Kind.TAKE,
        user=cut.project.owner,
        cut=cut,
        model_key="local-motion",
        count=1,
        prompt="bench",
        aspect_ratio="16:9",
        credits_per_image=0,
        idempotency_key=uuid4().hex,
        status=GenerationJob.Status.SUCCEEDED,
    )
    take = Take(
        cut=cut,
        job=job,
        source_keyframe=cut.representative,
        motion_prompt="bench",
        model_key="local-motion",
        duration_seconds=Decimal(5),
        aspect_ratio="16:9",
        status=Take.Status.SUCCEEDED,
        is_representative=True,
    )
    take.video.save("bench-take.mp4", ContentFile(clip))
