"""The face matcher on real images, with the model files its package ships (nothing is
downloaded): the same face matches through resizing, cropping and recolouring; a different
person, a cartoon or a faceless image never does."""

import sys
from hashlib import sha256

import pytest

from keyframes.face_match import (
    MATCH_THRESHOLD,
    ScoringUnavailable,
    Verdict,
    load_face_model,
    match_faces,
)
from tests.keyframes.face_images import (
    OTHER_PHOTO,
    PHOTO,
    both_faces_bytes,
    cartoon_bytes,
    faceless_bytes,
    other_photo_bytes,
    photo_bytes,
    photo_variants,
)


@pytest.fixture(scope="module")
def model():
    return load_face_model()


def score(model, image: bytes, sheet: bytes, sha256: str = ""):
    (result,) = match_faces(image=image, sheets=[("seohee", sha256, sheet)], model=model)
    return result


@pytest.mark.parametrize("person", [PHOTO, OTHER_PHOTO], ids=["astronaut", "hopper"])
@pytest.mark.parametrize("variant", ["resized", "cropped", "recoloured"])
def test_a_photo_matches_itself_resized_cropped_and_recoloured(model, person, variant):
    result = score(model, photo_variants(person)[variant], person.read_bytes())
    assert result.verdict == Verdict.MATCHES
    assert result.similarity >= MATCH_THRESHOLD


@pytest.mark.parametrize("variant", ["original", "resized", "cropped", "recoloured"])
def test_a_different_persons_face_does_not_match(model, variant):
    image = photo_bytes() if variant == "original" else photo_variants()[variant]
    result = score(model, image, other_photo_bytes())
    assert result.verdict == Verdict.MAY_DIFFER
    assert result.similarity < MATCH_THRESHOLD
    assert result.reason == "The closest face may be someone else."


def test_each_character_is_matched_to_its_own_face_in_a_two_person_frame(model):
    results = match_faces(
        image=both_faces_bytes(),
        sheets=[
            ("seohee", sha256(photo_bytes()).hexdigest(), photo_bytes()),
            ("grace", sha256(other_photo_bytes()).hexdigest(), other_photo_bytes()),
        ],
        model=model,
    )
    assert [(each.handle, each.verdict) for each in results] == [
        ("seohee", Verdict.MATCHES),
        ("grace", Verdict.MATCHES),
    ]


def test_a_drawn_cartoon_does_not_match_the_photo(model):
    result = score(model, cartoon_bytes(), photo_bytes())
    assert result.verdict != Verdict.MATCHES


def test_a_faceless_image_says_no_face_found_in_the_image(model):
    result = score(model, faceless_bytes(), photo_bytes())
    assert result.verdict == Verdict.NO_FACE
    assert result.similarity is None
    assert "in this image" in result.reason


def test_a_stylised_sheet_says_so_instead_of_guessing(model):
    result = score(model, photo_bytes(), cartoon_bytes())
    assert result.verdict == Verdict.NO_FACE
    assert "character sheet" in result.reason


def test_each_character_gets_its_own_verdict(model):
    results = match_faces(
        image=photo_bytes(),
        sheets=[
            ("seohee", sha256(photo_bytes()).hexdigest(), photo_bytes()),
            ("tomo", sha256(faceless_bytes()).hexdigest(), faceless_bytes()),
        ],
        model=model,
    )
    assert [(each.handle, each.verdict) for each in results] == [
        ("seohee", Verdict.MATCHES),
        ("tomo", Verdict.NO_FACE),
    ]


def test_a_corrupt_image_is_not_scored_and_says_why(model):
    result = score(model, b"\x89PNG not really an image", photo_bytes())
    assert result.verdict == Verdict.NOT_SCORED
    assert "could not be read" in result.reason


def test_a_missing_model_is_reported_not_downloaded(tmp_path):
    with pytest.raises(ScoringUnavailable, match="shape_predictor_5_face_landmarks.dat"):
        load_face_model(tmp_path)


def test_a_missing_dlib_is_reported(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", None)  # what an import of an absent package does
    with pytest.raises(ScoringUnavailable, match="dlib is not installed"):
        load_face_model(tmp_path)
