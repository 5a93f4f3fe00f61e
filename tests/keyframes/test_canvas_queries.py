"""The canvas and the editor page run the same number of queries for 4 and 40 keyframes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyframes.models import Candidate, GenerationJob, Keyframe
from tests.factories import make_cut, make_project, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def add_sets(cut, *, jobs: int, uploads: int) -> None:
    """Rows as a finished generation leaves them; the files themselves are not needed."""
    for number in range(jobs):
        job = GenerationJob.objects.create(
            user=cut.project.owner,
            cut=cut,
            model_key="local-draft",
            count=4,
            prompt="A take",
            aspect_ratio="9:16",
            credits_per_image=0,
            idempotency_key=f"{cut.pk}-{number}",
            status=GenerationJob.Status.SUCCEEDED,
        )
        for slot in range(4):
            Candidate.objects.create(job=job, slot=slot, seed=slot, status="succeeded")
            Keyframe.objects.create(
                cut=cut,
                job=job,
                slot=slot,
                image=f"keyframes/{job.pk}-{slot}.jpg",
                thumbnail=f"keyframes/thumbs/{job.pk}-{slot}.webp",
                source="generated",
                model_key="local-draft",
                seed=slot,
                sha256="0" * 64,
            )
    for number in range(uploads):
        Keyframe.objects.create(
            cut=cut,
            image=f"keyframes/up-{number}.jpg",
            thumbnail=f"keyframes/thumbs/up-{number}.webp",
            source="uploaded",
            sha256="0" * 64,
        )


@pytest.fixture
def owner():
    return make_user(credits=100)


def cut_with(owner, *, jobs, uploads):
    project = make_project(owner=owner, default_model="local-draft")
    cut = make_cut(project=project, prompt="A woman waits")
    add_sets(cut, jobs=jobs, uploads=uploads)
    # Representatives on other cuts, so the cut list shows thumbnails too.
    for index in range(jobs):
        other = make_cut(project=project)
        keyframe = Keyframe.objects.create(
            cut=other,
            image=f"k/o{index}.jpg",
            thumbnail=f"k/o{index}.webp",
            source="uploaded",
        )
        other.set_representative(keyframe)
        other.save()
    cut.representative = cut.keyframes.first()
    cut.save()
    return cut


def count_queries(client, url, *, cached: bool, **headers) -> tuple[int, str]:
    """Queries of one request, with the rendered fragments cached (a repeat view or a poll)
    or not (the first view)."""
    cache.clear()
    if cached:
        client.get(url, **headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize(
    "url_of, headers",
    [
        (lambda cut: reverse("keyframes:canvas", args=[cut.pk]), HTMX),
        (lambda cut: cut.get_absolute_url(), {}),
    ],
    ids=["canvas partial", "editor page"],
)
@pytest.mark.parametrize("cached", [False, True], ids=["first view", "repeat view"])
def test_queries_do_not_grow_with_keyframes(client, owner, url_of, headers, cached):
    client.force_login(owner)
    small = cut_with(owner, jobs=1, uploads=1)
    large = cut_with(owner, jobs=10, uploads=4)
    client.get(url_of(small), **headers)  # warm up the session
    small_count, small_html = count_queries(client, url_of(small), cached=cached, **headers)
    large_count, large_html = count_queries(client, url_of(large), cached=cached, **headers)
    assert small_html.count("data-lightbox-open") == 5
    assert large_html.count("data-lightbox-open") == 44
    assert small_count == large_count, (small_count, large_count)


@pytest.mark.parametrize(
    "url_of, headers",
    [
        (lambda cut: reverse("keyframes:canvas", args=[cut.pk]), HTMX),
        (lambda cut: cut.get_absolute_url(), {}),
    ],
    ids=["canvas partial", "editor page"],
)
def test_a_repeat_view_reads_less_than_the_first(client, owner, url_of, headers):
    client.force_login(owner)
    cut = cut_with(owner, jobs=3, uploads=1)
    client.get(url_of(cut), **headers)  # warm up the session
    first, first_html = count_queries(client, url_of(cut), cached=False, **headers)
    repeat, repeat_html = count_queries(client, url_of(cut), cached=True, **headers)
    assert repeat < first, (first, repeat)
    assert repeat_html.count("data-lightbox-open") == first_html.count("data-lightbox-open") == 13
