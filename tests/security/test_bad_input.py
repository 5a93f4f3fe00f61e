"""Hostile and broken input through the real views. Each refused input gets a clear message
and changes nothing: no rows, no files in MEDIA_ROOT, no credits spent. The few inputs that
are legitimate (a CMYK JPEG, an EXIF-rotated photo, HTML typed into a script) are accepted
and stored safely: converted, upright, escaped on every page."""

import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils.datastructures import MultiValueDict
from django_htmx.middleware import HtmxDetails
from PIL import Image

from characters.models import CutVariationOverride, VariationImage
from credits.services import balance_of
from keyframes.models import AdditionalReference, GenerationJob, Keyframe
from projects.models import Cut, PromptRevision
from tests.cutflow.test_image_intake import (
    SVG_WITH_SCRIPT,
    animated_gif,
    animated_webp,
    cmyk_jpeg,
    png_header_only,
    rotated_jpeg,
    truncated_png,
)
from tests.factories import make_asset, make_cut, make_project, make_user, png_bytes
from tests.security.conftest import htmx

pytestmark = pytest.mark.django_db

NOT_AN_IMAGE = "This file is not a PNG, JPEG or WebP image."
DAMAGED = "The image file is damaged or incomplete; export it again and upload the new file."
ANIMATED = "Animated images are not accepted; upload a single still frame."
HUNDRED_MB = 100 * 1024 * 1024


@pytest.fixture
def world(fake_provider):
    owner = make_user(email="owner@example.com", credits=100)
    project = make_project(owner=owner, aspect_ratio="16:9")
    seohee = make_asset(project=project, handle="Seohee")
    cut = make_cut(project=project, script="@Seohee waits.", prompt="@Seohee waits by the window")
    return {"owner": owner, "project": project, "asset": seohee, "cut": cut}


@pytest.fixture
def client_of(client, world):
    client.force_login(world["owner"])
    return client


def stored_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def state(world, settings) -> dict:
    """Everything a request could change, to compare before and after."""
    cut = Cut.objects.get(pk=world["cut"].pk)
    return {
        "files": stored_files(settings),
        "variation_images": VariationImage.objects.count(),
        "keyframes": Keyframe.objects.count(),
        "references": AdditionalReference.objects.count(),
        "jobs": GenerationJob.objects.count(),
        "balance": balance_of(user=world["owner"]),
        "overrides": CutVariationOverride.objects.count(),
        "revisions": PromptRevision.objects.count(),
        "cut": (cut.script, cut.prompt, cut.negative_prompt, cut.prompt_task, cut.status),
    }


def page_text(response) -> str:
    return html.unescape(response.content.decode())


# --- Uploads ----------------------------------------------------------------------------------


class DeclaredHugeUpload(UploadedFile):
    """A 100 MB upload as the view sees it, without 100 MB in memory: only its size is known,
    and reading it fails the test (the declared size alone must refuse it)."""

    def __init__(self):
        super().__init__(io.BytesIO(), "huge.png", "image/png", HUNDRED_MB)

    def read(self, *args):
        raise AssertionError("a 100 MB upload was read instead of refused by its size")

    def chunks(self, chunk_size=None):
        raise AssertionError("a 100 MB upload was read instead of refused by its size")


HTML_AS_PNG = b"<!doctype html><html><body><script>alert(1)</script></body></html>"

# id, file name, bytes (None: the 100 MB upload), content type, message (None: accepted)
UPLOADS = [
    ("svg-with-script", "face.svg", SVG_WITH_SCRIPT, "image/svg+xml", NOT_AN_IMAGE),
    ("html-renamed-png", "face.png", HTML_AS_PNG, "image/png", NOT_AN_IMAGE),
    ("truncated-png", "face.png", truncated_png(), "image/png", DAMAGED),
    (
        "bomb-50000x50000",
        "bomb.png",
        png_header_only(50_000, 50_000),
        "image/png",
        "The image is 50000 × 50000 pixels; the limit is 40 megapixels.",
    ),
    ("zero-bytes", "empty.png", b"", "image/png", "The submitted file is empty."),
    ("100-mb", "huge.png", None, "image/png", "The file is larger than 20 MB, the limit."),
    ("animated-gif", "loop.gif", animated_gif(), "image/gif", NOT_AN_IMAGE),
    ("animated-webp", "loop.webp", animated_webp(), "image/webp", ANIMATED),
    ("cmyk-jpeg", "print.jpg", cmyk_jpeg(), "image/jpeg", None),
    ("exif-rotated", "phone.jpg", rotated_jpeg(), "image/jpeg", None),
]


