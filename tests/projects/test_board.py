"""The board page: every cut as a card, in order; reordering saves at once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyframes.models import GenerationJob
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_face_score, make_project
from tests.projects.export_data import give_representative

pytestmark = pytest.mark.django_db


def board_html(client, project) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:storyboard", args=[project.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def storyboard_of(project, count: int, *, scored: bool = False) -> list[Cut]:
    cuts = []
    for number in range(count):
        # Every third cut has a duration of its own, the others follow the shot size.
        chosen = Decimal(number + 1) if number % 3 == 0 else None
        cut = make_cut(
            project=project,
            script=f"Scene {number + 1}: @mina looks up.",
            shot_size=Cut.ShotSize.WIDE,
            duration_override=chosen,
        )
        if number % 2 == 0:
            keyframe = give_representative(cut, colour=(30 * number % 255, 90, 40))
            if scored:
                make_face_score(keyframe, "mina", "matches", 0.8, position=0)
                make_face_score(keyframe, "jun", "no_face", reason="No face found.", position=1)
        cuts.append(cut)
    return cuts


def test_the_board_shows_one_card_per_cut_with_thumbnails_in_order(owner_client, project):
    make_asset(project=project, handle="mina", name="Mina Park")
    cuts = storyboard_of(project, 3)
    cuts[1].shot_size, cuts[1].camera_angle, cuts[1].camera_movement = "close_up", "low", "pan"
    cuts[1].save()

    html, _ = board_html(owner_client, project)

    assert html.count('class="board-card"') == 3
    assert html.count("<img src=") == 2  # cuts 1 and 3 have representatives
    assert html.count("No keyframe yet") == 1
    for cut in cuts:
        assert cuts[0].representative.thumbnail.url in html
        assert cut.get_absolute_url() in html
    assert html.index("Scene 1:") < html.index("Scene 2:") < html.index("Scene 3:")
    assert "Mina Park looks up." in html and "@mina" not in html
    assert "Close-up · Low angle · Pan" in html


def test_the_board_shows_credits_spent_after_refunds(owner_client, user, project):
    cut = make_cut(project=project)
    for charged, refunded in ((8, 2), (4, 0)):
        GenerationJob.objects.create(
            user=user,
            cut=cut,
            model_key="local-draft",
            count=4,
            prompt="p",
            aspect_ratio="9:16",
            credits_per_image=2,
            credits_charged=charged,
            credits_refunded=refunded,
            idempotency_key=f"key-{charged}",
            status=GenerationJob.Status.SUCCEEDED,
        )

    html, _ = board_html(owner_client, project)

    assert "10 credits spent" in html


def test_each_card_shows_its_representatives_face_match_per_character(owner_client, project):
    scored, unscored, empty = (make_cut(project=project) for _ in range(3))
    keyframe = give_representative(scored)
    make_face_score(keyframe, "Seohee", "matches", 0.82, position=0)
    make_face_score(
        keyframe,
        "Tomo",
        "may_differ",
        0.31,
        reason="The closest face may be someone else.",
        position=1,
    )
    give_representative(unscored)
    newer = give_representative(make_cut(project=project))
    make_face_score(newer, "Seohee", "not_scored", reason="Scoring did not finish.")

    html, _ = board_html(owner_client, project)

    cards = html.split('class="board-card"')[1:]
    assert '<li class="face-badge face-matches"' in cards[0]
    assert "@Seohee ✓ 0.82" in cards[0] and "@Tomo ≠ 0.31" in cards[0]
    assert cards[0].index("@Seohee") < cards[0].index("@Tomo")  # the job's reference order
    assert (
        'title="May differ: The closest face may be someone else. (0.40 and up matches)"'
        in cards[0]
    )
    assert "face-badge" not in cards[1] and "face-badge" not in cards[2]
    assert "@Seohee ?" in cards[3] and "Not scored: Scoring did not finish." in cards[3]
    assert empty.get_absolute_url() in cards[2]


def test_the_board_query_count_does_not_grow_with_the_cuts(owner_client, user):
    small, large = make_project(owner=user), make_project(owner=user)
    for project, count in ((small, 2), (large, 12)):
        make_asset(project=project, handle="mina", name="Mina")
        storyboard_of(project, count, scored=True)

    few_html, few = board_html(owner_client, small)
    html, many = board_html(owner_client, large)

    assert html.count('class="board-card"') == 12
    assert html.count("@mina ✓ 0.80") == 6 and few_html.count("@mina ✓ 0.80") == 1
    assert html.count('class="board-duration muted"') == 8  # the others have their own
    assert many == few


def cards_of(html: str) -> list[str]:
    return html.split('class="board-card"')[1:]


def test_each_card_shows_its_duration_and_the_header_the_running_time(owner_client, project):
    make_cut(project=project, shot_size=Cut.ShotSize.WIDE)
    make_cut(project=project, duration_override=Decimal("30"))
    make_cut(project=project, shot_size=Cut.ShotSize.CLOSE_UP, duration_override=Decimal("30"))

    html, _ = board_html(owner_client, project)

    wide, chosen, close_up = cards_of(html)
    assert '<span class="board-duration muted" title="Follows the shot size' in wide
    assert "3.5 s" in wide
    for card in (chosen, close_up):
        assert '<span class="board-duration" title="The duration you set for this cut">30 s' in card
    # 3.5 + 30 + 30 seconds, to the nearest second.
    assert "Running time <strong>1:04</strong>" in html
    assert 'title="63.5 seconds in all"' in html


def test_a_duration_changed_in_the_shot_card_shows_on_the_next_board(owner_client, project):
    cut = make_cut(project=project, shot_size=Cut.ShotSize.CLOSE_UP)
    before, _ = board_html(owner_client, project)
    assert '<span class="board-duration muted"' in before and "2 s" in before
    shot_url = reverse("projects:cut_shot", args=[project.pk, cut.pk])
    shot = {"shot_size": "close_up", "camera_angle": "", "camera_movement": ""}

    owner_client.post(shot_url, shot | {"duration": "12.5"}, HTTP_HX_REQUEST="true")
    chosen, _ = board_html(owner_client, project)
    owner_client.post(shot_url, shot | {"duration": ""}, HTTP_HX_REQUEST="true")
    followed_again, _ = board_html(owner_client, project)

    assert '<span class="board-duration" title="The duration you set for this cut">12.5 s' in chosen
    assert "Running time <strong>0:13</strong>" in chosen
    assert '<span class="board-duration muted"' in followed_again
    assert "Running time <strong>0:02</strong>" in followed_again


def test_an_empty_storyboard_offers_to_add_a_cut(owner_client, project):
    html, _ = board_html(owner_client, project)
    assert "No cuts yet" in html
    assert "Running time <strong>0:00</strong>" in html


def test_reordering_from_the_board_saves_and_renumbers(owner_client, project):
    first, second, third = (make_cut(project=project, script=s) for s in ("aa", "bb", "cc"))
    response = owner_client.post(
        reverse("projects:board_reorder", args=[project.pk]),
        {"order": f"{third.pk},{first.pk},{second.pk}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert list(project.cuts.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]
    html = response.content.decode()
    assert html.index("cc") < html.index("aa") < html.index("bb")
    cut_list = owner_client.get(first.get_absolute_url()).content.decode()
    assert cut_list.index(f'id="cut-item-{third.pk}"') < cut_list.index(f'id="cut-item-{first.pk}"')


def test_a_bad_order_says_why_and_keeps_the_old_one(owner_client, project):
    first, second = make_cut(project=project), make_cut(project=project)
    response = owner_client.post(
        reverse("projects:board_reorder", args=[project.pk]),
        {"order": f"{second.pk}"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "every cut of this storyboard once" in html
    assert html.index(f'data-cut-id="{first.pk}"') < html.index(f'data-cut-id="{second.pk}"')
    plain = owner_client.post(reverse("projects:board_reorder", args=[project.pk]), {"order": "x"})
    assert plain.status_code == 400
    assert "The order must be a list of cut numbers." in plain.content.decode()
    assert list(project.cuts.values_list("pk", flat=True)) == [first.pk, second.pk]


def test_a_stranger_gets_404_on_the_board_and_its_reorder(stranger_client, project):
    cut = make_cut(project=project)
    assert stranger_client.get(reverse("projects:storyboard", args=[project.pk])).status_code == 404
    response = stranger_client.post(
        reverse("projects:board_reorder", args=[project.pk]), {"order": str(cut.pk)}
    )
    assert response.status_code == 404
