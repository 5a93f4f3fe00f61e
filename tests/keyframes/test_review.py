"""Review mode: the cuts whose latest images wait for a pick, and picking from there."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.models import GenerationJob, Keyframe
from tests.factories import make_cut, make_face_score, make_project, png_bytes

pytestmark = pytest.mark.django_db


def generated_set(cut, *, count=4, age=timedelta(0)) -> list[Keyframe]:
    """A finished job of ``count`` images for the cut, made ``age`` ago."""
    job = GenerationJob.objects.create(
        user=cut.project.owner,
        cut=cut,
        model_key="local-draft",
        count=count,
        prompt="p",
        aspect_ratio="9:16",
        credits_per_image=0,
        idempotency_key=f"review-{cut.pk}-{GenerationJob.objects.count()}",
        status=GenerationJob.Status.SUCCEEDED,
    )
    keyframes = []
    for slot in range(count):
        ingested = ingest_image(io.BytesIO(png_bytes(colour=(40 * slot, 90, 90))))
        keyframe = Keyframe(cut=cut, job=job, slot=slot, source=Keyframe.Source.GENERATED)
        with stored_image(keyframe, ingested):
            keyframe.save()
        keyframes.append(keyframe)
    Keyframe.objects.filter(job=job).update(created_at=timezone.now() - age)
    for keyframe in keyframes:
        keyframe.refresh_from_db()
    return keyframes


def pick(cut, keyframe):
    cut.set_representative(keyframe)
    cut.save()


def review_html(client, project, query="") -> str:
    response = client.get(reverse("keyframes:review", args=[project.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_review_lists_the_cuts_that_need_a_pick_with_their_latest_set(owner_client, project):
    unpicked = make_cut(project=project)
    generated_set(unpicked)
    picked = make_cut(project=project)
    pick(picked, generated_set(picked)[0])
    regenerated = make_cut(project=project)
    old = generated_set(regenerated, age=timedelta(hours=1))
    pick(regenerated, old[1])
    newer = generated_set(regenerated, count=2)
    make_cut(project=project)  # no images at all

    html = review_html(owner_client, project)

    assert html.count('id="review-cut-') == 2
    assert f'id="review-cut-{unpicked.pk}"' in html
    assert f'id="review-cut-{regenerated.pk}"' in html
    assert f'id="review-cut-{picked.pk}"' not in html
    # The regenerated cut shows its newest set only.
    for keyframe in newer:
        assert keyframe.thumbnail.url in html
    assert old[0].thumbnail.url not in html

    everything = review_html(owner_client, project, "?show=all")
    assert everything.count('id="review-cut-') == 3


def test_an_empty_review_says_whether_the_picks_are_made_or_nothing_is_generated_yet(
    owner_client, project
):
    cut = make_cut(project=project)

    nothing_yet = review_html(owner_client, project)
    assert "No cut has images yet" in nothing_yet
    assert reverse("keyframes:flight_plan", args=[project.pk]) in nothing_yet

    pick(cut, generated_set(cut)[0])
    all_picked = review_html(owner_client, project)
    assert "Every cut with images has its keyframe." in all_picked
    assert "No cut has images yet" not in all_picked


def test_picking_in_review_sets_the_representative(owner_client, project):
    cut = make_cut(project=project, prompt="a prompt")
    keyframes = generated_set(cut)

    response = owner_client.post(
        reverse("keyframes:review_pick", args=[project.pk, cut.pk, keyframes[2].pk]),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    cut.refresh_from_db()
    assert cut.representative == keyframes[2]
    assert cut.status == "keyframe_generated"
    assert "Picked" in response.content.decode()
    assert f'id="review-cut-{cut.pk}"' not in review_html(owner_client, project)


def test_review_refuses_strangers_and_other_cuts_keyframes(owner_client, stranger_client, project):
    cut, other = make_cut(project=project), make_cut(project=project)
    keyframe = generated_set(other, count=1)[0]
    assert stranger_client.get(reverse("keyframes:review", args=[project.pk])).status_code == 404
    url = reverse("keyframes:review_pick", args=[project.pk, cut.pk, keyframe.pk])
    assert stranger_client.post(url).status_code == 404
    assert owner_client.post(url).status_code == 404
    cut.refresh_from_db()
    assert cut.representative is None


def test_review_shows_each_images_face_match_and_the_current_picks(owner_client, project):
    cut = make_cut(project=project)
    old = generated_set(cut, count=1, age=timedelta(hours=1))[0]
    make_face_score(old, "Seohee", "matches", 0.91)
    pick(cut, old)
    newer = generated_set(cut, count=2)
    make_face_score(newer[0], "Seohee", "matches", 0.82)
    make_face_score(newer[1], "Seohee", "may_differ", 0.22, reason="Someone else.")

    html = review_html(owner_client, project)

    # The picked image is no longer in the set shown, so its score is shown beside the status.
    head = html[html.index('class="review-cut-head"') : html.index('class="review-set"')]
    assert "Current pick:" in head and "@Seohee ✓ 0.91" in head
    frames = html.split('class="review-frame')[1:]
    assert "@Seohee ✓ 0.82" in frames[0]
    assert "@Seohee ≠ 0.22" in frames[1] and "May differ: Someone else." in frames[1]

    response = owner_client.post(
        reverse("keyframes:review_pick", args=[project.pk, cut.pk, newer[0].pk]),
        HTTP_HX_REQUEST="true",
    )
    entry = response.content.decode()
    chosen = entry[entry.index("review-frame chosen") :]
    assert "@Seohee ✓ 0.82" in chosen[: chosen.index("</figure>")]
    assert "Current pick:" not in entry  # the pick is in the set, marked there


def test_review_query_count_does_not_grow_with_the_cuts(owner_client, user):
    counts = []
    for size in (1, 6):
        project = make_project(owner=user)
        for _ in range(size):
            cut = make_cut(project=project)
            old = generated_set(cut, count=1, age=timedelta(hours=1))[0]
            make_face_score(old, "Seohee", "matches", 0.9)
            pick(cut, old)
            for keyframe in generated_set(cut, count=2):
                make_face_score(keyframe, "Seohee", "matches", 0.8)
        with CaptureQueriesContext(connection) as queries:
            html = review_html(owner_client, project)
        assert html.count("@Seohee ✓ 0.80") == 2 * size
        assert html.count("@Seohee ✓ 0.90") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
