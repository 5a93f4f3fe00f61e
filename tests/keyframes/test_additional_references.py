"""Additional references: up to five extra images per cut, ordered, added from an upload or
from a keyframe of the same project."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.models import AdditionalReference, Keyframe
from keyframes.references import (
    add_additional_reference,
    move_additional_reference,
    remove_additional_reference,
)
from tests.factories import make_cut, make_project, png_bytes, upload

pytestmark = pytest.mark.django_db


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def make_keyframe(cut, colour=(30, 140, 90)):
    ingested = ingest_image(io.BytesIO(png_bytes((512, 512), colour=colour)))
    keyframe = Keyframe(cut=cut, source=Keyframe.Source.UPLOADED)
    with stored_image(keyframe, ingested):
        keyframe.save()
    return keyframe


def test_upload_becomes_the_last_reference(cut):
    first = add_additional_reference(cut=cut, file=upload(data=png_bytes(colour=(1, 2, 3))))
    second = add_additional_reference(cut=cut, file=upload(data=png_bytes(colour=(4, 5, 6))))
    assert [(r.pk, r.position) for r in cut.additional_references.all()] == [
        (first.pk, 0),
        (second.pk, 1),
    ]
    assert first.thumbnail.name.endswith(".webp") and len(first.sha256) == 64


def test_sixth_reference_is_refused_and_stores_nothing(cut, media_in_tmp):
    for _ in range(5):
        add_additional_reference(cut=cut, file=upload())
    files_before = stored_files(media_in_tmp)

    with pytest.raises(ValidationError) as raised:
        add_additional_reference(cut=cut, file=upload())

    assert raised.value.messages == ["A cut can have at most 5 additional references."]
    assert cut.additional_references.count() == 5
    assert stored_files(media_in_tmp) == files_before


def test_keyframe_of_another_cut_is_copied_for_continuity(project, cut, media_in_tmp):
    earlier = make_cut(project=project)
    keyframe = make_keyframe(earlier)

    reference = add_additional_reference(cut=cut, keyframe=keyframe)

    assert reference.source_keyframe == keyframe
    assert reference.image.name != keyframe.image.name
    with reference.image.open("rb") as copy, keyframe.image.open("rb") as original:
        assert copy.read() == original.read()
    assert reference.sha256 == keyframe.sha256


def test_copied_reference_survives_deleting_its_keyframe(project, cut):
    keyframe = make_keyframe(make_cut(project=project))
    reference = add_additional_reference(cut=cut, keyframe=keyframe)
    keyframe.image.delete(save=False)
    keyframe.delete()
    reference.refresh_from_db()
    assert reference.source_keyframe is None
    assert reference.image.storage.exists(reference.image.name)


def test_keyframe_of_another_project_is_refused(cut):
    foreign = make_keyframe(make_cut(project=make_project()))
    with pytest.raises(ValidationError):
        add_additional_reference(cut=cut, keyframe=foreign)
    assert not AdditionalReference.objects.exists()


def test_keyframe_of_another_project_is_a_404_in_the_view(owner_client, cut):
    foreign = make_keyframe(make_cut(project=make_project()))
    response = owner_client.post(
        reverse("keyframes:additional_add", args=[cut.pk]), {"keyframe": foreign.pk}
    )
    assert response.status_code == 404
    assert not AdditionalReference.objects.exists()


def test_keyframe_offered_in_the_panel_can_be_added(owner_client, project, cut):
    earlier = make_cut(project=project)
    keyframe = make_keyframe(earlier)
    earlier.set_representative(keyframe)
    earlier.save()

    html = owner_client.get(reverse("keyframes:cut_references", args=[cut.pk])).content.decode()
    assert "Use a keyframe from another cut" in html and keyframe.thumbnail.url in html

    owner_client.post(
        reverse("keyframes:additional_add", args=[cut.pk]),
        {"keyframe": keyframe.pk},
        HTTP_HX_REQUEST="true",
    )
    assert cut.additional_references.get().source_keyframe == keyframe


def test_moving_and_removing_keep_positions_contiguous(cut, django_capture_on_commit_callbacks):
    a, b, c = (add_additional_reference(cut=cut, file=upload()) for _ in range(3))

    move_additional_reference(reference=c, offset=-1)
    assert list(cut.additional_references.all()) == [a, c, b]
    move_additional_reference(reference=a, offset=-1)  # already first: stays
    assert list(cut.additional_references.all()) == [a, c, b]

    with django_capture_on_commit_callbacks(execute=True):
        remove_additional_reference(reference=a)
    assert [(r.pk, r.position) for r in cut.additional_references.all()] == [
        (c.pk, 0),
        (b.pk, 1),
    ]
    assert not a.image.storage.exists(a.image.name)


BAD_UPLOADS = {
    "svg": ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'),
    "html": ("page.png", b"<!doctype html><html><body>hi</body></html>"),
    "text": ("notes.png", b"just some words, not an image"),
    "truncated": ("cut.png", png_bytes((400, 400))[:300]),
    "bomb": (
        "bomb.png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xc3\x50\x00\x00\xc3\x50\x08\x02\x00\x00\x00"
        b"\x00\x00\x00\x00",
    ),
    "too-small": ("tiny.png", png_bytes((100, 100))),
}


@pytest.mark.parametrize("name, data", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_bad_upload_through_the_panel_leaves_nothing(owner_client, cut, media_in_tmp, name, data):
    response = owner_client.post(
        reverse("keyframes:additional_add", args=[cut.pk]),
        {"file": upload(name=name, data=data)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'class="error" role="alert"' in response.content.decode()
    assert not AdditionalReference.objects.exists()
    assert stored_files(media_in_tmp) == []


def test_plain_post_redirects_back_to_the_cut_with_the_message(owner_client, cut):
    response = owner_client.post(
        reverse("keyframes:additional_add", args=[cut.pk]),
        {"file": upload(data=b"not an image")},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == cut.get_absolute_url()
    assert "This file is not a PNG, JPEG or WebP image." in response.content.decode()
