"""The cut editor's Generate controls and keyframe canvas, through the test client."""

import json
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from credits.services import balance_of
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import Candidate, GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project, make_user, png_bytes, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def generated(cut, user, *, count=4, key="job-1", model_key="local-draft"):
    job = start_generation(
        cut=cut,
        user=user,
        prompt=cut.prompt,
        count=count,
        idempotency_key=key,
        model_key=model_key,
    )
    return run_generation(job=job)


def generate_post(client, cut, **fields):
    data = {
        "model": "local-draft",
        "count": "4",
        "idempotency_key": "key-1",
        "script": cut.script,
        "prompt": cut.prompt,
        "negative_prompt": "",
    } | fields
    return client.post(reverse("keyframes:generate", args=[cut.pk]), data, **HTMX)


def slot_classes(html: str) -> list[str]:
    return re.findall(r'<li class="slot ([^"]*)"', html)


# --- Generate controls ---------------------------------------------------------------------


def test_controls_group_models_by_tier_and_state_the_cost(fake_provider, funded_client, funded):
    cut = make_cut(project=make_project(owner=funded), prompt="A cafe at dusk", model="flux-2-pro")
    html = funded_client.get(cut.get_absolute_url()).content.decode()
    assert '<optgroup label="Standard tier">' in html and '<optgroup label="Fast tier">' in html
    assert "Flux 2 Pro · 5 credits/image · medium consistency" in html
    assert re.search(r'<option value="flux-2-pro" selected>', html)
    # fal has no key in this test: its model is listed, greyed, with a reason for creators
    # (what to configure is for the operator, in the admin).
    assert re.search(
        r'<option value="instant-character" disabled>InstantCharacter[^<]*not set up on this site',
        html,
    )
    assert "FAL_KEY" not in html
    assert "Automatic (Flux 2 Pro)" in html
    assert "4 × 5 = 20 credits" in html
    assert "Generate" in html and "Regenerate" not in html
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)


