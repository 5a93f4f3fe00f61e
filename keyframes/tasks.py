"""django-q2 tasks: load ids, call a service."""

from keyframes import face_scores, flight_dispatch, job_faults, job_runner, prompting
from keyframes.models import Flight, GenerationJob, Keyframe
from projects.models import Cut


def run_job(job_id: int) -> None:
    job_runner.run_generation(job=GenerationJob.objects.get(pk=job_id))


def reap_stale_jobs() -> int:
    return job_faults.reap_stale_jobs()


def write_prompt_task(cut_id: int) -> None:
    cut = Cut.objects.filter(pk=cut_id).first()
    if cut is not None:  # the creator may have deleted the cut while the task waited
        prompting.write_cut_prompt(cut=cut)


def launch_flight_task(flight_id: int) -> None:
    flight_dispatch.dispatch_flight(flight=Flight.objects.get(pk=flight_id))


def resume_stalled_flights() -> int:
    return flight_dispatch.resume_stalled_flights()


def score_keyframe_faces(keyframe_id: int) -> None:
    keyframe = Keyframe.objects.select_related("job").filter(pk=keyframe_id).first()
    if keyframe is not None:  # the creator may have deleted the image while the task waited
        face_scores.score_keyframe_faces(keyframe=keyframe)
