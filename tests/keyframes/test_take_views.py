"""The Takes panel of the cut editor: the player, starting a take, using one, ownership."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from credits.services import balance_of
from keyframes.models import Take
from keyframes.takes import choose_representative_take
from tests.factories import make_cut, make_project, make_user
from tests.keyframes.queued_tasks import run_queued_tasks
from tests.keyframes.takes_setup import represent, run, take_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def director_client(client, creator):
    client.force_login(creator)
    return client


def start_form(cut, **fields):
    return {
        "model": "local-motion",
        "motion_prompt": "She turns slowly.",
        "duration": "2",
        "idempotency_key": "form-key-1",
    } | fields


def test_the_editor_offers_takes_with_a_suggested_prompt_and_the_cut_length(
    director_client, shot_cut
):
    editor = director_client.get(shot_cut.get_absolute_url()).content.decode()
    panel_url = reverse("keyframes:takes_panel", args=[shot_cut.pk])
    assert f'hx-get="{panel_url}" hx-trigger="load"' in editor  # fetched once the page shows

    page = director_client.get(panel_url, **HTMX).content.decode()

    assert 'id="takes-panel"' in page
    assert "Mina turns to the window. The camera pushes in slowly." in page
    assert 'name="duration" id="id_duration" min="1" max="30" step="0.1" value="3"' in page
    assert "Kling 2.1 Standard · 1 credit/s · unavailable" in page  # no Replicate key here
    assert "Kling 2.5 Turbo Pro · 1.4 credits/s · unavailable" in page


def test_starting_a_take_shows_its_progress_and_then_the_video_with_its_keyframe_as_poster(
    director_client, creator, shot_cut, django_capture_on_commit_callbacks
):
    url = reverse("keyframes:start_take", args=[shot_cut.pk])

    with django_capture_on_commit_callbacks(execute=True):
        answer = director_client.post(url, start_form(shot_cut), **HTMX).content.decode()

    take = Take.objects.get()
    assert take.status == Take.Status.QUEUED
    assert '<progress class="take-progress"' in answer
    assert 'hx-trigger="every 2s"' in answer  # the list polls while the take is made
    run_queued_tasks()
    listing = director_client.get(reverse("keyframes:take_list", args=[shot_cut.pk])).content
    take.refresh_from_db()
    assert take.is_ready
    assert f'src="{take.video.url}"' in listing.decode()
    assert f'poster="{shot_cut.representative.thumbnail.url}"' in listing.decode()
    assert "every 2s" not in listing.decode()


def test_a_cut_without_representative_is_refused_in_plain_words_and_charges_nothing(
    director_client, creator, fake_provider
):
    cut = make_cut(project=make_project(owner=creator), script="An empty room.")
    url = reverse("keyframes:start_take", args=[cut.pk])

    answer = director_client.post(
        url, start_form(cut, model="kling-2.1", duration="5"), **HTMX
    ).content.decode()

    assert "no representative keyframe yet" in answer
    assert not Take.objects.exists() and balance_of(user=creator) == 100


def test_a_length_the_model_cannot_make_is_explained_and_kept(
    director_client, shot_cut, fake_provider
):
    url = reverse("keyframes:start_take", args=[shot_cut.pk])

    answer = director_client.post(
        url, start_form(shot_cut, model="kling-2.1", duration="7"), **HTMX
    ).content.decode()

    assert "Kling 2.1 Standard makes takes of 5 s or 10 s." in answer
    assert 'value="7"' in answer
    assert not Take.objects.exists()


def test_not_enough_credits_opens_the_purchase_dialog(client, small_takes, fake_provider):
    poor = make_user(email="poor@example.com", credits=2)
    cut = make_cut(project=make_project(owner=poor), script="Rain.")
    represent(cut, colour=(10, 10, 10))
    client.force_login(poor)

    response = client.post(
        reverse("keyframes:start_take", args=[cut.pk]),
        start_form(cut, model="kling-2.1", duration="5"),
        **HTMX,
    )

    assert "This needs 5 credits and you have 2" in response.content.decode()
    assert "open-purchase-dialog" in response["HX-Trigger"]
    assert balance_of(user=poor) == 2 and not Take.objects.exists()


def test_using_a_take_puts_it_in_the_player(director_client, creator, shot_cut):
    take = run(take_of(shot_cut, creator))

    answer = director_client.post(
        reverse("keyframes:use_take", args=[shot_cut.pk, take.pk]), **HTMX
    ).content.decode()

    take.refresh_from_db()
    assert take.is_representative
    assert 'aria-label="The take used for this cut"' in answer
    assert f'poster="{shot_cut.representative.image.url}"' in answer


def test_a_stranger_gets_404_for_every_take_address(client, creator, shot_cut):
    take = run(take_of(shot_cut, creator))
    client.force_login(make_user(email="stranger@example.com", credits=100))
    urls = [
        ("get", reverse("keyframes:takes_panel", args=[shot_cut.pk])),
        ("get", reverse("keyframes:take_list", args=[shot_cut.pk])),
        ("get", reverse("keyframes:take_form", args=[shot_cut.pk])),
        ("post", reverse("keyframes:start_take", args=[shot_cut.pk])),
        ("post", reverse("keyframes:use_take", args=[shot_cut.pk, take.pk])),
        ("post", reverse("keyframes:cancel_take", args=[shot_cut.pk, take.pk])),
    ]

    for method, url in urls:
        response = getattr(client, method)(url, start_form(shot_cut), **HTMX)
        assert response.status_code == 404, url
    assert Take.objects.count() == 1 and not Take.objects.get().is_representative


def test_another_cuts_take_is_404_even_for_its_owner(director_client, creator, shot_cut):
    other = make_cut(project=shot_cut.project, script="Elsewhere.")
    take = run(take_of(shot_cut, creator))

    response = director_client.post(reverse("keyframes:use_take", args=[other.pk, take.pk]), **HTMX)

    assert response.status_code == 404


def test_cancelling_a_take_from_the_panel_refunds_it(
    director_client, creator, shot_cut, fake_provider
):
    take = take_of(shot_cut, creator, model="kling-2.1", seconds="5")
    assert balance_of(user=creator) == 95

    answer = director_client.post(
        reverse("keyframes:cancel_take", args=[shot_cut.pk, take.pk]), **HTMX
    ).content.decode()

    assert "5 credits refunded." in answer
    assert 'id="credit-badge"' in answer and balance_of(user=creator) == 100


def test_choosing_another_model_shows_its_lengths_and_cost_and_keeps_the_prompt(
    director_client, shot_cut, fake_fal
):
    answer = director_client.get(
        reverse("keyframes:take_form", args=[shot_cut.pk]),
        {"model": "kling-2.5-turbo-pro", "motion_prompt": "A slow turn."},
        **HTMX,
    ).content.decode()

    assert "A slow turn." in answer
    assert 'value="5"' in answer  # the cut's 3 s, as the model can make it
    assert "7 credits" in answer


def test_the_take_is_chosen_only_when_ready(creator, shot_cut, fake_provider):
    take = take_of(shot_cut, creator, model="kling-2.1", seconds="5")
    with pytest.raises(ValidationError):
        choose_representative_take(cut=shot_cut, take=take)
