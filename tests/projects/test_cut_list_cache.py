"""The cut list's entries are cached one by one by what they show; every change to a cut
(even one a worker writes straight to its row) shows on the next page."""

import re

import pytest
from django.urls import reverse

from credits.services import balance_of
from keyframes.generation import start_generation
from keyframes.models import Keyframe
from projects.cut_list import ENTRY_FIELDS, entry_rows
from projects.models import Cut
from tests.factories import make_cut, make_project

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cuts(user):
    project = make_project(owner=user, default_model="local-draft")
    return [make_cut(project=project, script=f"Scene {n}.", prompt="A door") for n in range(3)]


def entry(html: str, cut: Cut) -> str:
    return re.search(rf'<li[^>]*id="cut-item-{cut.pk}".*?</li>', html, re.S).group(0)


def page(client, cut) -> str:
    return client.get(cut.get_absolute_url()).content.decode()


def test_the_rows_read_for_the_cache_are_the_orms_rows_in_storyboard_order(cuts):
    first, second, third = cuts
    Cut.objects.filter(pk=first.pk).update(position=9, shot_size="wide", status="generating")
    project = first.project
    assert entry_rows(project) == list(project.cuts.values_list(*ENTRY_FIELDS))
    assert [row[0] for row in entry_rows(project)] == [second.pk, third.pk, first.pk]


def test_entries_follow_changes_written_straight_to_the_rows(owner_client, cuts):
    first, second, _ = cuts
    page(owner_client, first)
    Cut.objects.filter(pk=second.pk).update(
        script="A brand new scene.", shot_size="close_up", status=Cut.Status.GENERATING
    )
    keyframe = Keyframe.objects.create(
        cut=second, image="k/s.jpg", thumbnail="k/s.webp", source="uploaded"
    )
    Cut.objects.filter(pk=second.pk).update(representative=keyframe)
    html = entry(page(owner_client, first), second)
    assert "A brand new scene." in html and "Close-up" in html
    assert "Generating" in html and "k/s.webp" in html


def test_numbers_and_arrows_follow_a_move(owner_client, cuts):
    first, second, third = cuts
    page(owner_client, first)
    owner_client.post(reverse("projects:cut_move", args=[first.project_id]), {"up": third.pk})
    html = page(owner_client, first)
    assert "Cut 2</strong>" in entry(html, third) and "Cut 3</strong>" in entry(html, second)
    assert re.search(r'aria-label="Move cut 3 down" disabled', entry(html, second))
    assert not re.search(r'aria-label="Move cut 2 down" disabled', entry(html, third))


def test_the_open_cut_is_the_only_highlighted_entry(owner_client, cuts):
    first, second, _ = cuts
    page(owner_client, first)
    html = page(owner_client, second)
    assert 'aria-current="page"' in entry(html, second)
    assert 'aria-current="page"' not in entry(html, first)
    assert html.count('class="cut-item selected"') == 1


def test_a_poll_leaves_the_list_alone_and_an_action_brings_the_entry(owner_client, cuts, user):
    cut = cuts[0]
    poll = owner_client.get(reverse("keyframes:canvas", args=[cut.pk]), **HTMX).content.decode()
    assert 'id="cut-item-' not in poll
    generate = owner_client.post(
        reverse("keyframes:generate", args=[cut.pk]),
        {"model": "local-draft", "count": "2", "idempotency_key": "k-1", "prompt": cut.prompt},
        **HTMX,
    ).content.decode()
    assert 'hx-swap-oob="true"' in entry(generate, cut) and "Generating" in entry(generate, cut)
    # The cut now generates: the list's poller is swapped in, to keep the list fresh.
    poller = re.search(r'<span id="cut-list-poller"[^>]*>', generate).group(0)
    assert 'hx-trigger="every 2s"' in poller and 'hx-swap-oob="true"' in poller


def test_progress_shows_on_a_generating_cut(owner_client, cuts, user):
    first, second, _ = cuts
    start_generation(
        cut=second,
        user=user,
        prompt="A door",
        count=3,
        idempotency_key="p",
        model_key="local-draft",
    )
    html = page(owner_client, first)
    assert 'class="flight-progress"' in entry(html, second) and "0/3" in entry(html, second)
    assert re.search(r'<span id="cut-list-poller"[^>]*hx-trigger="every 2s"', html)


def test_the_list_poller_refreshes_the_balance(owner_client, cuts, user):
    start_generation(
        cut=cuts[1], user=user, prompt="A door", count=2, idempotency_key="b", model_key=""
    )
    url = reverse("keyframes:flight_cut_list", args=[cuts[0].project_id]) + f"?cut={cuts[0].pk}"
    html = owner_client.get(url, **HTMX).content.decode()
    badge = re.search(r'<button type="button" id="credit-badge".*?</button>', html, re.S).group(0)
    assert 'hx-swap-oob="true"' in badge
    assert f'<span class="credit-balance">{balance_of(user=user)}</span>' in badge
    assert f'class="cut-item selected" id="cut-item-{cuts[0].pk}"' in html
