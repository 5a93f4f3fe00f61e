"""Continuity in one click: the previous cut's keyframe becomes the next cut's last reference."""

import io

import pytest
from django.urls import reverse

from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import Keyframe
from tests.factories import make_asset, make_cut, make_project, make_user, png_bytes
from tests.fakes.provider_server import uploaded_bytes

pytestmark = pytest.mark.django_db


def chosen_keyframe(cut, colour):
    keyframe = Keyframe(cut=cut, source=Keyframe.Source.UPLOADED)
    with stored_image(keyframe, ingest_image(io.BytesIO(png_bytes((512, 512), colour=colour)))):
        keyframe.save()
    cut.set_representative(keyframe)
    cut.save()
    return keyframe


def test_previous_cuts_keyframe_is_offered_first_added_in_one_action_and_sent_last(
    client, fake_provider
):
    owner = make_user(credits=100)
    client.force_login(owner)
    project = make_project(owner=owner)
    make_asset(project=project, handle="Seohee")
    make_asset(project=project, handle="Cafe", kind="location")
    first, previous, current = (make_cut(project=project) for _ in range(3))
    older = chosen_keyframe(first, (10, 10, 200))
    last_frame = chosen_keyframe(previous, (200, 10, 10))

    panel = client.get(reverse("keyframes:cut_references", args=[current.pk])).content.decode()
    assert panel.index(last_frame.thumbnail.url) < panel.index(older.thumbnail.url)

    client.post(
        reverse("keyframes:additional_add", args=[current.pk]),
        {"keyframe": last_frame.pk},
        HTTP_HX_REQUEST="true",
    )
    job = start_generation(
        cut=current,
        user=owner,
        prompt="@Seohee returns to @Cafe",
        count=1,
        idempotency_key="continuity",
        model_key="flux-2-pro",
    )
    assert [ref["role"] for ref in job.references] == ["character", "location", "additional"]
    run_generation(job=job)

    sent = fake_provider.replicate_inputs()[0]["input_images"]
    assert len(sent) == 3
    with last_frame.image.open("rb") as stored:
        assert uploaded_bytes(fake_provider, sent[-1]) == stored.read()
