"""The database itself refuses a second handle that differs only by case, and a bad shape.

Run on SQLite by default and on PostgreSQL with DATABASE_URL set (as CI does)."""

import pytest
from django.db import IntegrityError, transaction

from characters.models import Asset
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def create(project, handle):
    with transaction.atomic():
        return Asset.objects.create(project=project, kind="character", handle=handle, name="x")


def test_handle_differing_only_by_case_is_refused(project):
    create(project, "Seohee")
    with pytest.raises(IntegrityError):
        create(project, "seohee")


def test_same_handle_in_another_project_is_fine(project):
    create(project, "Seohee")
    create(make_project(owner=project.owner), "Seohee")


@pytest.mark.parametrize("handle", ["Seo hee", "1Jake", "_jake", "jake!", "jake.kim", "@jake", ""])
def test_badly_shaped_handle_is_refused(project, handle):
    with pytest.raises(IntegrityError):
        create(project, handle)


@pytest.mark.parametrize("handle", ["Jake", "Mina_2", "서희", "Zoë"])
def test_well_shaped_handles_are_stored(project, handle):
    assert create(project, handle).pk
