"""Face-match scores of generated keyframes: a generation through the fake provider is scored
after its image is stored, on its own task, against the sheet the job sent; a scoring that
cannot run leaves the keyframe usable and says why."""

import csv
import io

import pytest
from django.urls import reverse
from django_q.conf import Conf

from characters.models import VariationImage
from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes import face_match, tasks
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import FaceScore, GenerationJob, Keyframe
from projects.export_csv import export_csv
from tests.factories import make_asset, make_cut, make_project, make_user
from tests.keyframes.face_images import (
    cartoon_bytes,
    faceless_bytes,
    other_photo_bytes,
    photo_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.face_scoring]


@pytest.fixture
def scoring_inline(monkeypatch):
    """The worker's queue runs each task as it is queued, as a qcluster would shortly after."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def owner(db):
    return make_user(email="owner@example.com", credits=100)


@pytest.fixture
def seohee_cut(owner):
    project = make_project(owner=owner, default_model="flux-2-pro")
    asset = make_asset(project=project, handle="Seohee")
    set_primary_sheet(asset, photo_bytes())
    return make_cut(project=project, script="@Seohee looks up", prompt="@Seohee looks up")


def set_primary_sheet(asset, data: bytes) -> None:
    variation = asset.default_variation
    variation.images.update(is_primary=False)
    image = VariationImage(variation=variation, is_primary=True)
    with stored_image(image, ingest_image(io.BytesIO(data))):
        image.save()


def generate(cut, user, *, key="face-1") -> GenerationJob:
    job = start_generation(
        cut=cut, user=user, prompt=cut.prompt, count=1, idempotency_key=key, model_key="flux-2-pro"
    )
    return run_generation(job=job)


def test_an_output_that_is_the_characters_own_sheet_matches(
    fake_provider, scoring_inline, owner, seohee_cut, django_capture_on_commit_callbacks
):
    fake_provider.images_to_serve.append(photo_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        job = generate(seohee_cut, owner)
    assert job.status == GenerationJob.Status.SUCCEEDED
    score = FaceScore.objects.get(keyframe__job=job)
    assert (score.handle, score.verdict) == ("Seohee", FaceScore.Verdict.MATCHES)
    assert score.similarity >= 0.9
    assert score.badge == f"@Seohee ✓ {score.similarity:.2f}"


def test_an_unrelated_output_does_not_match(
    fake_provider, scoring_inline, owner, seohee_cut, django_capture_on_commit_callbacks
):
    fake_provider.images_to_serve.append(faceless_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        job = generate(seohee_cut, owner)
    score = FaceScore.objects.get(keyframe__job=job)
    assert score.verdict == FaceScore.Verdict.NO_FACE
    assert score.reason == "No face found in this image."


def test_an_output_showing_someone_else_may_differ(
    fake_provider, scoring_inline, owner, seohee_cut, django_capture_on_commit_callbacks
):
    fake_provider.images_to_serve.append(other_photo_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        job = generate(seohee_cut, owner)
    score = FaceScore.objects.get(keyframe__job=job)
    assert score.verdict == FaceScore.Verdict.MAY_DIFFER
    assert score.similarity < 0.40
    assert score.badge == f"@Seohee ≠ {score.similarity:.2f}"


def test_a_stylised_sheet_says_it_has_no_face(fake_provider, owner, seohee_cut):
    set_primary_sheet(seohee_cut.project.assets.get(handle="Seohee"), cartoon_bytes())
    fake_provider.images_to_serve.append(photo_bytes())
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    tasks.score_keyframe_faces(keyframe.pk)
    score = keyframe.face_scores.get()
    assert score.verdict == FaceScore.Verdict.NO_FACE
    assert "character sheet" in score.reason


def test_a_missing_model_leaves_the_keyframe_usable_and_not_scored(
    fake_provider, owner, seohee_cut, settings, tmp_path, client
):
    settings.FACE_MODEL_DIR = tmp_path  # no model files there
    job = generate(seohee_cut, owner)
    keyframe = Keyframe.objects.get(job=job)
    tasks.score_keyframe_faces(keyframe.pk)
    score = keyframe.face_scores.get()
    assert score.verdict == FaceScore.Verdict.NOT_SCORED
    assert "shape_predictor_5_face_landmarks.dat" in score.reason
    assert job.status == GenerationJob.Status.SUCCEEDED and job.credits_refunded == 0
    client.force_login(owner)
    page = client.get(reverse("projects:cut", args=[seohee_cut.project.pk, seohee_cut.pk]))
    assert keyframe.image.url in page.content.decode()
    assert "@Seohee ?" in page.content.decode()


def test_a_corrupt_stored_image_is_not_scored_and_says_why(fake_provider, owner, seohee_cut):
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    with keyframe.image.storage.open(keyframe.image.name, "wb") as handle:
        handle.write(b"not an image any more")
    tasks.score_keyframe_faces(keyframe.pk)
    score = keyframe.face_scores.get()
    assert score.verdict == FaceScore.Verdict.NOT_SCORED
    assert "could not be read" in score.reason


def test_a_corrupt_sheet_leaves_the_keyframe_pickable_and_says_why(
    fake_provider, owner, seohee_cut, client, monkeypatch
):
    monkeypatch.setattr(face_match, "_sheet_faces", {})  # a fresh worker: no sheet seen yet
    fake_provider.images_to_serve.append(photo_bytes())
    job = generate(seohee_cut, owner)
    keyframe = Keyframe.objects.get(job=job)
    sheet_name = next(ref["image_name"] for ref in job.references if ref["role"] == "character")
    with keyframe.image.storage.open(sheet_name, "wb") as handle:
        handle.write(b"half a PNG")
    tasks.score_keyframe_faces(keyframe.pk)
    score = keyframe.face_scores.get()
    assert score.verdict == FaceScore.Verdict.NOT_SCORED
    assert score.reason == "The sheet: the image could not be read (UnidentifiedImageError)."

    client.force_login(owner)
    project = seohee_cut.project
    url = reverse("keyframes:review_pick", args=[project.pk, seohee_cut.pk, keyframe.pk])
    assert client.post(url).status_code == 200
    seohee_cut.refresh_from_db()
    assert seohee_cut.representative == keyframe
    board = client.get(reverse("projects:storyboard", args=[project.pk])).content.decode()
    assert keyframe.thumbnail.url in board and "@Seohee ?" in board


def test_a_retried_task_keeps_the_first_verdict(fake_provider, owner, seohee_cut):
    fake_provider.images_to_serve.append(photo_bytes())
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    tasks.score_keyframe_faces(keyframe.pk)
    tasks.score_keyframe_faces(keyframe.pk)
    assert list(keyframe.face_scores.values_list("verdict", flat=True)) == ["matches"]


def test_the_grid_lightbox_and_csv_show_each_characters_score(
    fake_provider, owner, seohee_cut, client
):
    fake_provider.images_to_serve.append(photo_bytes())
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    tasks.score_keyframe_faces(keyframe.pk)
    score = keyframe.face_scores.get()
    seohee_cut.refresh_from_db()
    seohee_cut.set_representative(keyframe)
    seohee_cut.save()

    client.force_login(owner)
    page = client.get(reverse("projects:cut", args=[seohee_cut.project.pk, seohee_cut.pk]))
    html = page.content.decode()
    assert 'class="face-badge face-matches"' in html
    assert score.badge in html  # on the grid, and in data-faces for the lightbox
    assert f'data-faces="{score.badge}"' in html
    assert "Sort by face match" in html

    rows = list(csv.DictReader(io.StringIO(export_csv(seohee_cut.project), newline="")))
    assert rows[0]["face_match_Seohee"] == f"matches {score.similarity:.2f}"


def test_a_strangers_scores_stay_hidden(fake_provider, owner, seohee_cut, client):
    fake_provider.images_to_serve.append(photo_bytes())
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    tasks.score_keyframe_faces(keyframe.pk)
    client.force_login(make_user(email="stranger@example.com"))
    page = client.get(reverse("projects:cut", args=[seohee_cut.project.pk, seohee_cut.pk]))
    assert page.status_code == 404


def test_the_canvas_waits_for_fresh_scores_then_shows_them(
    fake_provider, owner, seohee_cut, client, settings
):
    fake_provider.images_to_serve.append(photo_bytes())
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    client.force_login(owner)
    canvas_url = reverse("keyframes:canvas", args=[seohee_cut.pk])

    waiting = client.get(canvas_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "face-badge" not in waiting

    tasks.score_keyframe_faces(keyframe.pk)
    scored = client.get(canvas_url, HTTP_HX_REQUEST="true").content.decode()
    assert keyframe.face_scores.get().badge in scored
    assert 'hx-trigger="every 1s"' not in scored


def test_the_canvas_stops_waiting_when_scoring_is_off(
    fake_provider, owner, seohee_cut, client, settings
):
    generate(seohee_cut, owner)
    settings.FACE_SCORING_ENABLED = False
    client.force_login(owner)
    html = client.get(
        reverse("keyframes:canvas", args=[seohee_cut.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 1s"' not in html


def test_the_board_and_review_show_the_picked_images_score(
    fake_provider, owner, seohee_cut, client
):
    fake_provider.images_to_serve.append(photo_bytes())
    keyframe = Keyframe.objects.get(job=generate(seohee_cut, owner))
    tasks.score_keyframe_faces(keyframe.pk)
    badge = keyframe.face_scores.get().badge
    project = seohee_cut.project
    client.force_login(owner)
    client.post(reverse("keyframes:review_pick", args=[project.pk, seohee_cut.pk, keyframe.pk]))

    board = client.get(reverse("projects:storyboard", args=[project.pk])).content.decode()
    review = client.get(reverse("keyframes:review", args=[project.pk]) + "?show=all")
    assert badge.startswith("@Seohee ✓") and badge in board
    assert badge in review.content.decode()

    client.force_login(make_user(email="stranger@example.com"))
    assert client.get(reverse("projects:storyboard", args=[project.pk])).status_code == 404
    assert client.get(reverse("keyframes:review", args=[project.pk])).status_code == 404