def upload_target(name: str, world) -> tuple[str, str, type]:
    """The URL of an upload view, and the model a stored upload becomes."""
    project, cut = world["project"], world["cut"]
    if name == "asset image":
        variation = world["asset"].variations.get()
        url = reverse("characters:image_upload", args=[project.pk, variation.pk])
        return url, VariationImage
    if name == "additional reference":
        return reverse("keyframes:additional_add", args=[cut.pk]), AdditionalReference
    return reverse("keyframes:upload_keyframe", args=[cut.pk]), Keyframe


def post_declared_huge_file(url: str, user):
    """The view itself, called with a file whose declared size is 100 MB (the test client
    would have to build the whole body in memory)."""
    request = RequestFactory().post(url, **htmx())
    request.user = user
    request.htmx = HtmxDetails(request)
    request._post = QueryDict()
    request._files = MultiValueDict({"file": [DeclaredHugeUpload()]})
    match = resolve(url)
    return match.func(request, *match.args, **match.kwargs)


UPLOAD_VIEWS = ["asset image", "additional reference", "keyframe"]


@pytest.mark.parametrize("view", UPLOAD_VIEWS)
@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [case[1:] for case in UPLOADS],
    ids=[case[0] for case in UPLOADS],
)
def test_upload(client_of, world, settings, view, name, data, content_type, message):
    url, model = upload_target(view, world)
    before = state(world, settings)
    if data is None:
        response = post_declared_huge_file(url, world["owner"])
    else:
        file = SimpleUploadedFile(name, data, content_type)
        response = client_of.post(url, {"file": file}, **htmx())
    assert response.status_code == 200
    if message is not None:
        assert message in page_text(response)
        assert state(world, settings) == before
        return
    after = state(world, settings)
    stored = model.objects.latest("pk")
    assert after["files"] - before["files"] == {stored.image.name, stored.thumbnail.name}
    with stored.image.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    assert image.mode == "RGB" and not image.getexif()
    if name == "phone.jpg":
        # Stored landscape with orientation 6: upright it is portrait, the red half on top.
        assert image.size == (400, 600)
        red, green, _ = image.getpixel((200, 20))
        assert red > 200 and green < 60
    else:
        assert image.size == (400, 300)
        red, green, blue = image.getpixel((200, 150))
        assert red > 200 and green < 60 and blue < 60


# --- Scripts and prompts ----------------------------------------------------------------------

