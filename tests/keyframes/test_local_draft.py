import io

import pytest
from PIL import Image, ImageChops

from keyframes.providers.local_draft import DraftReference, render_draft

RED = (255, 0, 0)
GREEN = (0, 255, 0)
MAGENTA = (255, 0, 255)
GREY = (128, 128, 128)


def encode(image, image_format="PNG", **options):
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def solid(colour, size=(800, 600), image_format="JPEG"):
    return encode(
        Image.new("RGB", size, colour),
        image_format,
        **({"quality": 95} if image_format == "JPEG" else {}),
    )


def opened(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def draft(
    references=(), prompt="@Seohee waits in the rain", aspect_ratio="16:9", seed=1, **options
):
    return render_draft(
        prompt=prompt, aspect_ratio=aspect_ratio, references=list(references), seed=seed, **options
    )


def area_like(image, colour, tolerance=60):
    """Bounding box (left, top, right, bottom) of the pixels near ``colour``, or None."""
    bands = [
        band.point(lambda value, target=target: 255 if abs(value - target) <= tolerance else 0)
        for band, target in zip(image.convert("RGB").split(), colour, strict=True)
    ]
    return ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2]).getbbox()


CAST = [
    DraftReference(role="location", label="Cafe", data=solid(GREY)),
    DraftReference(role="character", label="Seohee", data=solid(RED, (600, 900))),
    DraftReference(role="character", label="Jake", data=solid(GREEN, (900, 600), "PNG")),
    DraftReference(role="additional", label="ref 1", data=solid(MAGENTA, (400, 400))),
]


@pytest.mark.parametrize(
    ("aspect_ratio", "size"),
    [("9:16", (576, 1024)), ("16:9", (1024, 576)), ("1:1", (1024, 1024)), ("4:5", (819, 1024))],
    ids=["portrait", "landscape", "square", "four-by-five"],
)
def test_draft_is_a_png_at_the_aspect_ratio(aspect_ratio, size):
    image = opened(draft(CAST, aspect_ratio=aspect_ratio))
    assert image.format == "PNG"
    assert image.size == size


def test_long_side_sets_the_resolution():
    assert opened(draft(CAST, aspect_ratio="9:16", long_side=512)).size == (288, 512)


def test_same_inputs_give_identical_bytes():
    first = draft(CAST, seed=7)
    again = draft([DraftReference(ref.role, ref.label, bytes(ref.data)) for ref in CAST], seed=7)
    assert first == again


@pytest.mark.parametrize("references", [CAST, []], ids=["with-references", "without-references"])
def test_different_seeds_give_different_frames(references):
    frames = {opened(draft(references, seed=seed)).tobytes() for seed in range(4)}
    assert len(frames) == 4


def test_location_fills_the_background():
    location = DraftReference(role="location", label="Studio", data=solid(RED, (1600, 900)))
    image = opened(draft([location], aspect_ratio="9:16"))
    red, green, blue = image.getpixel((image.width // 2, image.height * 35 // 100))
    assert red > 170 and green < 80 and blue < 80


def test_location_is_cropped_to_cover_a_frame_of_another_shape():
    location = DraftReference(role="location", label="Street", data=solid(RED, (1600, 400)))
    image = opened(draft([location], aspect_ratio="9:16", prompt=""))
    for point in [
        (20, image.height // 2),
        (image.width - 20, image.height // 2),
        (image.width // 2, 120),
    ]:
        red, green, _ = image.getpixel(point)
        assert red > 120 and green < 80, point


def test_without_a_location_the_background_is_a_generated_gradient():
    image = opened(draft([], prompt=""))
    assert area_like(image, RED, tolerance=40) is None
    assert image.getpixel((40, image.height // 2)) != image.getpixel(
        (image.width - 40, image.height // 2)
    )


def test_characters_stand_left_to_right_in_their_order():
    image = opened(draft(CAST))
    red, green = area_like(image, RED), area_like(image, GREEN)
    assert red[2] < green[0]

    swapped = opened(draft([CAST[0], CAST[2], CAST[1], CAST[3]]))
    assert area_like(swapped, GREEN)[2] < area_like(swapped, RED)[0]


def test_character_cut_out_with_transparency_shows_on_its_mount():
    sheet = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    sheet.paste(RED + (255,), (200, 100, 400, 500))
    character = DraftReference(role="character", label="Mina", data=encode(sheet))
    image = opened(draft([CAST[0], character]))
    left, top, right, bottom = area_like(image, RED)
    assert (
        area_like(image.crop((left - 40, top, right + 40, bottom)), (0, 0, 0), tolerance=10) is None
    )
    mount = image.getpixel((left - 20, (top + bottom) // 2))
    assert all(
        abs(channel - paper) <= 12 for channel, paper in zip(mount, (246, 243, 236), strict=True)
    )


def test_additional_references_are_small_insets_in_the_top_right_corner():
    image = opened(draft(CAST, aspect_ratio="1:1"))
    left, _, _, bottom = area_like(image, MAGENTA, tolerance=40)
    assert left > image.width // 2
    assert bottom < image.height // 4


def test_a_style_reference_is_shown_as_an_inset_too():
    style = DraftReference(role="style", label="", data=solid(MAGENTA, (300, 500)))
    image = opened(draft([style], aspect_ratio="16:9"))
    left, _, _, _ = area_like(image, MAGENTA, tolerance=40)
    assert left > image.width // 2


def test_prompt_is_written_in_a_dark_band_at_the_bottom():
    location = DraftReference(role="location", label="Snow", data=solid((250, 250, 250)))
    with_caption = opened(draft([location], prompt="@Seohee waits"))
    without_caption = opened(draft([location], prompt="   "))
    bottom_left = (with_caption.width // 2, with_caption.height - 12)
    assert max(with_caption.getpixel(bottom_left)) < 80
    assert min(without_caption.getpixel(bottom_left)) > 150


@pytest.mark.parametrize(
    "prompt",
    [
        "A long walk through the night market, " * 200,
        "https://example.com/" + "x" * 600,
        "비가 내리는 밤 카페 창가에 앉은 @서희는 따뜻한 차를 두 손으로 감싸 쥐고 " * 20,
        "line one\nline two\n\n\tline three",
        "",
    ],
    ids=[
        "thousands-of-words",
        "one-word-wider-than-the-frame",
        "korean",
        "newlines-and-tabs",
        "empty",
    ],
)
def test_any_prompt_fits_the_caption(prompt):
    image = opened(draft(CAST, prompt=prompt, aspect_ratio="9:16"))
    assert image.size == (576, 1024)


def test_many_characters_share_the_width():
    characters = [
        DraftReference(role="character", label=f"Character_{index}", data=solid(RED, (500, 800)))
        for index in range(10)
    ]
    image = opened(draft([CAST[0], *characters], aspect_ratio="9:16"))
    assert area_like(image, RED) is not None


def test_a_handle_label_already_starting_with_an_at_sign_is_accepted():
    labelled = DraftReference(role="character", label="@Seohee", data=CAST[1].data)
    assert opened(draft([labelled])).size == (1024, 576)


def test_unknown_aspect_ratio_is_refused():
    with pytest.raises(ValueError, match="3:2"):
        draft(CAST, aspect_ratio="3:2")
