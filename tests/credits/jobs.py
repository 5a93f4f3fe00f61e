"""Generation jobs to charge and refund, built the way the generation service stores them."""

import itertools

from keyframes.models import GenerationJob
from tests.factories import make_cut

_keys = itertools.count(1)


def make_job(*, user, cut=None, count: int = 4, credits_per_image: int = 5) -> GenerationJob:
    return GenerationJob.objects.create(
        user=user,
        cut=cut or make_cut(),
        model_key="flux-2-pro",
        count=count,
        prompt="x",
        aspect_ratio="9:16",
        credits_per_image=credits_per_image,
        idempotency_key=f"k{next(_keys)}",
    )
