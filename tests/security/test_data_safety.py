"""Deleting removes stored files only once the transaction commits; a rolled-back delete
keeps rows and files. Every stored name is unguessable."""

import io
import math
import re
from collections import Counter

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse

from characters.models import Asset, VariationImage
from characters.services import delete_asset
from cutflow.files import stored_image
from cutflow.images import ingest_image, random_file_name
from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from keyframes.models import AdditionalReference, Keyframe
from projects.models import Cut, Project
from projects.services import delete_cut, delete_project
from tests.factories import make_asset, make_cut, make_project, make_user, png_bytes

pytestmark = pytest.mark.django_db


class RolledBack(Exception):
    """Raised inside the transaction after the delete, to roll it back."""


def stored_names(instances) -> list[str]:
    return [name for each in instances for name in (each.image.name, each.thumbnail.name)]


def on_disk(names) -> bool:
    return all(default_storage.exists(name) for name in names)


def none_on_disk(names) -> bool:
    return not any(default_storage.exists(name) for name in names)


@pytest.fixture
def storyboard(db):
    owner = make_user(email="keeper@example.com", credits=20)
    project = make_project(owner=owner, default_model="local-draft")
    asset = make_asset(project=project, handle="Seohee", variations=("Casual", "Rain"))
    cut = make_cut(project=project, script="@Seohee", prompt="@Seohee waits by the window")
    other_cut = make_cut(project=project, script="Second")
    job = start_generation(
        cut=cut,
        user=owner,
        prompt=cut.prompt,
        count=2,
        idempotency_key="k",
        model_key="local-draft",
    )
    run_generation(job=job)
    reference = AdditionalReference(cut=cut, position=0)
    with stored_image(reference, ingest_image(io.BytesIO(png_bytes()))):
        reference.save()
    other_keyframe = Keyframe(cut=other_cut, source="uploaded")
    with stored_image(other_keyframe, ingest_image(io.BytesIO(png_bytes()))):
        other_keyframe.save()
    return {
        "project": project,
        "asset": asset,
        "cut": cut,
        "other_cut": other_cut,
        "cut_files": stored_names([*Keyframe.objects.filter(cut=cut), reference]),
        "other_cut_files": stored_names([other_keyframe]),
        "asset_files": stored_names(VariationImage.objects.filter(variation__asset=asset)),
    }


DELETES = {
    "cut": (lambda world: delete_cut(cut=world["cut"]), "cut_files", Cut, "cut"),
    "asset": (lambda world: delete_asset(asset=world["asset"]), "asset_files", Asset, "asset"),
    "project": (
        lambda world: delete_project(project=world["project"]),
        "all",
        Project,
        "project",
    ),
}


def files_of(world, which) -> list[str]:
    if which == "all":
        return world["cut_files"] + world["other_cut_files"] + world["asset_files"]
    return world[which]


@pytest.mark.parametrize("target", list(DELETES))
def test_files_go_only_after_the_delete_commits(
    storyboard, target, django_capture_on_commit_callbacks
):
    delete, which, model, key = DELETES[target]
    names = files_of(storyboard, which)
    pk = storyboard[key].pk
    assert len(names) >= 4 and on_disk(names)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delete(storyboard)
        # The rows are gone inside the transaction, but not one file is touched yet.
        assert not model.objects.filter(pk=pk).exists()
        assert on_disk(names)
    assert callbacks, "file removal must wait for the commit"
    for callback in callbacks:
        callback()
    assert none_on_disk(names)
    if target != "project":
        assert on_disk(storyboard["other_cut_files"])  # a neighbour's files stay


@pytest.mark.parametrize("target", list(DELETES))
def test_a_failed_delete_keeps_rows_and_files(
    storyboard, target, django_capture_on_commit_callbacks
):
    delete, which, model, key = DELETES[target]
    names = files_of(storyboard, which)
    pk = storyboard[key].pk
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RolledBack),
        transaction.atomic(),
    ):
        delete(storyboard)
        raise RolledBack
    assert callbacks == []  # a rolled-back transaction runs no on-commit callback
    assert model.objects.filter(pk=pk).exists()
    assert on_disk(names)


def test_deleting_through_the_view_removes_the_files(
    client, storyboard, django_capture_on_commit_callbacks
):
    client.force_login(storyboard["project"].owner)
    names = files_of(storyboard, "all")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:delete", args=[storyboard["project"].pk]))
    assert response.status_code == 302
    assert none_on_disk(names)


def entropy_bits(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) * len(text)


def test_stored_names_are_unguessable(storyboard):
    names = files_of(storyboard, "all")
    for name in names:
        stem = re.sub(r"\.[a-z]+$", "", name.rsplit("/", 1)[-1])
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", stem), name  # 24 random bytes
        assert storyboard["project"].title.lower() not in name.lower()
    stems = [name.rsplit("/", 1)[-1] for name in names]
    assert len(set(stems)) == len(stems)


def test_random_file_names_carry_192_random_bits():
    names = [random_file_name("png") for _ in range(2000)]
    assert len(set(names)) == len(names)
    stems = [name.removesuffix(".png") for name in names]
    assert all(len(stem) == 32 for stem in stems)  # 24 bytes, base64url
    assert entropy_bits("".join(stems)) / len("".join(stems)) > 5.5  # near log2(64) = 6
