"""The hard rules hold in the database itself, not only in forms."""

import pytest
from django.db import DataError, IntegrityError, transaction

from characters.models import Asset, Variation, VariationImage
from credits.models import CreditAccount
from projects.models import Cut, Project
from tests.factories import make_asset, make_cut, make_project, make_user

pytestmark = pytest.mark.django_db


def rejected(callable_):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        callable_()


def test_handle_is_unique_per_project_ignoring_case():
    project = make_project()
    Asset.objects.create(project=project, kind="character", handle="Seohee", name="Seohee")
    rejected(
        lambda: Asset.objects.create(project=project, kind="location", handle="seohee", name="x")
    )


def test_same_handle_is_fine_in_another_project():
    make_asset(project=make_project(), handle="Jake")
    assert make_asset(project=make_project(), handle="Jake").pk


@pytest.mark.parametrize("handle", ["1abc", "_abc", "a b", "a-b", "a@b", "", "a" * 33, "@Jake"])
def test_badly_shaped_handle_is_rejected(handle):
    project = make_project()
    rejected(
        lambda: Asset.objects.create(project=project, kind="character", handle=handle, name="x")
    )


@pytest.mark.parametrize("handle", ["Seohee", "서희", "Jake_2", "a" * 32, "Élodie"])
def test_letters_of_any_script_make_a_handle(handle):
    project = make_project()
    assert Asset.objects.create(project=project, kind="character", handle=handle, name="x").pk


def test_a_variation_has_at_most_one_primary_image():
    asset = make_asset(project=make_project(), handle="Jake")
    variation = asset.variations.get()
    first = variation.images.get()
    rejected(
        lambda: VariationImage.objects.create(
            variation=variation,
            image=first.image.name,
            thumbnail=first.thumbnail.name,
            sha256="x",
            is_primary=True,
        )
    )


@pytest.mark.parametrize("count", [0, 5])
def test_candidate_count_outside_one_to_four_is_rejected(count):
    project = make_project()
    rejected(lambda: Cut.objects.create(project=project, candidate_count=count))


def test_unknown_aspect_ratio_is_rejected():
    owner = make_user()
    rejected(lambda: Project.objects.create(owner=owner, title="x", aspect_ratio="21:9"))


def test_credit_balance_never_goes_below_zero():
    account = CreditAccount.objects.create(user=make_user(), balance=3)
    rejected(lambda: CreditAccount.objects.filter(pk=account.pk).update(balance=-1))


def test_variations_belong_to_their_asset():
    cut = make_cut()
    asset = make_asset(project=cut.project, handle="Mina")
    assert Variation.objects.filter(asset=asset).count() == 1
