"""Bench data: storyboards whose keyframe rows all point at one stored image (the page cost
depends on rows, not files), built with bulk inserts so 200 cuts take a second."""

import io
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cutflow.images import ingest_image, random_file_name
from keyframes.models import Candidate, GenerationJob, Keyframe
from projects.models import Cut, Project
from tests.factories import make_project, png_bytes

SET_SIZE = 4
PROMPT = "A woman waits by a rain-streaked cafe window at dusk, warm light, film grain."
MODEL_KEY = "flux-2-pro"


def make_storyboard(*, owner, cuts: int, keyframes: int, title: str) -> Project:
    """A project with ``cuts`` cuts sharing ``keyframes`` generated keyframes (sets of four,
    one job per set); each cut's first keyframe is its representative."""
    project = make_project(owner=owner, title=title)
    made = Cut.objects.bulk_create(
        Cut(project=project, position=n, script=f"Cut {n + 1}. {PROMPT}", prompt=PROMPT)
        for n in range(cuts)
    )
    image = shared_image()
    per_cut = [keyframes // cuts + (1 if n < keyframes % cuts else 0) for n in range(cuts)]
    chunks = [
        (cut, size) for cut, total in zip(made, per_cut, strict=True) for size in set_sizes(total)
    ]
    jobs = GenerationJob.objects.bulk_create(
        finished_job(owner=owner, cut=cut, count=size, aspect_ratio=project.aspect_ratio)
        for cut, size in chunks
    )
    Candidate.objects.bulk_create(
        Candidate(job=job, slot=slot, seed=slot, status=Candidate.Status.SUCCEEDED)
        for job in jobs
        for slot in range(job.count)
    )
    rows = Keyframe.objects.bulk_create(
        Keyframe(
            cut_id=job.cut_id,
            job=job,
            slot=slot,
            seed=slot,
            model_key=MODEL_KEY,
            source=Keyframe.Source.GENERATED,
            **image,
        )
        for job in jobs
        for slot in range(job.count)
    )
    first = {}
    for keyframe in rows:
        first.setdefault(keyframe.cut_id, keyframe)
    for cut in made:
        if cut.pk in first:
            cut.representative = first[cut.pk]
            cut.status = Cut.Status.KEYFRAME_GENERATED
    Cut.objects.bulk_update(made, ["representative", "status"])
    return project


def set_sizes(total: int) -> list[int]:
    return [min(SET_SIZE, total - start) for start in range(0, total, SET_SIZE)]


def finished_job(*, owner, cut: Cut, count: int, aspect_ratio: str) -> GenerationJob:
    return GenerationJob(
        user=owner,
        cut=cut,
        model_key=MODEL_KEY,
        count=count,
        prompt=PROMPT,
        sent_prompt=PROMPT,
        aspect_ratio=aspect_ratio,
        credits_per_image=5,
        credits_charged=5 * count,
        status=GenerationJob.Status.SUCCEEDED,
        idempotency_key=secrets.token_hex(16),
    )


def shared_image() -> dict:
    """One stored keyframe image and thumbnail, as Keyframe field values."""
    ingested = ingest_image(io.BytesIO(png_bytes(size=(576, 1024), label="bench")))
    image = default_storage.save(
        f"keyframes/{random_file_name(ingested.extension)}", ContentFile(ingested.content)
    )
    thumbnail = default_storage.save(
        f"keyframes/thumbs/{random_file_name('webp')}", ContentFile(ingested.thumbnail)
    )
    return {
        "image": image,
        "thumbnail": thumbnail,
        "width": ingested.width,
        "height": ingested.height,
        "sha256": ingested.sha256,
        "byte_size": len(ingested.content),
    }
