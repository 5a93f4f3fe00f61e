"""Running a take in a worker: claim its one slot, make the clip, store it or refund it.

`job_runner.run_generation` claims the job and calls `run_take` for a job of kind take; the
candidate's claim, failure, refund, the reaper and cancelling are the images' own.
"""

import time
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from cutflow.camera_moves import render_camera_move
from cutflow.files import stored_file
from cutflow.video import VideoError, VideoInfo, probe_bytes
from keyframes.generation import SLOT_WAIT_SECONDS, logger
from keyframes.job_runner import (
    CandidateGivenUp,
    claim_candidates,
    fail_candidate,
    mark_candidate_succeeded,
    replace_dead_connection,
)
from keyframes.models import Candidate, GenerationJob, Take
from keyframes.providers.base import ErrorKind, ProviderError, ReferenceImage
from keyframes.providers.video_hosts import (
    GeneratedVideo,
    TakeRequest,
    VideoProviderError,
    generate_video,
)
from keyframes.providers.video_registry import VideoModelSpec, get_video_model


def run_take(job: GenerationJob) -> None:
    """Makes the take of a claimed job: its one candidate succeeds with a stored clip, or
    fails and is refunded."""
    candidate = job.candidates.filter(status=Candidate.Status.PENDING).first()
    if candidate is None:
        return
    spec = get_video_model(job.model_key)
    if not wait_for_slot(candidate, provider=spec.provider):
        return  # cancelled (and refunded) before it was sent
    Take.objects.filter(job=job, status=Take.Status.QUEUED).update(status=Take.Status.RUNNING)
    # Kept before sending: support needs it most when the call fails.
    served = {"provider": spec.provider, "served_model": spec.endpoint or spec.key}
    job.sent_request = job.sent_request | served
    GenerationJob.objects.filter(pk=job.pk).update(sent_request=job.sent_request)
    try:
        video, info = made_video(spec, job)
    except ProviderError as error:
        replace_dead_connection()
        fail_candidate(job, candidate, VideoProviderError.of(error))
        return
    replace_dead_connection()
    store_take_video(job, candidate, video, info)


def wait_for_slot(candidate: Candidate, *, provider: str) -> bool:
    """Waits until the provider has a free call slot; False when the take was cancelled or
    reaped meanwhile."""
    while True:
        claimed, waiting = claim_candidates([candidate], provider=provider)
        if not waiting:
            return bool(claimed)
        time.sleep(SLOT_WAIT_SECONDS)


def made_video(spec: VideoModelSpec, job: GenerationJob) -> tuple[GeneratedVideo, VideoInfo]:
    """The clip and what it holds; a clip that does not play is a bad response."""
    first_frame = load_first_frame(job)
    seconds = Take.objects.values_list("duration_seconds", flat=True).get(job=job)
    if spec.provider == "local":
        video = local_motion(job, first_frame, seconds)
    else:
        request = TakeRequest(
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            seconds=seconds,
            first_frame=first_frame,
        )
        video = generate_video(spec, request)
    try:
        return video, probe_bytes(video.data)
    except VideoError as error:
        raise ProviderError(
            ErrorKind.BAD_RESPONSE, f"not a playable video: {error}", request_id=video.request_id
        ) from error


def load_first_frame(job: GenerationJob) -> ReferenceImage:
    entry = job.references[0]
    try:
        with default_storage.open(entry["image_name"], "rb") as handle:
            data = handle.read()
    except OSError as error:
        detail = f"The first frame {entry['image_name']} is missing from storage: {error}"
        raise ProviderError(ErrorKind.BAD_RESPONSE, detail) from error
    return ReferenceImage(
        label=entry["label"],
        data=data,
        mime_type=entry["mime_type"],
        role=entry["role"],
        sha256=entry.get("sha256", ""),
    )


def local_motion(job: GenerationJob, first_frame: ReferenceImage, seconds: Decimal):
    """local-motion: the camera move the cut had when the take started, over its keyframe."""
    movement = job.sent_request.get("camera_movement", "")
    size = local_motion_size(job.aspect_ratio)
    try:
        data = render_camera_move(
            first_frame.data, movement, float(seconds), size, settings.TAKE_LOCAL_FPS
        )
    except (VideoError, OSError, ValueError) as error:
        raise ProviderError(ErrorKind.BAD_RESPONSE, f"local-motion failed: {error}") from error
    sent = {"camera_movement": movement or "static", "size": f"{size[0]}x{size[1]}"}
    return GeneratedVideo(data=data, request_id=f"local-motion-{job.pk}", sent_input=sent)


def local_motion_size(aspect_ratio: str) -> tuple[int, int]:
    """The project's aspect ratio with TAKE_LOCAL_SHORT_SIDE pixels on the short side, each
    side even (H.264 in yuv420p needs it)."""
    width, height = (int(part) for part in aspect_ratio.split(":"))
    scale = settings.TAKE_LOCAL_SHORT_SIDE / min(width, height)
    return 2 * round(width * scale / 2), 2 * round(height * scale / 2)


def store_take_video(
    job: GenerationJob, candidate: Candidate, video: GeneratedVideo, info: VideoInfo
) -> None:
    try:
        with stored_file(video.data, folder="takes", extension="mp4") as name:
            finish_take(job, candidate, video, info, name)
    except CandidateGivenUp:
        logger.info("Take of job %s arrived after it was reaped", job.pk)
    except OSError as error:
        # Storage refused the file: the clip is lost, so is the charge.
        detail = f"Could not store the video: {error!r}"
        fail_candidate(job, candidate, VideoProviderError(ErrorKind.BAD_RESPONSE, detail))


def finish_take(job, candidate, video: GeneratedVideo, info: VideoInfo, name: str) -> None:
    with transaction.atomic():
        mark_candidate_succeeded(job, candidate, request_id=video.request_id)
        sent = {"input": video.sent_input, "input_keys": sorted(video.sent_input)}
        GenerationJob.objects.filter(pk=job.pk).update(sent_request=job.sent_request | sent)
        Take.objects.filter(job=job).update(
            video=name, width=info.width, height=info.height, byte_size=len(video.data)
        )
