"""A candidate's image from the moment its provider answers until it is ready to be recorded:
checked, cleaned, thumbnailed and written to storage in the candidate's own thread.

A job's images used to be ingested and stored one after another on the job's thread, after the
slowest had arrived: with 1.5 MP outputs that serial tail was most of what a 4-image job took
over one image's latency. Here each candidate does its own, side by side, and the job's thread
only writes rows.
"""

import os
import threading
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from cutflow.files import write_image_files
from cutflow.images import IngestedImage, ingest_generated_image
from keyframes.models import Candidate, GenerationJob, Keyframe
from keyframes.providers.base import ErrorKind, GeneratedImage, ProviderError

# Decoding, checking and thumbnailing are CPU work (Pillow releases the GIL): as many at once
# as there are cores, so a worker's memory stays bounded whatever the number of candidates.
_ingest_slots = threading.BoundedSemaphore(os.cpu_count() or 2)


@dataclass(frozen=True)
class ArrivedImage:
    """A candidate's image, its files in storage and its keyframe row not yet saved."""

    result: GeneratedImage
    keyframe: Keyframe
    files: list[str]  # to remove if the row is never saved


def arrived_image(job: GenerationJob, candidate: Candidate, result: GeneratedImage) -> ArrivedImage:
    """Raises a ProviderError (bad response) for an image we cannot use or cannot store."""
    try:
        ingested = ingested_image(result.data)
    except ValidationError as exc:
        raise _unusable(f"Unusable image: {exc}", result) from exc
    keyframe = Keyframe(
        cut_id=job.cut_id,
        job=job,
        slot=candidate.slot,
        source=Keyframe.Source.GENERATED,
        model_key=job.model_key,
        seed=result.seed if result.seed is not None else candidate.seed,
        byte_size=len(ingested.content),
    )
    try:
        files = write_image_files(keyframe, ingested)
    except OSError as exc:
        # Storage refused the file (disk full, bucket down): the image is lost, so is the charge.
        raise _unusable(f"Could not store the image: {exc!r}", result) from exc
    return ArrivedImage(result=result, keyframe=keyframe, files=files)


def ingested_image(data: bytes) -> IngestedImage:
    """`ingest_generated_image`, waiting for a free core first."""
    with _ingest_slots:
        return ingest_generated_image(data)


def _unusable(detail: str, result: GeneratedImage) -> ProviderError:
    return ProviderError(ErrorKind.BAD_RESPONSE, detail, request_id=result.request_id)
