"""Helpers of the takes tests: give a cut a representative keyframe, start a take, and run
it as a worker would (the fixtures are in this folder's conftest)."""

from decimal import Decimal

from keyframes.job_runner import run_generation
from keyframes.keyframe_actions import select_representative, upload_keyframe
from keyframes.models import Take
from keyframes.takes import start_take
from tests.factories import png_bytes, upload


def represent(cut, *, colour):
    keyframe = upload_keyframe(cut=cut, file=upload(data=png_bytes((480, 270), colour=colour)))
    select_representative(cut=cut, keyframe=keyframe)
    return keyframe


def take_of(cut, user, *, model="local-motion", seconds="2", key="take-1", prompt=None) -> Take:
    return start_take(
        cut=cut,
        user=user,
        model_key=model,
        motion_prompt=prompt if prompt is not None else "She turns slowly.",
        seconds=Decimal(seconds),
        idempotency_key=key,
    )


def run(take: Take) -> Take:
    """What the worker does with the queued job; returns the take as stored afterwards."""
    run_generation(job=take.job)
    return Take.objects.select_related("job").get(pk=take.pk)
