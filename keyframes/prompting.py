"""Writing a cut's prompt from its script: the Generate prompt button and the batch for Auto-Flight.

Prompt writing costs no credits, so nothing here touches the ledger.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from characters.models import Asset
from characters.references import find_mentioned_assets, variation_for_cut
from cutflow.task_queue import enqueue
from keyframes.providers.prompt_brief import (
    AssetBrief,
    PromptRequest,
    PromptWriterError,
    WrittenPrompt,
    validate_script,
)
from keyframes.providers.prompt_writers import write_prompt
from projects.models import Cut, PromptRevision
from projects.services import record_prompt

WRITING_MESSAGE = "Writing a prompt from the script…"
STALE_MESSAGE = "The prompt writer stopped without an answer. Try again."
KEPT_MESSAGE = "This cut got a prompt by hand while one was being written; yours was kept."
PROMPT_KEPT = "Your prompt was kept; empty it to have the offline writer write one."
MESSAGE_MAX_CHARS = Cut._meta.get_field("prompt_task_message").max_length


def build_prompt_request(*, cut: Cut) -> PromptRequest:
    """The cut's script with the mentioned, known assets in mention order, each carrying the
    variation this cut uses; the same number of queries however many mentions there are."""
    mentioned = find_mentioned_assets(cut=cut, text=cut.script, with_images=False)
    briefs = tuple(
        asset_brief(asset, override_id=mentioned.override_of(asset)) for asset in mentioned.assets
    )
    return PromptRequest(
        script=cut.script,
        aspect_ratio=cut.project.aspect_ratio,
        assets=briefs,
        known_handles=mentioned.handles,
    )


def asset_brief(asset: Asset, *, override_id: int | None) -> AssetBrief:
    variation = variation_for_cut(asset, override_id=override_id)
    return AssetBrief(
        handle=asset.handle,
        kind=asset.kind,
        name=asset.name,
        description=asset.description,
        variation_name=variation.name if variation else "",
        variation_description=variation.description if variation else "",
    )


def request_prompt(*, cut: Cut, user) -> Cut:
    """Queues the prompt writer for ``cut``; asking again while it writes changes nothing.

    Raises a ValidationError keyed "script" when the script is empty or too long.
    """
    if cut.project.owner_id != user.pk:
        raise PermissionDenied
    validate_script(cut.script)
    with transaction.atomic():
        # One conditional UPDATE, so two quick clicks queue one task. A task that has been
        # "writing" past the job deadline died with its worker and may be replaced.
        started = (
            Cut.objects.filter(pk=cut.pk)
            .exclude(prompt_task=Cut.PromptTask.WRITING, updated_at__gte=stale_before())
            .update(
                prompt_task=Cut.PromptTask.WRITING,
                prompt_task_message=WRITING_MESSAGE,
                updated_at=timezone.now(),
            )
        )
        if started:
            transaction.on_commit(partial(enqueue_prompt_task, cut.pk))
    cut.refresh_from_db(fields=["prompt_task", "prompt_task_message", "updated_at"])
    return cut


def enqueue_prompt_task(cut_id: int) -> None:
    enqueue("keyframes.tasks.write_prompt_task", cut_id, task_name=f"prompt-cut-{cut_id}")


def stale_before():
    return timezone.now() - timedelta(seconds=settings.JOB_DEADLINE_SECONDS)


def fail_stale_prompt_task(*, cut: Cut) -> Cut:
    """Marks a writing task whose worker died as failed, so the editor stops waiting for it."""
    Cut.objects.filter(
        pk=cut.pk, prompt_task=Cut.PromptTask.WRITING, updated_at__lt=stale_before()
    ).update(prompt_task=Cut.PromptTask.FAILED, prompt_task_message=STALE_MESSAGE)
    cut.refresh_from_db(fields=["prompt_task", "prompt_task_message", "updated_at"])
    return cut


def write_cut_prompt(*, cut: Cut, replace_prompt: bool = True) -> WrittenPrompt | PromptWriterError:
    """Runs the writer on the cut's current script and stores the outcome on the cut.

    On success the prompt, the empty shot fields and the status are set and the prompt joins
    the cut's history. On failure the cut's prompt stays as it was and the task is marked
    failed with a message for the creator. With ``replace_prompt=False`` a prompt typed by
    hand meanwhile is kept.
    """
    cut = Cut.objects.select_related("project").get(pk=cut.pk)
    has_prompt = bool(cut.prompt.strip())
    try:
        # The offline writer may fill an empty prompt when Gemini fails, never replace one.
        written = write_prompt(build_prompt_request(cut=cut), fallback=not has_prompt)
    except ValidationError as exc:  # the script changed after the request was accepted
        return fail_prompt_task(cut=cut, error=PromptWriterError(exc.messages[0]))
    except PromptWriterError as error:
        if has_prompt:
            error = PromptWriterError(f"{error.user_message} {PROMPT_KEPT}", detail=error.detail)
        return fail_prompt_task(cut=cut, error=error)
    if not store_written_prompt(cut=cut, written=written, replace_prompt=replace_prompt):
        return fail_prompt_task(cut=cut, error=PromptWriterError(KEPT_MESSAGE))
    return written


def store_written_prompt(*, cut: Cut, written: WrittenPrompt, replace_prompt: bool) -> bool:
    with transaction.atomic():
        current = Cut.objects.select_for_update().get(pk=cut.pk)
        # A notice means the offline writer stood in for Gemini: it never replaces a prompt,
        # even one typed while Gemini was being asked.
        if current.prompt.strip() and (written.notice or not replace_prompt):
            return False
        keep_in_history(current)
        record_prompt(
            cut=current,
            prompt=written.prompt,
            source=PromptRevision.Source.WRITER,
            writer=written.writer,
        )
        current.prompt = written.prompt
        fill_shot_fields(current, written)
        current.settle_status()
        current.prompt_task = Cut.PromptTask.IDLE
        current.prompt_task_message = written.notice[:MESSAGE_MAX_CHARS]
        current.save(
            update_fields=[
                "prompt",
                "shot_size",
                "camera_angle",
                "camera_movement",
                "status",
                "prompt_task",
                "prompt_task_message",
                "updated_at",
            ]
        )
    return True


def keep_in_history(cut: Cut) -> None:
    """Makes sure the prompt about to be replaced can be restored."""
    latest = cut.prompt_revisions.first()
    if cut.prompt.strip() and (latest is None or latest.prompt != cut.prompt):
        record_prompt(cut=cut, prompt=cut.prompt, source=PromptRevision.Source.MANUAL)


def fill_shot_fields(cut: Cut, written: WrittenPrompt) -> None:
    """The writer's shot choices fill only the fields the creator left empty."""
    if not cut.shot_size:
        cut.shot_size = Cut.ShotSize(written.shot.shot_size)
    if not cut.camera_angle:
        cut.camera_angle = Cut.CameraAngle(written.shot.camera_angle)
    if not cut.camera_movement:
        cut.camera_movement = Cut.CameraMovement(written.shot.camera_movement)


def fail_prompt_task(*, cut: Cut, error: PromptWriterError) -> PromptWriterError:
    Cut.objects.filter(pk=cut.pk).update(
        prompt_task=Cut.PromptTask.FAILED,
        prompt_task_message=error.user_message[:MESSAGE_MAX_CHARS],
        updated_at=timezone.now(),
    )
    return error