HUNDRED_KB = "A long scene. " * (100 * 1024 // 14)
CONTROL = "@Seohee waits\x1b[31m by the\x07 window\x08"
NUL = "@Seohee waits\x00 by the window"
UNKNOWN = "@Nobody waits by the window"
TEN_THOUSAND_MENTIONS = " ".join(["@Seohee"] * 10_000)
SCRIPT_TAG = "<script>alert(1)</script> @Seohee waits <img src=x onerror=alert(2)>"
ESCAPED_SCRIPT_TAG = "&lt;script&gt;alert(1)&lt;/script&gt;"

TOO_LONG_SCRIPT = "Ensure this value has at most 4000 characters"
CONTROL_MESSAGE = "invisible control characters"
NUL_MESSAGE = "Null characters are not allowed."
UNKNOWN_MENTION = "Unknown mention: @Nobody. Add it as a character or location"
EMPTY_PROMPT = "Write a prompt (or generate one from the script) first."

FORM_ERRORS = {TOO_LONG_SCRIPT, CONTROL_MESSAGE, NUL_MESSAGE}
STORED = "stored"  # legitimate text: saved as typed, shown escaped

# id, endpoint, the field sent, its value, message (STORED: accepted)
TEXT_INPUTS = [
    ("cut_text-100kb-script", "cut_text", "script", HUNDRED_KB, TOO_LONG_SCRIPT),
    ("cut_text-100kb-prompt", "cut_text", "prompt", HUNDRED_KB, TOO_LONG_SCRIPT),
    ("cut_text-control-chars", "cut_text", "script", CONTROL, CONTROL_MESSAGE),
    ("cut_text-nul", "cut_text", "prompt", NUL, NUL_MESSAGE),
    ("cut_text-10000-mentions", "cut_text", "prompt", TEN_THOUSAND_MENTIONS, TOO_LONG_SCRIPT),
    ("cut_text-unknown-mention", "cut_text", "script", UNKNOWN, STORED),
    ("cut_text-html-js", "cut_text", "script", SCRIPT_TAG, STORED),
    ("generate-empty-prompt", "generate", "prompt", "   ", EMPTY_PROMPT),
    ("generate-100kb-prompt", "generate", "prompt", HUNDRED_KB, TOO_LONG_SCRIPT),
    ("generate-control-chars", "generate", "prompt", CONTROL, CONTROL_MESSAGE),
    ("generate-nul", "generate", "prompt", NUL, NUL_MESSAGE),
    ("generate-unknown-mention", "generate", "prompt", UNKNOWN, UNKNOWN_MENTION),
    ("generate-10000-mentions", "generate", "prompt", TEN_THOUSAND_MENTIONS, TOO_LONG_SCRIPT),
    ("generate-html-js", "generate", "prompt", SCRIPT_TAG, STORED),
    (
        "prompt_write-empty-script",
        "prompt_write",
        "script",
        "  ",
        "Write a script before asking for a prompt.",
    ),
    ("prompt_write-100kb-script", "prompt_write", "script", HUNDRED_KB, TOO_LONG_SCRIPT),
    ("prompt_write-control-chars", "prompt_write", "script", CONTROL, CONTROL_MESSAGE),
    ("prompt_write-nul", "prompt_write", "script", NUL, NUL_MESSAGE),
    (
        "prompt_write-10000-mentions",
        "prompt_write",
        "script",
        TEN_THOUSAND_MENTIONS,
        TOO_LONG_SCRIPT,
    ),
    ("prompt_write-unknown-mention", "prompt_write", "script", UNKNOWN, STORED),
    ("prompt_write-html-js", "prompt_write", "script", SCRIPT_TAG, STORED),
]


def text_post(endpoint: str, world, field: str, value: str, key: str):
    cut = world["cut"]
    data = {"script": cut.script, "prompt": cut.prompt, "negative_prompt": ""}
    data[field] = value
    if endpoint == "cut_text":
        return reverse("projects:cut_text", args=[cut.project_id, cut.pk]), data
    if endpoint == "generate":
        data |= {"model": "flux-2-pro", "count": "2", "idempotency_key": key}
        return reverse("keyframes:generate", args=[cut.pk]), data
    return reverse("keyframes:prompt_write", args=[cut.pk]), data


@pytest.mark.parametrize(
    ("endpoint", "field", "value", "message"),
    [case[1:] for case in TEXT_INPUTS],
    ids=[case[0] for case in TEXT_INPUTS],
)
def test_text(client_of, world, settings, endpoint, field, value, message):
    url, data = text_post(endpoint, world, field, value, key=f"bad-{endpoint}-{field}")
    before = state(world, settings)
    response = client_of.post(url, data, **htmx())
    assert response.status_code == 200
    if message is not STORED:
        assert message in page_text(response)
        after = state(world, settings)
        if endpoint != "cut_text" and message not in FORM_ERRORS:
            # Generate and Write save the text on screen first, as autosave would; nothing
            # else happens: no job, no charge, no writer queued.
            for changed in ("cut", "revisions"):
                before.pop(changed), after.pop(changed)
            assert Cut.objects.get(pk=world["cut"].pk).prompt_task == Cut.PromptTask.IDLE
        assert after == before
        return
    cut = Cut.objects.get(pk=world["cut"].pk)
    assert getattr(cut, field) == value
    page = client_of.get(cut.get_absolute_url()).content.decode()
    for content in (response.content.decode(), page):
        assert "<script>alert(1)" not in content
        assert "<img src=x" not in content
    if value == SCRIPT_TAG:
        assert ESCAPED_SCRIPT_TAG in page


def test_a_generated_job_with_html_in_its_prompt_is_shown_escaped(client_of, world):
    cut = world["cut"]
    data = {"script": "", "prompt": SCRIPT_TAG, "negative_prompt": "", "model": "flux-2-pro"}
    data |= {"count": "1", "idempotency_key": "html-job"}
    client_of.post(reverse("keyframes:generate", args=[cut.pk]), data, **htmx())
    job = GenerationJob.objects.get()
    assert job.prompt == SCRIPT_TAG.strip()
    for url in (reverse("keyframes:canvas", args=[cut.pk]), reverse("credits:history")):
        content = client_of.get(url, **htmx()).content.decode()
        assert "<script>alert(1)" not in content


# --- Form values ------------------------------------------------------------------------------

# id, the generate form fields changed, message
GENERATE_VALUES = [
    ("count-0", {"count": "0"}, "Select a valid choice. 0 is not one of the available choices."),
    ("count-5", {"count": "5"}, "Select a valid choice. 5 is not one of the available choices."),
    ("count-x", {"count": "x"}, "Select a valid choice. x is not one of the available choices."),
    (
        "unknown-model",
        {"model": "dall-e-9"},
        "Select a valid choice. dall-e-9 is not one of the available choices.",
    ),
    ("no-idempotency-key", {"idempotency_key": ""}, "This field is required."),
]


@pytest.mark.parametrize(
    ("changes", "message"),
    [case[1:] for case in GENERATE_VALUES],
    ids=[case[0] for case in GENERATE_VALUES],
)
def test_generate_form_value(client_of, world, settings, changes, message):
    cut = world["cut"]
    data = {"model": "flux-2-pro", "count": "2", "idempotency_key": "form-values"} | changes
    before = state(world, settings)
    response = client_of.post(reverse("keyframes:generate", args=[cut.pk]), data, **htmx())
    assert response.status_code == 200
    assert message in page_text(response)
    assert state(world, settings) == before


def test_another_users_variation_cannot_be_chosen_for_a_cut(client_of, world, settings):
    stranger_project = make_project(owner=make_user(email="neighbour@example.com"))
    theirs = make_asset(project=stranger_project, handle="Seohee").variations.get()
    url = reverse("keyframes:reference_variation", args=[world["cut"].pk])
    before = state(world, settings)
    response = client_of.post(url, {"asset": world["asset"].pk, "variation": theirs.pk}, **htmx())
    assert response.status_code == 404
    response = client_of.post(url, {"asset": theirs.asset_id, "variation": theirs.pk}, **htmx())
    assert response.status_code == 404
    assert state(world, settings) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"asset": "x"}, "Choose a variation from the list."), ({}, "Choose a variation from")],
    ids=["asset-not-a-number", "nothing-chosen"],
)
def test_malformed_variation_choice(client_of, world, settings, fields, message):
    url = reverse("keyframes:reference_variation", args=[world["cut"].pk])
    before = state(world, settings)
    response = client_of.post(url, fields, **htmx())
    assert message in page_text(response)
    assert state(world, settings) == before


