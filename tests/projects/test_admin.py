import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development(settings):
    settings.DEBUG = True  # the demo command runs on development sites only


def test_every_changelist_and_change_page_loads_for_staff_with_demo_data(client):
    call_command("demo")
    staff = make_user(email="support@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    for model in admin.site._registry:
        if model._meta.app_label not in {"projects", "characters", "keyframes", "credits"}:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        first = model.objects.first()
        if first is not None:
            response = client.get(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            assert response.status_code == 200, info


def test_admin_search_finds_a_users_projects(client):
    call_command("demo")
    staff = make_user(email="support@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.get(reverse("admin:projects_project_changelist"), {"q": "demo@cutflow"})
    assert b"Rainy Day at Cafe Lune" in response.content
