"""The worker side of Auto-Flight's launch, so Confirm answers at once.

Confirm (``keyframes.flight_launch.launch_flight``) records every planned cut with the idempotency
key its job will carry, marks the prompts to write and queues one launcher task. The launcher
(``dispatch_flight``) starts the cuts that already have a prompt, asks the prompt writer for
several missing prompts at once and starts each of those cuts as soon as its prompt is
stored. Each start charges through ``start_generation`` under the stored key, so a launcher
run twice (a redelivered task, a resume after a crash) never charges a cut twice. A cut whose
prompt cannot be written is recorded on the flight and never charged.

A launcher that dies leaves cuts owed and its ``launcher_seen_at`` ageing; the scheduled
``resume_stalled_flights`` queues a new launcher for such flights.
"""

from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from keyframes.flight_launch import enqueue_launcher, record_failure, start_cut
from keyframes.flight_progress import settle_flight
from keyframes.flights import CutPlan
from keyframes.generation import enqueue_job
from keyframes.models import Flight, GenerationJob
from keyframes.prompting import (
    KEPT_MESSAGE,
    build_prompt_request,
    fail_prompt_task,
    store_written_prompt,
)
from keyframes.providers.prompt_writers import PromptWriterError, WrittenPrompt, write_prompt
from keyframes.providers.registry import get_model
from projects.models import Cut

# --- In the worker ----------------------------------------------------------------------------


def dispatch_flight(*, flight: Flight) -> Flight:
    """Writes the owed cuts' missing prompts and starts their jobs. Every database read and
    write stays on this thread; only the prompt writer's calls run in the pool."""
    owed = owed_cuts(flight=flight)
    if owed:
        mark_alive(flight)
        missing = [cut for cut in owed if not cut.prompt.strip()]
        for cut in owed:
            if cut.prompt.strip():
                start_owed_cut(flight=flight, cut=cut)
        if missing:
            write_and_start(flight=flight, cuts=missing)
    settle_flight(flight=flight)
    flight.refresh_from_db()
    return flight


def owed_cuts(*, flight: Flight) -> list[Cut]:
    """The planned cuts whose job under their stored key does not exist yet and that did not
    fail to start, in storyboard order."""
    flight.refresh_from_db()
    # A cut planned before launches stored job keys has nothing for this launcher to do.
    planned = {
        int(pk): entry for pk, entry in flight.options.get("cuts", {}).items() if "job_key" in entry
    }
    failed = {int(pk) for pk in flight.options.get("failures", {})}
    started = set(
        flight.jobs.filter(
            idempotency_key__in=[entry.get("job_key") for entry in planned.values()]
        ).values_list("cut_id", flat=True)
    )
    owed = set(planned) - failed - started
    cuts = Cut.objects.filter(pk__in=owed).select_related("project").order_by("position", "pk")
    return list(cuts)


def write_and_start(*, flight: Flight, cuts: list[Cut]) -> None:
    workers = max(1, min(settings.PROMPT_WRITER_CONCURRENCY, len(cuts)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        asked: dict[Future, Cut] = {
            pool.submit(write_prompt, build_prompt_request(cut=cut), fallback=True): cut
            for cut in cuts
        }
        for future in as_completed(asked):
            cut = asked[future]
            mark_alive(flight)
            failure = store_outcome(cut=cut, future=future)
            if failure:
                record_failure(flight=flight, cut=cut, message=failure)
            else:
                start_owed_cut(flight=flight, cut=cut)


def store_outcome(*, cut: Cut, future: Future) -> str:
    """Stores a written prompt on the cut; returns why the cut cannot start, or ""."""
    try:
        written: WrittenPrompt = future.result()
    except ValidationError as exc:  # the script was emptied or grew too long meanwhile
        error = PromptWriterError(exc.messages[0])
    except PromptWriterError as exc:
        error = exc
    else:
        if not store_written_prompt(cut=cut, written=written, replace_prompt=False):
            fail_prompt_task(cut=cut, error=PromptWriterError(KEPT_MESSAGE))
        return ""  # a prompt typed by hand meanwhile is the one the job uses
    fail_prompt_task(cut=cut, error=error)
    cut.refresh_from_db(fields=["prompt"])
    if cut.prompt.strip():
        return ""
    return f"The prompt could not be written: {error.user_message}"


def start_owed_cut(*, flight: Flight, cut: Cut) -> GenerationJob | None:
    cut.refresh_from_db()
    planned = flight.options["cuts"][str(cut.pk)]
    cut_plan = CutPlan(cut=cut, number=0, model=get_model(planned["model"]), count=planned["count"])
    return start_cut(
        flight=flight, cut_plan=cut_plan, prompt=cut.prompt, job_key=planned["job_key"]
    )


def mark_alive(flight: Flight) -> None:
    Flight.objects.filter(pk=flight.pk).update(launcher_seen_at=timezone.now())


# --- After a crash ----------------------------------------------------------------------------


def resume_stalled_flights(*, now=None) -> int:
    """Queues a new launcher for every running flight whose launcher has not been seen for
    the job deadline while cuts are still owed. Scheduled every minute."""
    now = now or timezone.now()
    deadline = now - timedelta(seconds=settings.JOB_DEADLINE_SECONDS)
    resumed = 0
    for flight in Flight.objects.filter(
        status=Flight.Status.RUNNING, launcher_seen_at__lt=deadline
    ):
        if not owed_cuts(flight=flight):
            continue
        Flight.objects.filter(pk=flight.pk).update(launcher_seen_at=now)
        # The dead worker may have held some of this flight's job tasks too; a job runs once
        # whoever gets its task first, so sending them again is safe.
        for job_id in flight.jobs.filter(status=GenerationJob.Status.QUEUED).values_list(
            "pk", flat=True
        ):
            enqueue_job(job_id)
        enqueue_launcher(flight.pk)
        resumed += 1
    return resumed
