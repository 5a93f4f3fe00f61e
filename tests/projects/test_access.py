"""Another user's objects are a 404; every page but the landing and auth pages needs sign-in."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def object_urls(project, cut):
    return {
        "get": [
            reverse("projects:storyboard", args=[project.pk]),
            reverse("projects:cut", args=[project.pk, cut.pk]),
        ],
        "post": [
            reverse("projects:delete", args=[project.pk]),
            reverse("projects:cut_add", args=[project.pk]),
            reverse("projects:cut_reorder", args=[project.pk]),
            reverse("projects:cut_text", args=[project.pk, cut.pk]),
            reverse("projects:cut_move", args=[project.pk]),
            reverse("projects:cut_delete", args=[project.pk, cut.pk]),
            reverse("projects:prompt_restore", args=[project.pk, cut.pk]),
        ],
    }


def test_stranger_gets_404_on_every_object_url(stranger_client, project, cut):
    urls = object_urls(project, cut)
    for url in urls["get"]:
        assert stranger_client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert stranger_client.post(url, {"order": str(cut.pk)}).status_code == 404, url
    project.refresh_from_db()
    cut.refresh_from_db()


def test_cut_of_another_project_is_404_even_for_its_owner(owner_client, user, cut):
    from tests.factories import make_project

    other = make_project(owner=user, title="Other")
    url = reverse("projects:cut", args=[other.pk, cut.pk])
    assert owner_client.get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, project, cut):
    response = client.get(reverse("projects:cut", args=[project.pk, cut.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_landing_and_sign_in_pages_are_open(client):
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 200
    assert client.get(reverse("account_signup")).status_code == 200
