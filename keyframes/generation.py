"""Generation jobs: validate, snapshot and pre-charge a request, then run its candidates."""

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from characters.references import ReferenceList, check_references, resolve_references
from cutflow.task_queue import enqueue
from keyframes.job_credits import charge_job
from keyframes.model_choice import choose_model
from keyframes.models import Candidate, Flight, GenerationJob
from keyframes.providers.registry import MODELS, ModelSpec
from projects.models import Cut
from projects.services import lock_cut

logger = logging.getLogger(__name__)

SLOT_WAIT_SECONDS = 0.05
CANCEL_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class GenerationPlan:
    """Everything checked about a request before anything is charged."""

    spec: ModelSpec
    automatic: bool
    model_reason: str
    prompt: str
    count: int
    references: ReferenceList
    sent: list
    dropped: list

    @property
    def credits(self) -> int:
        return self.spec.credits_per_image * self.count


def plan_generation(*, cut: Cut, prompt: str, count: int, model_key: str = "") -> GenerationPlan:
    """Validates a request (prompt, mentions, references, count, model). Raises
    ValidationError keyed by field; charges nothing."""
    prompt = prompt.strip()
    if not prompt:
        raise ValidationError({"prompt": "Write a prompt (or generate one from the script) first."})
    if len(prompt) > settings.PROMPT_MAX_CHARS:
        raise ValidationError(
            {"prompt": f"Keep the prompt under {settings.PROMPT_MAX_CHARS} characters."}
        )
    if not 1 <= count <= 4:
        raise ValidationError({"count": "Choose between 1 and 4 images."})
    references = resolve_references(cut=cut, prompt=prompt)
    check_references(references)
    has_characters = references.has_characters
    choice = choose_model(cut=cut, requested=model_key, has_characters=has_characters)
    sent, dropped = references.for_model(choice.spec.max_references)
    if choice.spec.needs_reference and not sent:
        message = f"{choice.spec.label} needs a reference image: mention a character or add one."
        raise ValidationError({"prompt": message})
    return GenerationPlan(
        spec=choice.spec,
        automatic=choice.automatic,
        model_reason=choice.reason,
        prompt=prompt,
        count=count,
        references=references,
        sent=sent,
        dropped=dropped,
    )


def start_generation(
    *,
    cut: Cut,
    user,
    prompt: str,
    count: int,
    idempotency_key: str,
    negative_prompt: str = "",
    model_key: str = "",
    flight: Flight | None = None,
    expected_model: str = "",
) -> GenerationJob:
    """Checks the request, then in one transaction snapshots it, charges the credits and
    queues the job. The same idempotency key twice gives back the first job.
    ``expected_model`` is the model the creator was shown: any other is refused."""
    existing = GenerationJob.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    plan = plan_generation(cut=cut, prompt=prompt, count=count, model_key=model_key)
    if expected_model and plan.spec.key != expected_model:
        raise ValidationError({"model": model_changed_message(plan, expected_model)})
    try:
        with transaction.atomic():
            # The cut's row lock, which deleting takes too: a delete either waits for this
            # job and then refuses, or wins, and then nothing is charged here.
            lock_cut(cut=cut)
            job = create_job(
                cut=cut,
                user=user,
                plan=plan,
                negative_prompt=negative_prompt,
                idempotency_key=idempotency_key,
                flight=flight,
            )
            # Charge before queueing: a crashed worker must not yield free images.
            charge_job(user=user, job=job, amount=plan.credits)
            Cut.objects.filter(pk=cut.pk).update(status=cut.settle_status(generating=True))
            # After commit: a worker must never load a rolled-back job. Robust: the charge is
            # committed by then, so a broker error must not fail the request; the reaper
            # refunds a job that was never picked up.
            transaction.on_commit(lambda: enqueue_job(job.pk), robust=True)
    except IntegrityError:
        # A concurrent double submit won the race for this idempotency key.
        winner = GenerationJob.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if winner is None:
            raise
        return winner
    return job


def model_changed_message(plan: GenerationPlan, expected_model: str) -> str:
    shown = MODELS[expected_model].label if expected_model in MODELS else expected_model
    return (
        f"Nothing was charged: this would now run {plan.spec.label} "
        f"({plan.credits} credits), not {shown} as shown. Check the model and cost, then "
        "press Generate again."
    )


def create_job(*, cut, user, plan, negative_prompt, idempotency_key, flight) -> GenerationJob:
    spec = plan.spec
    job = GenerationJob.objects.create(
        user=user,
        cut=cut,
        flight=flight,
        model_key=spec.key,
        count=plan.count,
        prompt=plan.prompt,
        # Snapshotted now: editing the cut's shot or the project's style later changes nothing.
        sent_prompt=prompt_to_send(cut=cut, prompt=plan.prompt),
        negative_prompt=negative_prompt.strip() if spec.supports_negative_prompt else "",
        aspect_ratio=cut.project.aspect_ratio,
        references=[entry.as_json() for entry in plan.sent],
        dropped_references=[entry.as_json() for entry in plan.dropped],
        credits_per_image=spec.credits_per_image,
        credits_charged=plan.credits,
        idempotency_key=idempotency_key,
    )
    Candidate.objects.bulk_create(
        Candidate(job=job, slot=slot, seed=secrets.randbelow(2**31)) for slot in range(plan.count)
    )
    return job


def enqueue_job(job_id: int) -> None:
    enqueue("keyframes.tasks.run_job", job_id, task_name=f"generation-job-{job_id}")


def prompt_to_send(*, cut: Cut, prompt: str) -> str:
    """The creator's prompt with the cut's shot and the project's style folded in; a shot
    detail the prompt already names is not repeated."""
    shot = [
        label
        for value, label in (
            (cut.shot_size, cut.get_shot_size_display() + " shot"),
            (cut.camera_angle, cut.get_camera_angle_display()),
            (cut.camera_movement, cut.get_camera_movement_display() + " camera"),
        )
        if value and label.lower() not in prompt.lower()
    ]
    parts = []
    if shot:
        text = ", ".join(shot).lower()
        parts.append(text[0].upper() + text[1:] + ".")
    parts.append(prompt)
    if cut.project.style_text:
        parts.append(f"Style: {cut.project.style_text}")
    return " ".join(parts)
