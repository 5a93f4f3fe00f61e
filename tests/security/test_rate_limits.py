"""Per-user limits on generating and prompt writing, and the throttled sign-in form."""

import html

import pytest
from django.urls import reverse

from credits.services import balance_of
from cutflow.ratelimit import RateLimited, check_rate_limit, parse_rate
from keyframes.models import GenerationJob
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project, make_user, upload
from tests.security.conftest import htmx

pytestmark = pytest.mark.django_db

GENERATING_TOO_FAST = "You are generating very quickly; try again in a minute."
WRITING_TOO_FAST = "You are asking for prompts very quickly; try again in a minute."


@pytest.fixture
def story(fake_provider):
    user = make_user(email="quick@example.com", credits=100)
    project = make_project(owner=user)
    make_asset(project=project, handle="Seohee")
    cut = make_cut(project=project, script="@Seohee waits.", prompt="@Seohee waits by the window")
    return user, cut


@pytest.mark.parametrize(
    ("rate", "parsed"), [("30/m", (30, "m")), ("500/h", (500, "h")), (" 2 / s ", (2, "s"))]
)
def test_rates_are_read_like_allauths(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["30", "x/m", "30/week!", "/m"])
def test_a_malformed_rate_is_a_loud_configuration_error(rate):
    with pytest.raises(ValueError, match="is not like"):
        parse_rate(rate)


def test_the_limit_counts_per_user_and_per_action():
    alice, bob = make_user(), make_user()
    for _ in range(3):
        check_rate_limit(user=alice, action="generate", rate="3/m")
    with pytest.raises(RateLimited) as excinfo:
        check_rate_limit(user=alice, action="generate", rate="3/m")
    assert excinfo.value.messages == [GENERATING_TOO_FAST]
    assert 1 <= excinfo.value.retry_after <= 60
    check_rate_limit(user=bob, action="generate", rate="3/m")
    check_rate_limit(user=alice, action="prompt", rate="3/m")


def test_an_empty_rate_means_no_limit():
    user = make_user()
    for _ in range(50):
        check_rate_limit(user=user, action="generate", rate="")


def generate(client, cut, key):
    data = {"model": "flux-2-pro", "count": "1", "idempotency_key": key}
    return client.post(reverse("keyframes:generate", args=[cut.pk]), data, **htmx())


def test_the_third_generate_request_in_a_minute_is_refused_and_charges_nothing(
    client, story, settings
):
    settings.GENERATION_RATE_LIMIT = "2/m"
    user, cut = story
    client.force_login(user)
    assert generate(client, cut, "one").status_code == 200
    assert generate(client, cut, "two").status_code == 200
    balance = balance_of(user=user)
    assert GenerationJob.objects.count() == 2

    response = generate(client, cut, "three")
    assert response.status_code == 429
    assert GENERATING_TOO_FAST in html.unescape(response.content.decode())
    assert GenerationJob.objects.count() == 2
    assert balance_of(user=user) == balance


def test_without_htmx_the_refusal_is_a_message_on_the_cut_page(client, story, settings):
    settings.GENERATION_RATE_LIMIT = "1/m"
    user, cut = story
    client.force_login(user)
    url = reverse("keyframes:generate", args=[cut.pk])
    client.post(url, {"model": "flux-2-pro", "count": "1", "idempotency_key": "a"})
    response = client.post(
        url, {"model": "flux-2-pro", "count": "1", "idempotency_key": "b"}, follow=True
    )
    assert GENERATING_TOO_FAST in html.unescape(response.content.decode())
    assert GenerationJob.objects.count() == 1


def test_prompt_writing_is_limited_too(client, story, settings):
    settings.PROMPT_RATE_LIMIT = "1/m"
    user, cut = story
    client.force_login(user)
    url = reverse("keyframes:prompt_write", args=[cut.pk])
    assert client.post(url, {"script": cut.script}, **htmx()).status_code == 200
    Cut.objects.filter(pk=cut.pk).update(prompt_task=Cut.PromptTask.IDLE)

    response = client.post(url, {"script": "@Seohee runs out into the rain."}, **htmx())
    assert response.status_code == 429
    assert WRITING_TOO_FAST in html.unescape(response.content.decode())
    cut.refresh_from_db()
    assert cut.prompt_task == Cut.PromptTask.IDLE  # nothing queued
    assert cut.script == "@Seohee waits."  # and nothing saved


def test_the_default_limits_are_set():
    from django.conf import settings

    assert parse_rate(settings.GENERATION_RATE_LIMIT) == (30, "m")
    assert parse_rate(settings.PROMPT_RATE_LIMIT) == (20, "m")
    assert "login_failed" in settings.ACCOUNT_RATE_LIMITS


def test_repeated_failed_sign_ins_for_one_address_are_refused(client):
    make_user(email="target@example.com", password="the-right-pass-123")
    url = reverse("account_login")
    for _ in range(5):
        response = client.post(url, {"login": "target@example.com", "password": "wrong-guess"})
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()
    response = client.post(url, {"login": "target@example.com", "password": "the-right-pass-123"})
    assert "Too many failed login attempts" in html.unescape(response.content.decode())
    assert "_auth_user_id" not in client.session


UPLOADING_TOO_FAST = "You are uploading images very quickly; try again in a minute."


def test_uploads_are_limited_per_user_across_upload_forms(client, settings):
    settings.UPLOAD_RATE_LIMIT = "2/m"
    user = make_user()
    project = make_project(owner=user)
    cut = make_cut(project=project)
    variation = make_asset(project=project, handle="Mina").variations.get()
    client.force_login(user)
    keyframe_url = reverse("keyframes:upload_keyframe", args=[cut.pk])
    sheet_url = reverse("characters:image_upload", args=[project.pk, variation.pk])

    client.post(keyframe_url, {"file": upload("one.png")}, **htmx())
    client.post(sheet_url, {"file": upload("two.png")}, **htmx())
    refused = client.post(keyframe_url, {"file": upload("three.png")}, **htmx())

    assert UPLOADING_TOO_FAST in html.unescape(refused.content.decode())
    assert cut.keyframes.count() == 1 and variation.images.count() == 2
    other = make_user()
    client.force_login(other)
    other_cut = make_cut(project=make_project(owner=other))
    client.post(reverse("keyframes:upload_keyframe", args=[other_cut.pk]), {"file": upload()})
    assert other_cut.keyframes.count() == 1
