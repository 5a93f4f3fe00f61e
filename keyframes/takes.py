"""Takes: a short video from a cut's representative keyframe.

A take is a generation job of kind "take" with one candidate, so it is validated, charged
with an idempotency key, queued, reaped, cancelled and refunded exactly as a set of images is
(keyframes.generation, job_runner, job_faults); keyframes.take_runner makes its clip.
"""

import mimetypes
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from characters.mentions import with_names
from keyframes.generation import enqueue_job
from keyframes.job_credits import charge_job
from keyframes.model_choice import NOT_SET_UP
from keyframes.models import Candidate, GenerationJob, Keyframe, Take
from keyframes.providers.video_registry import (
    VideoModelSpec,
    get_video_model,
    video_unavailable_reason,
)
from projects.models import Cut
from projects.services import lock_cut

NO_REPRESENTATIVE = (
    "This cut has no representative keyframe yet: pick one above (a take starts from it). "
    "Nothing was charged."
)
# How the cut's camera movement reads in a motion prompt.
CAMERA_PHRASES = {
    Cut.CameraMovement.STATIC: "The camera holds still.",
    Cut.CameraMovement.PAN: "The camera pans slowly across the scene.",
    Cut.CameraMovement.TILT: "The camera tilts slowly.",
    Cut.CameraMovement.DOLLY_IN: "The camera pushes in slowly.",
    Cut.CameraMovement.DOLLY_OUT: "The camera pulls back slowly.",
    Cut.CameraMovement.TRACKING: "The camera tracks alongside the subject.",
    Cut.CameraMovement.HANDHELD: "Handheld camera, a slight natural sway.",
}


@dataclass(frozen=True)
class TakePlan:
    """Everything checked about a take before anything is charged."""

    spec: VideoModelSpec
    keyframe: Keyframe
    prompt: str
    seconds: Decimal

    @property
    def credits(self) -> int:
        return self.spec.credits_for(self.seconds)


def default_motion_prompt(cut: Cut) -> str:
    """The script's action, with @handles written as the names they stand for, then the
    cut's camera move."""
    names = dict(cut.project.assets.values_list("handle", "name")) if "@" in cut.script else {}
    action = with_names(cut.script, names).strip()
    camera = CAMERA_PHRASES.get(cut.camera_movement, "")
    return " ".join(part for part in (action, camera) if part)


def plan_take(*, cut: Cut, model_key: str, motion_prompt: str, seconds) -> TakePlan:
    """Validates a take request; raises ValidationError keyed by field, charges nothing."""
    if cut.representative_id is None:
        raise ValidationError({"keyframe": NO_REPRESENTATIVE})
    spec = checked_model(model_key, aspect_ratio=cut.project.aspect_ratio)
    prompt = motion_prompt.strip()
    if not prompt:
        raise ValidationError({"motion_prompt": "Describe the motion (or keep the suggestion)."})
    if len(prompt) > settings.PROMPT_MAX_CHARS:
        message = f"Keep the motion prompt under {settings.PROMPT_MAX_CHARS} characters."
        raise ValidationError({"motion_prompt": message})
    return TakePlan(
        spec=spec,
        keyframe=Keyframe.objects.get(pk=cut.representative_id),
        prompt=prompt,
        seconds=checked_seconds(spec, seconds),
    )


def checked_model(model_key: str, *, aspect_ratio: str) -> VideoModelSpec:
    try:
        spec = get_video_model(model_key)
    except ValueError:
        raise ValidationError({"model": "Choose a video model from the list."}) from None
    if video_unavailable_reason(spec):
        message = f"{spec.label} is {NOT_SET_UP}. Pick another video model."
        raise ValidationError({"model": message})
    if aspect_ratio not in spec.aspect_ratios:
        message = f"{spec.label} does not make {aspect_ratio} video. Pick another video model."
        raise ValidationError({"model": message})
    return spec