def test_changing_model_or_count_rerenders_the_cost(fake_provider, funded_client, funded):
    cut = make_cut(project=make_project(owner=funded), prompt="A cafe at dusk")
    url = reverse("keyframes:generate_controls", args=[cut.pk])
    response = funded_client.get(url, {"model": "flux-2-dev", "count": "2"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="generate-controls"')
    assert "2 × 3 = 6 credits" in html
    assert re.search(r'<option value="2" selected>', html)


def test_a_model_without_references_says_they_will_not_be_sent(
    fake_provider, funded_client, funded
):
    project = make_project(owner=funded, quality_preset="premium")
    make_asset(project=project, handle="Mina")
    cut = make_cut(project=project, prompt="@Mina at the window")
    url = reverse("keyframes:generate_controls", args=[cut.pk])
    html = funded_client.get(url, {"model": "recraft-v3", "count": "4"}, **HTMX).content.decode()
    assert "Recraft V3 takes no reference images, so 1 reference will not be sent." in html
    assert "4 × 6 = 24 credits" in html


# --- Generate ------------------------------------------------------------------------------


def test_generate_saves_the_typed_prompt_and_shows_a_slot_per_image(funded_client, draft_cut):
    response = generate_post(funded_client, draft_cut, prompt="A woman under a red umbrella")
    assert response.status_code == 200
    job = GenerationJob.objects.get(cut=draft_cut)
    assert job.prompt == "A woman under a red umbrella" and job.count == 4
    draft_cut.refresh_from_db()
    assert draft_cut.prompt == "A woman under a red umbrella"
    assert draft_cut.status == Cut.Status.GENERATING
    html = response.content.decode()
    assert slot_classes(html) == ["slot-pending"] * 4
    assert (
        f'hx-get="{reverse("keyframes:canvas", args=[draft_cut.pk])}" hx-trigger="every 1s"' in html
    )
    # The controls come back out of band, now offering to regenerate with a new key.
    assert re.search(r'id="generate-controls"[^>]*hx-swap-oob="true"', html)
    assert "Regenerate" in html and "key-1" not in html
    assert re.search(r'id="credit-badge"[^>]*hx-swap-oob="true"', html)


def test_a_double_submit_starts_one_job(funded_client, draft_cut):
    generate_post(funded_client, draft_cut, idempotency_key="same")
    generate_post(funded_client, draft_cut, idempotency_key="same")
    assert GenerationJob.objects.filter(cut=draft_cut).count() == 1


def test_generate_charges_and_the_badge_shows_the_new_balance(fake_provider, funded_client, funded):
    cut = make_cut(project=make_project(owner=funded), prompt="A cafe at dusk")
    response = generate_post(funded_client, cut, model="flux-2-pro", count="2")
    assert balance_of(user=funded) == 90
    badge = re.search(r'<button[^>]*id="credit-badge".*?</button>', response.content.decode(), re.S)
    assert "hx-swap-oob" in badge.group(0) and ">90<" in badge.group(0)


def test_too_few_credits_opens_the_purchase_dialog_and_queues_nothing(fake_provider, client):
    poor = make_user(credits=10)
    cut = make_cut(project=make_project(owner=poor), prompt="A cafe at dusk")
    client.force_login(poor)
    response = generate_post(client, cut, model="flux-2-pro", count="4")
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"open-purchase-dialog": {}}
    assert "This needs 20 credits and you have 10." in response.content.decode()
    assert not GenerationJob.objects.exists()
    assert balance_of(user=poor) == 10
    assert Cut.objects.get(pk=cut.pk).status != Cut.Status.GENERATING


def test_a_missing_prompt_is_shown_beside_the_prompt(funded_client, draft_cut):
    response = generate_post(funded_client, draft_cut, prompt="   ")
    html = response.content.decode()
    cut_text = re.search(r'<form id="cut-text".*?</form>', html, re.S).group(0)
    assert "Write a prompt" in cut_text
    assert not GenerationJob.objects.exists()
    assert "HX-Trigger" not in response


def test_an_unavailable_model_error_is_shown_beside_the_model(funded_client, draft_cut):
    response = generate_post(funded_client, draft_cut, model="flux-2-pro")
    html = response.content.decode()
    assert re.search(r'</select>\s*<p class="error" role="alert">Flux 2 Pro is unavailable', html)
    assert not GenerationJob.objects.exists()


# --- The canvas ----------------------------------------------------------------------------


def test_canvas_polls_while_a_job_runs_and_stops_when_it_is_final(funded_client, funded, draft_cut):
    job = start_generation(
        cut=draft_cut,
        user=funded,
        prompt=draft_cut.prompt,
        count=4,
        idempotency_key="a",
    )
    url = reverse("keyframes:canvas", args=[draft_cut.pk])
    running = funded_client.get(url, **HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in running and 'aria-busy="true"' in running
    assert "Cancel" in running
    run_generation(job=job)
    final = funded_client.get(url, **HTMX).content.decode()
    assert "hx-trigger" not in final.split("</section>")[0]
    assert slot_classes(final) == ["slot-succeeded"] * 4
    assert final.count("data-lightbox-open") == 4
    # The cut's status chip follows (it was "Generating" while the job ran).
    assert '<span class="status status-candidates_ready" id="cut-status">' in final
    assert "Candidates ready: pick one" in final


def test_failed_slot_says_why_and_that_credits_were_refunded(fake_provider, funded_client, funded):
    cut = make_cut(project=make_project(owner=funded), prompt="A cafe at dusk")
    job = start_generation(
        cut=cut,
        user=funded,
        prompt=cut.prompt,
        count=2,
        idempotency_key="f",
        model_key="flux-2-pro",
    )
    fake_provider.fail_next(1, "moderation")
    run_generation(job=job)
    html = funded_client.get(reverse("keyframes:canvas", args=[cut.pk]), **HTMX).content.decode()
    assert sorted(slot_classes(html)) == ["slot-failed", "slot-succeeded"]
    failed = Candidate.objects.get(job=job, status=Candidate.Status.FAILED)
    assert failed.error_message in html
    assert "Credits refunded" in html and "1 × 5 credits refunded" in html


def test_earlier_sets_stay_below_the_newest_with_model_and_prompt(funded_client, funded, draft_cut):
    generated(draft_cut, funded, key="first")
    draft_cut.prompt = "Second take in the rain"
    draft_cut.save()
    generated(draft_cut, funded, count=2, key="second")
    html = funded_client.get(reverse("keyframes:canvas", args=[draft_cut.pk]), **HTMX)
    html = html.content.decode()
    newest, earlier = html.split("Earlier sets")
    assert "Second take in the rain" in newest and newest.count("data-lightbox-open") == 2
    assert "A woman waits by a window" in earlier and earlier.count("data-lightbox-open") == 4
    assert "Local draft (offline)" in earlier


def test_thumbnails_carry_what_the_lightbox_shows(funded_client, funded, draft_cut):
    job = generated(draft_cut, funded, count=1)
    keyframe = Keyframe.objects.get(job=job)
    html = funded_client.get(reverse("keyframes:canvas", args=[draft_cut.pk]), **HTMX)
    html = html.content.decode()
    assert f'data-full-src="{keyframe.image.url}"' in html
    assert f'data-seed="{keyframe.seed}"' in html
    assert 'data-model="Local draft (offline)"' in html
    assert 'data-prompt="A woman waits by a window"' in html
    select_url = reverse("keyframes:select_keyframe", args=[draft_cut.pk, keyframe.pk])
    assert f'data-select-url="{select_url}"' in html


def test_selecting_a_representative_marks_it_and_updates_the_cut_list(
    funded_client, funded, draft_cut
):
    job = generated(draft_cut, funded)
    first, second = Keyframe.objects.filter(job=job).order_by("slot")[:2]
    url = reverse("keyframes:select_keyframe", args=[draft_cut.pk, first.pk])
    html = funded_client.post(url, **HTMX).content.decode()
    draft_cut.refresh_from_db()
    assert draft_cut.representative == first
    assert draft_cut.status == Cut.Status.KEYFRAME_GENERATED
    assert slot_classes(html).count("slot-succeeded is-representative") == 1
    item = re.search(rf'<li [^>]*id="cut-item-{draft_cut.pk}".*?</li>', html, re.S).group(0)
    assert first.thumbnail.url in item and "Keyframe generated" in item

    url = reverse("keyframes:select_keyframe", args=[draft_cut.pk, second.pk])
    html = funded_client.post(url, **HTMX).content.decode()
    draft_cut.refresh_from_db()
    assert draft_cut.representative == second
    assert slot_classes(html).count("slot-succeeded is-representative") == 1
    # Only this cut's entry of the cut list rides along, swapped out of band.
    entry = re.search(rf'<li[^>]*id="cut-item-{draft_cut.pk}"[^>]*>.*?</li>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in entry
    assert second.thumbnail.url in entry
    assert 'id="cut-list"' not in html


def test_select_without_htmx_redirects_to_the_cut(funded_client, funded, draft_cut):
    keyframe = Keyframe.objects.filter(job=generated(draft_cut, funded, count=1)).get()
    url = reverse("keyframes:select_keyframe", args=[draft_cut.pk, keyframe.pk])
    response = funded_client.post(url)
    assert response.status_code == 302 and response["Location"] == draft_cut.get_absolute_url()


def test_deleting_the_representative_unsets_it_and_removes_files_after_commit(
    funded_client, funded, draft_cut, django_capture_on_commit_callbacks
):
    keyframe = Keyframe.objects.filter(job=generated(draft_cut, funded, count=2)).first()
    funded_client.post(reverse("keyframes:select_keyframe", args=[draft_cut.pk, keyframe.pk]))
    names = [keyframe.image.name, keyframe.thumbnail.name]
    url = reverse("keyframes:delete_keyframe", args=[draft_cut.pk, keyframe.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = funded_client.post(url, **HTMX)
        assert all(default_storage.exists(name) for name in names)  # not before the commit
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in names)
    assert not Keyframe.objects.filter(pk=keyframe.pk).exists()
    draft_cut.refresh_from_db()
    assert draft_cut.representative is None
    assert draft_cut.status == Cut.Status.CANDIDATES_READY
    html = response.content.decode()
    assert "is-representative" not in html and slot_classes(html) == ["slot-succeeded"]


def test_uploaded_image_becomes_a_free_selectable_keyframe(funded_client, funded, draft_cut):
    url = reverse("keyframes:upload_keyframe", args=[draft_cut.pk])
    html = funded_client.post(
        url, {"file": upload("sketch.png", png_bytes((600, 900)))}, **HTMX
    ).content.decode()
    keyframe = Keyframe.objects.get(cut=draft_cut)
    assert keyframe.source == Keyframe.Source.UPLOADED and keyframe.job is None
    assert (keyframe.width, keyframe.height) == (600, 900)
    assert default_storage.exists(keyframe.image.name)
    assert balance_of(user=funded) == 100
    assert slot_classes(html) == ["slot-uploaded"] and "Uploaded" in html
    select_url = reverse("keyframes:select_keyframe", args=[draft_cut.pk, keyframe.pk])
    funded_client.post(select_url, **HTMX)
    assert Cut.objects.get(pk=draft_cut.pk).representative == keyframe


def test_a_bad_upload_is_refused_plainly(funded_client, draft_cut):
    url = reverse("keyframes:upload_keyframe", args=[draft_cut.pk])
    response = funded_client.post(
        url, {"file": upload("notes.png", b"not an image at all")}, **HTMX
    )
    assert response.status_code == 200
    assert "This file is not a PNG, JPEG or WebP image." in response.content.decode()
    assert not Keyframe.objects.exists()


def test_cancel_stops_a_queued_job_and_refunds_it(fake_provider, funded_client, funded):
    cut = make_cut(project=make_project(owner=funded), prompt="A cafe at dusk")
    job = start_generation(
        cut=cut,
        user=funded,
        prompt=cut.prompt,
        count=4,
        idempotency_key="c",
        model_key="flux-2-pro",
    )
    url = reverse("keyframes:cancel_job", args=[cut.pk, job.pk])
    html = funded_client.post(url, **HTMX).content.decode()
    job.refresh_from_db()
    assert job.status == GenerationJob.Status.CANCELLED
    assert balance_of(user=funded) == 100
    assert slot_classes(html) == ["slot-cancelled"] * 4
    assert "hx-trigger" not in html.split("</section>")[0]


def canvas_urls(cut, keyframe, job):
    return [
        ("get", reverse("keyframes:canvas", args=[cut.pk])),
        ("get", reverse("keyframes:generate_controls", args=[cut.pk])),
        ("post", reverse("keyframes:generate", args=[cut.pk])),
        ("post", reverse("keyframes:upload_keyframe", args=[cut.pk])),
        ("post", reverse("keyframes:select_keyframe", args=[cut.pk, keyframe.pk])),
        ("post", reverse("keyframes:delete_keyframe", args=[cut.pk, keyframe.pk])),
        ("post", reverse("keyframes:cancel_job", args=[cut.pk, job.pk])),
    ]


def test_a_stranger_gets_404_on_every_canvas_url(client, funded, draft_cut):
    job = generated(draft_cut, funded, count=1)
    keyframe = Keyframe.objects.get(job=job)
    client.force_login(make_user(credits=100))
    for method, url in canvas_urls(draft_cut, keyframe, job):
        response = getattr(client, method)(url, **HTMX)
        assert response.status_code == 404, url
    assert Keyframe.objects.filter(pk=keyframe.pk).exists()
    assert GenerationJob.objects.count() == 1


def test_another_cuts_keyframe_is_404(funded_client, funded, draft_cut):
    other = make_cut(project=draft_cut.project, prompt="Another")
    keyframe = Keyframe.objects.get(job=generated(other, funded, count=1))
    url = reverse("keyframes:select_keyframe", args=[draft_cut.pk, keyframe.pk])
    assert funded_client.post(url, **HTMX).status_code == 404
