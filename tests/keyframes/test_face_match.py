"""The face matcher on real images, with the model files its package ships (nothing is
downloaded): the same face matches through resizing, cropping and recolouring; a cartoon or a
faceless image never does."""

import pytest

from keyframes.face_match import (
    MATCH_THRESHOLD,
    ScoringUnavailable,
    Verdict,
    load_face_model,
    match_faces,
)
from tests.keyframes.face_images import (
    cartoon_bytes,
    faceless_bytes,
    photo_bytes,
    photo_variants,
)


@pytest.fixture(scope="module")
def model():
    return load_face_model()


def score(model, image: bytes, sheet: bytes, sha256: str = ""):
    (result,) = match_faces(image=image, sheets=[("seohee", sha256, sheet)], model=model)
    return result


@pytest.mark.parametrize("variant", ["resized", "cropped", "recoloured"])
def test_a_photo_matches_itself_resized_cropped_and_recoloured(model, variant):
    result = score(model, photo_variants()[variant], photo_bytes())
    assert result.verdict == Verdict.MATCHES
    assert result.similarity >= MATCH_THRESHOLD


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
        sheets=[("seohee", "a", photo_bytes()), ("tomo", "b", faceless_bytes())],
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