def checked_seconds(spec: VideoModelSpec, seconds) -> Decimal:
    try:
        value = Decimal(str(seconds))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not spec.allows(value):
        raise ValidationError({"duration": duration_rule(spec)})
    return value


def duration_rule(spec: VideoModelSpec) -> str:
    if spec.durations:
        lengths = " or ".join(f"{seconds} s" for seconds in spec.durations)
        return f"{spec.label} makes takes of {lengths}."
    return f"{spec.label} makes takes of 1 to {spec.max_duration:g} s, in tenths of a second."


def start_take(
    *,
    cut: Cut,
    user,
    model_key: str,
    motion_prompt: str,
    seconds,
    idempotency_key: str,
    negative_prompt: str = "",
) -> Take:
    """Checks the request against the cut's current representative, then in one transaction
    records the take and its job, charges the credits and queues it. The same idempotency key
    twice gives back the first take."""
    existing = Take.objects.filter(job__user=user, job__idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            # The cut's row lock, as for images: a delete waits for this take or wins first.
            lock_cut(cut=cut)
            cut.refresh_from_db(fields=["representative"])
            plan = plan_take(
                cut=cut, model_key=model_key, motion_prompt=motion_prompt, seconds=seconds
            )
            job = create_take_job(
                cut=cut, user=user, plan=plan, key=idempotency_key, negative_prompt=negative_prompt
            )
            take = Take.objects.create(
                cut=cut,
                job=job,
                source_keyframe=plan.keyframe,
                motion_prompt=plan.prompt,
                model_key=plan.spec.key,
                duration_seconds=plan.seconds,
                aspect_ratio=job.aspect_ratio,
            )
            # Charge before queueing: a crashed worker must not yield a free video.
            charge_job(user=user, job=job, amount=plan.credits)
            transaction.on_commit(lambda: enqueue_job(job.pk), robust=True)
    except IntegrityError:
        # A concurrent double submit won the race for this idempotency key.
        winner = Take.objects.filter(job__user=user, job__idempotency_key=idempotency_key)
        if not winner.exists():
            raise
        return winner.get()
    return take


def create_take_job(*, cut: Cut, user, plan: TakePlan, key: str, negative_prompt: str):
    keyframe = plan.keyframe
    mime_type = mimetypes.guess_type(keyframe.image.name)[0] or "image/png"
    job = GenerationJob.objects.create(
        kind=GenerationJob.Kind.TAKE,
        user=user,
        cut=cut,
        model_key=plan.spec.key,
        count=1,
        prompt=plan.prompt,
        sent_prompt=plan.prompt,
        negative_prompt=negative_prompt.strip() if plan.spec.negative_param else "",
        aspect_ratio=cut.project.aspect_ratio,
        # The first frame, snapshotted: choosing another representative later changes nothing.
        references=[
            {
                "role": "first_frame",
                "label": "the representative keyframe",
                "keyframe_id": keyframe.pk,
                "image_name": keyframe.image.name,
                "mime_type": mime_type,
                "sha256": keyframe.sha256,
            }
        ],
        # local-motion renders the camera move the cut had when the take started.
        sent_request={"camera_movement": cut.camera_movement},
        # One candidate, the whole take: its refund returns everything charged.
        credits_per_image=plan.credits,
        credits_charged=plan.credits,
        idempotency_key=key,
    )
    Candidate.objects.create(job=job, slot=0, seed=0)
    return job


def choose_representative_take(*, cut: Cut, take: Take) -> Take:
    """Makes a ready take the one the animatic plays for this cut."""
    if take.cut_id != cut.pk:
        raise ValueError("not this cut's take")
    if not take.is_ready:
        raise ValidationError({"take": "Only a finished take can be used for the cut."})
    with transaction.atomic():
        lock_cut(cut=cut)
        Take.objects.filter(cut=cut, is_representative=True).exclude(pk=take.pk).update(
            is_representative=False
        )
        Take.objects.filter(pk=take.pk).update(is_representative=True)
    take.is_representative = True
    return take
