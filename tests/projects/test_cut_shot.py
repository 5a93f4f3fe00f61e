from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def shot_url(cut):
    return reverse("projects:cut_shot", args=[cut.project_id, cut.pk])


def test_shot_card_saves_the_three_fields_and_refreshes_the_cut_list(owner_client, cut):
    response = owner_client.post(
        shot_url(cut),
        {"shot_size": "medium_close_up", "camera_angle": "low", "camera_movement": "dolly_in"},
        HTTP_HX_REQUEST="true",
    )

    cut.refresh_from_db()
    assert (cut.shot_size, cut.camera_angle, cut.camera_movement) == (
        "medium_close_up",
        "low",
        "dolly_in",
    )
    html = response.content.decode()
    assert 'id="cut-shot"' in html and "Saved" in html
    assert '<option value="medium_close_up" selected>' in html
    # The cut list comes along for the out-of-band swap and shows the new shot size.
    cut_list = html[html.index('id="cut-list"') :]
    assert "Medium close-up" in cut_list


def test_clearing_a_field_stores_blank(owner_client, cut):
    cut.shot_size = "wide"
    cut.save()

    owner_client.post(shot_url(cut), {"shot_size": "", "camera_angle": "", "camera_movement": ""})

    cut.refresh_from_db()
    assert cut.shot_size == ""


def test_an_unknown_shot_value_is_refused(owner_client, cut):
    response = owner_client.post(
        shot_url(cut),
        {"shot_size": "macro", "camera_angle": "low", "camera_movement": ""},
        HTTP_HX_REQUEST="true",
    )

    assert "Select a valid choice" in response.content.decode()
    cut.refresh_from_db()
    assert (cut.shot_size, cut.camera_angle) == ("", "")


def test_cut_editor_shows_the_shot_card_and_the_list_shows_the_size(owner_client, cut):
    cut.shot_size = "extreme_wide"
    cut.camera_angle = "overhead"
    cut.save()

    html = owner_client.get(cut.get_absolute_url()).content.decode()

    assert shot_url(cut) in html
    assert '<option value="overhead" selected>' in html
    cut_item = html[html.index(f'id="cut-item-{cut.pk}"') : html.index('id="cut-shot"')]
    assert "Extreme wide" in cut_item


def test_saving_without_htmx_returns_to_the_cut(owner_client, cut):
    response = owner_client.post(
        shot_url(cut), {"shot_size": "wide", "camera_angle": "", "camera_movement": "static"}
    )

    assert response.status_code == 302 and response["Location"] == cut.get_absolute_url()
    cut.refresh_from_db()
    assert cut.camera_movement == "static"


def test_strangers_cannot_change_the_shot(stranger_client, cut):
    response = stranger_client.post(
        shot_url(cut), {"shot_size": "wide", "camera_angle": "", "camera_movement": ""}
    )

    assert response.status_code == 404
    cut.refresh_from_db()
    assert cut.shot_size == ""


def test_the_shot_card_saves_a_duration_and_empty_follows_the_shot_size(owner_client, cut):
    fields = {"shot_size": "close_up", "camera_angle": "", "camera_movement": "pan"}
    response = owner_client.post(
        shot_url(cut), fields | {"duration": "4.5"}, HTTP_HX_REQUEST="true"
    )

    cut.refresh_from_db()
    assert cut.duration_seconds == Decimal("4.5")
    assert 'value="4.5"' in response.content.decode()

    response = owner_client.post(shot_url(cut), fields | {"duration": ""}, HTTP_HX_REQUEST="true")

    cut.refresh_from_db()
    assert cut.duration_seconds == Decimal("2") and cut.duration_follows_shot
    assert "2 s from the shot size" in response.content.decode()


@pytest.mark.parametrize(
    "typed, message",
    [
        ("0.5", "A cut lasts at least 1 second."),
        ("45", "A cut lasts at most 30 seconds."),
        ("2.25", "tenths of a second"),
        ("soon", "such as 2.5"),
    ],
)
def test_a_duration_out_of_bounds_is_refused_with_a_reason(owner_client, cut, typed, message):
    cut.duration_seconds = 6
    cut.save()

    response = owner_client.post(
        shot_url(cut),
        {"shot_size": "wide", "camera_angle": "", "camera_movement": "", "duration": typed},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert message in html
    assert f'value="{typed}"' in html  # what was typed stays in the field to correct
    cut.refresh_from_db()
    assert cut.duration_seconds == Decimal("6") and cut.shot_size == ""