def test_one_reference_over_the_limit_is_refused(client_of, world, settings):
    url = reverse("keyframes:additional_add", args=[world["cut"].pk])
    limit = AdditionalReference.MAX_PER_CUT
    for number in range(limit):
        file = SimpleUploadedFile(f"ref{number}.png", png_bytes(label=str(number)), "image/png")
        client_of.post(url, {"file": file}, **htmx())
    assert AdditionalReference.objects.filter(cut=world["cut"]).count() == limit
    before = state(world, settings)
    file = SimpleUploadedFile("one-more.png", png_bytes(label="more"), "image/png")
    response = client_of.post(url, {"file": file}, **htmx())
    assert f"A cut can have at most {limit} additional references." in page_text(response)
    assert state(world, settings) == before


def test_a_keyframe_of_another_project_cannot_be_added_as_a_reference(client_of, world, settings):
    other_cut = make_cut(project=make_project(owner=make_user(email="n@example.com")))
    keyframe = Keyframe.objects.create(cut=other_cut, source="uploaded")
    url = reverse("keyframes:additional_add", args=[world["cut"].pk])
    before = state(world, settings)
    response = client_of.post(url, {"keyframe": keyframe.pk}, **htmx())
    assert response.status_code == 404
    assert state(world, settings) == before


def test_count_of_bad_inputs_tried():
    uploads = len(UPLOADS) * len(UPLOAD_VIEWS)
    total = uploads + len(TEXT_INPUTS) + len(GENERATE_VALUES) + 2 + 2 + 1 + 1
    print(f"\nbad inputs tried: {total} ({uploads} uploads, {len(TEXT_INPUTS)} texts)")
    assert total >= 60
