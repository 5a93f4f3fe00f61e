"""References leave downscaled, through each provider's own upload path, uploaded once."""

import functools
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from characters.models import VariationImage
from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import GenerationJob
from keyframes.providers.reference_prep import MAX_REFERENCE_BYTES, MAX_REFERENCE_EDGE
from tests.factories import make_asset, make_cut, make_project, make_user
from tests.fakes.images import png_size
from tests.fakes.provider_server import gemini_parts

pytestmark = pytest.mark.django_db


@functools.cache
def big_character_sheet() -> bytes:
    """A 6000×4000 sheet with fine detail, as a creator's export would be."""
    detail = Image.effect_noise((1500, 1000), 60).convert("RGB")
    sheet = detail.resize((6000, 4000), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def give_big_sheet(asset):
    variation = asset.default_variation
    variation.images.all().delete()
    image = VariationImage(variation=variation, is_primary=True)
    with stored_image(image, ingest_image(io.BytesIO(big_character_sheet()))):
        image.save()


def generate(owner, cut, model_key, key, count=1, prompt="@Mina waits at @Cafe"):
    job = start_generation(
        cut=cut, user=owner, prompt=prompt, count=count, idempotency_key=key, model_key=model_key
    )
    run_generation(job=job)
    job.refresh_from_db()
    return job


def fast_tier(project):
    project.quality_preset = "fast"
    project.save(update_fields=["quality_preset"])


@pytest.fixture
def story():
    owner = make_user(credits=500)
    project = make_project(owner=owner)
    mina = make_asset(project=project, handle="Mina")
    make_asset(project=project, handle="Cafe", kind="location", colour=(30, 160, 90))
    return owner, project, mina


def test_a_6000_by_4000_sheet_reaches_replicate_downscaled_and_small(story, fake_provider):
    owner, project, mina = story
    give_big_sheet(mina)

    job = generate(owner, make_cut(project=project), "flux-2-pro", "big")

    assert job.status == GenerationJob.Status.SUCCEEDED
    sent = fake_provider.replicate_inputs()[0]["input_images"]
    sheet = fake_provider.uploads[sent[0].rsplit("/", 1)[-1]]
    assert max(png_size(sheet.data)) == MAX_REFERENCE_EDGE
    assert png_size(sheet.data) == (2048, 1365)
    assert len(sheet.data) <= MAX_REFERENCE_BYTES
    assert all(not url.startswith("data:") for url in sent)


def test_a_6000_by_4000_sheet_reaches_gemini_inline_and_downscaled(story, fake_provider):
    owner, project, mina = story
    give_big_sheet(mina)

    generate(owner, make_cut(project=project), "gemini-3-pro-image", "gemini-big")

    images = [
        value for kind, value in gemini_parts(fake_provider.gemini_bodies()[0]) if kind == "image"
    ]
    mime_type, data = images[0]
    assert max(png_size(data)) <= MAX_REFERENCE_EDGE
    assert len(data) <= MAX_REFERENCE_BYTES


def test_six_cuts_upload_each_distinct_reference_once(story, fake_provider):
    owner, project, _ = story
    cuts = [make_cut(project=project) for _ in range(6)]

    jobs = [generate(owner, cut, "flux-2-pro", f"cut-{n}", count=4) for n, cut in enumerate(cuts)]

    assert {job.status for job in jobs} == {GenerationJob.Status.SUCCEEDED}
    assert len(fake_provider.generation_requests) == 24
    assert len(fake_provider.uploads) == 2  # Mina's sheet and the cafe, once each
    sent_urls = {
        url for inputs in fake_provider.replicate_inputs() for url in inputs["input_images"]
    }
    assert len(sent_urls) == 2


def test_six_cuts_on_fal_upload_each_distinct_reference_once(story, fake_fal):
    owner, project, _ = story
    fast_tier(project)

    for n in range(6):
        generate(owner, make_cut(project=project), "flux-2-turbo", f"fal-{n}", count=2)

    assert len(fake_fal.submissions) == 12
    assert len(fake_fal.uploads) == 2
    assert {s.endpoint for s in fake_fal.submissions} == {"fal-ai/flux-2/turbo/edit"}


def test_a_job_keeps_what_was_sent_and_the_lightbox_shows_it(story, fake_provider, client):
    owner, project, mina = story
    give_big_sheet(mina)
    fast_tier(project)
    cut = make_cut(project=project)

    job = generate(owner, cut, "gemini-2.5-flash-image", "sent")

    sent = job.sent_request
    assert sent["provider"] == "gemini"
    assert sent["served_model"] == "gemini-3.1-flash-image"
    assert sent["input_keys"] == ["imageConfig", "responseModalities", "seed"]
    assert [(ref["role"], ref["width"], ref["height"]) for ref in sent["references"]] == [
        ("character", 2048, 1365),
        ("location", 320, 320),
    ]
    assert all(len(ref["sha256"]) == 64 for ref in sent["references"])
    client.force_login(owner)
    html = client.get(reverse("keyframes:canvas", args=[cut.pk])).content.decode()
    assert "gemini-3.1-flash-image · inputs: imageConfig, responseModalities, seed" in html
    assert "character 2048×1365" in html


def test_a_failed_job_still_keeps_what_was_sent(story, fake_provider, settings):
    settings.PROVIDER_MAX_RETRIES = 0
    owner, project, _ = story
    fake_provider.fail_next(1, "moderation")

    job = generate(owner, make_cut(project=project), "flux-2-dev", "failed")

    assert job.status == GenerationJob.Status.FAILED
    assert job.sent_request["served_model"] == "black-forest-labs/flux-2-dev"
    assert "input_images" in job.sent_request["input_keys"]


def test_the_model_details_name_the_id_really_called(story, fake_provider, client):
    owner, project, _ = story
    fast_tier(project)
    cut = make_cut(project=project, prompt="@Mina waits")
    client.force_login(owner)

    url = reverse("keyframes:generate_controls", args=[cut.pk])
    html = client.get(url, {"model": "gemini-2.5-flash-image", "count": "1"}).content.decode()

    assert "Gemini 3.1 Flash Image (<code>gemini-3.1-flash-image</code>)" in html


def test_later_jobs_send_the_prepared_sheet_without_reading_the_original(
    story, fake_provider, monkeypatch
):
    owner, project, mina = story
    give_big_sheet(mina)
    first = generate(owner, make_cut(project=project), "flux-2-pro", "first")
    opened = []
    storage_class = default_storage.__class__  # the configured storage, not its lazy wrapper
    real_open = storage_class.open

    def counted_open(storage, name, *args, **kwargs):
        opened.append(name)
        return real_open(storage, name, *args, **kwargs)

    monkeypatch.setattr(storage_class, "open", counted_open)

    second = generate(owner, make_cut(project=project), "flux-2-pro", "second")

    assert second.status == GenerationJob.Status.SUCCEEDED
    originals = {entry["image_name"] for entry in second.references}
    assert len(originals) == 2 and not originals & set(opened)
    assert second.sent_request["references"] == first.sent_request["references"]
    assert len(fake_provider.uploads) == 2
