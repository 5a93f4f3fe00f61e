"""One case-folding rule for handles, the same in Python and in the database, on SQLite and
PostgreSQL alike (CI runs this file on PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from characters.mentions import find_mentions, fold_handle
from characters.models import Asset
from characters.references import resolve_references
from characters.services import create_asset, update_asset
from tests.factories import make_asset, make_cut

pytestmark = pytest.mark.django_db

DUPLICATES = [
    ("Straße", "STRASSE"),
    ("Zoë", "ZOË"),
    ("Zoë", "Zoe\u0308"),  # the same name typed with a combining diaeresis
    ("Seohee", "seohee"),
]


@pytest.mark.parametrize(("first", "second"), DUPLICATES)
def test_the_database_refuses_a_handle_that_folds_to_an_existing_one(project, first, second):
    Asset.objects.create(project=project, kind="character", handle=first, name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.create(project=project, kind="location", handle=second, name="y")


@pytest.mark.parametrize(("first", "second"), [("Straße", "STRASSE"), ("Zoë", "ZOË")])
def test_creating_a_duplicate_handle_says_it_is_taken(project, first, second):
    create_asset(project=project, kind="character", handle=first, name="First")
    with pytest.raises(ValidationError) as refused:
        create_asset(project=project, kind="character", handle=second, name="Second")
    assert refused.value.message_dict == {
        "handle": [f"@{second} is already used in this project. Pick another handle."]
    }
    assert project.assets.count() == 1


def test_renaming_onto_a_folded_duplicate_is_refused_and_changes_nothing(project):
    create_asset(project=project, kind="location", handle="Straße", name="Street")
    other = create_asset(project=project, kind="character", handle="Mina", name="Mina")
    with pytest.raises(ValidationError):
        update_asset(asset=other, handle="STRASSE", name="Mina", description="")
    other.refresh_from_db()
    assert (other.handle, other.handle_key) == ("Mina", "mina")


def test_a_mention_resolves_to_the_asset_whose_handle_folds_the_same(project):
    street = make_asset(project=project, handle="Straße", kind="location")
    make_asset(project=project, handle="Mina")
    cut = make_cut(project=project, script="@STRASSE at night, @mina waits")

    references = resolve_references(cut=cut, prompt=cut.script)

    assert [m.handle for m in find_mentions(cut.script, ["Straße", "Mina"])] == ["Straße", "Mina"]
    assert references.unknown_handles == []
    # Characters come first, then locations: the street's own image is the second reference.
    assert [entry.handle for entry in references] == ["Mina", "Straße"]
    assert references.entries[1].asset == street


def test_python_and_the_stored_key_fold_alike(project):
    asset = make_asset(project=project, handle="ZOË")
    assert asset.handle_key == fold_handle("zoë") == "zoë"
