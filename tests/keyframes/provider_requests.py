"""Candidate requests and reference images shared by the provider tests."""

from keyframes.providers.base import CandidateRequest, ReferenceImage
from tests.fakes.images import png_image

PROMPT = "@Jake hands @Seohee a coffee at @Cafe, morning light"

JAKE = ReferenceImage(
    "@Jake's character sheet", png_image((96, 128), seed=1), "image/png", "character"
)
SEOHEE = ReferenceImage(
    "@Seohee's character sheet", png_image((96, 128), seed=2), "image/png", "character"
)
CAFE = ReferenceImage("the location @Cafe", png_image((128, 96), seed=3), "image/png", "location")
TWO_CHARACTERS_AND_A_LOCATION = (JAKE, SEOHEE, CAFE)
CAPTION = (
    "Image 1 is @Jake's character sheet, image 2 is @Seohee's character sheet, "
    "image 3 is the location @Cafe."
)


def additional(number: int) -> ReferenceImage:
    return ReferenceImage(
        f"additional reference {number}",
        png_image((100, 100), seed=100 + number),
        "image/png",
        "additional",
    )


def candidate(model_key: str, **overrides) -> CandidateRequest:
    fields = {
        "model_key": model_key,
        "prompt": PROMPT,
        "negative_prompt": "",
        "aspect_ratio": "9:16",
        "references": (),
        "seed": 1234,
    }
    return CandidateRequest(**(fields | overrides))
