"""Import script on the web: paste or upload, review the proposal, confirm once."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from characters.models import Asset
from keyframes.models import ScriptImport
from tests.factories import make_asset, make_cut, png_bytes

RAIN = (Path(__file__).parent / "scripts" / "rain.fountain").read_text()

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """The values a browser would submit from the page's review form."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.fields[name] = attrs.get("value") or "on"
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select":
            self._select = name
            self.fields[name] = ""
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data.removeprefix("\n")


def review_fields(response) -> dict[str, str]:
    parser = FormFields()
    parser.feed(response.content.decode())
    return parser.fields


@pytest.fixture
def storyboard(project):
    make_asset(project=project, handle="Seohee")
    make_asset(project=project, handle="Cafe", name="Corner cafe", kind="location")
    make_cut(project=project)  # the blank first cut of a new project
    return project


def import_url(project):
    return reverse("keyframes:script_import", args=[project.pk])


def confirm_url(project):
    return reverse("keyframes:script_confirm", args=[project.pk])


def test_the_storyboard_links_to_import_script(storyboard, owner_client):
    page = owner_client.get(storyboard.get_absolute_url(), follow=True).content.decode()

    assert f'href="{import_url(storyboard)}">Import script</a>' in page


def test_pasting_a_script_shows_the_review_and_writes_nothing(storyboard, owner_client):
    response = owner_client.post(import_url(storyboard), {"script": RAIN, "mode": "append"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "6 proposed cuts" in page
    assert "@Jake (looking up): “You made it.” At @Cafe." in page
    assert 'value="MarketStreet"' in page and 'value="Market Street"' in page
    assert storyboard.cuts.count() == 1 and storyboard.assets.count() == 2
    assert not ScriptImport.objects.exists()


def test_confirming_the_review_creates_cuts_and_assets_once(storyboard, owner_client):
    fields = review_fields(
        owner_client.post(import_url(storyboard), {"script": RAIN, "mode": "append"})
    )
    fields["mode"] = "append"

    response = owner_client.post(confirm_url(storyboard), fields, follow=True)

    assert response.redirect_chain[0][0] == storyboard.get_absolute_url()
    assert "Imported 6 cuts and 3 new characters or locations." in response.content.decode()
    scripts = list(storyboard.cuts.values_list("script", flat=True))
    assert scripts[1] == "@Jake (looking up): “You made it.” At @Cafe."
    assert storyboard.assets.count() == 5

    again = owner_client.post(confirm_url(storyboard), fields, follow=True)

    assert "already imported; nothing new was added" in again.content.decode()
    assert storyboard.cuts.count() == 6 and storyboard.assets.count() == 5


def test_edits_drops_merges_and_left_out_assets_are_what_gets_created(storyboard, owner_client):
    fields = review_fields(
        owner_client.post(import_url(storyboard), {"script": RAIN, "mode": "append"})
    )
    fields["cuts-0-script"] = "Rain hammers the windows of @Cafe."
    fields["cuts-2-merge"] = "on"  # Seohee's answer joins Jake's line
    del fields["cuts-3-keep"]  # drop the close-up
    fields["cuts-4-shot_size"] = "wide"
    jake = next(key for key, value in fields.items() if value == "Jake" and key.endswith("-handle"))
    del fields[jake.replace("handle", "create")]  # untick "Create"

    owner_client.post(confirm_url(storyboard), fields)

    assert list(storyboard.cuts.values_list("script", "shot_size")) == [
        ("Rain hammers the windows of @Cafe.", ""),
        (
            "Jake (looking up): “You made it.” At @Cafe.\n"
            "@Seohee: “Barely. Is the window seat free?” At @Cafe.",
            "",
        ),
        (
            "@Mina, a courier in a yellow raincoat, waits under an awning with a parcel. "
            "At @MarketStreet.",
            "wide",
        ),
        ("@Mina: “Third delivery tonight.” At @MarketStreet.", ""),
    ]
    assert not Asset.objects.filter(handle="Jake").exists()


def test_a_taken_handle_in_the_review_is_shown_and_nothing_is_written(storyboard, owner_client):
    fields = review_fields(
        owner_client.post(import_url(storyboard), {"script": RAIN, "mode": "append"})
    )
    mina = next(key for key, value in fields.items() if value == "Mina" and key.endswith("-handle"))
    fields[mina] = "seohee"

    response = owner_client.post(confirm_url(storyboard), fields)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported." in page and "@seohee is already used" in page
    assert storyboard.cuts.count() == 1 and storyboard.assets.count() == 2


def test_an_uploaded_fountain_file_is_broken_down(storyboard, owner_client):
    upload = SimpleUploadedFile("rain.fountain", RAIN.encode(), content_type="text/plain")

    response = owner_client.post(import_url(storyboard), {"file": upload, "mode": "replace"})

    assert "6 proposed cuts" in response.content.decode()
    assert review_fields(response)["mode"] == "replace"


def test_a_file_that_is_not_text_is_refused_beside_the_file_field(storyboard, owner_client):
    upload = SimpleUploadedFile("script.txt", png_bytes(), content_type="text/plain")

    response = owner_client.post(import_url(storyboard), {"file": upload, "mode": "append"})

    assert response.status_code == 200
    assert "That file is not a text script." in response.content.decode()
    assert storyboard.cuts.count() == 1


def test_an_empty_paste_is_refused_with_a_message(storyboard, owner_client):
    response = owner_client.post(import_url(storyboard), {"script": "  ", "mode": "append"})

    assert response.status_code == 200
    assert "Paste a script or choose a file to import." in response.content.decode()


def test_a_stranger_gets_404_and_nothing_is_written(storyboard, stranger_client):
    assert stranger_client.get(import_url(storyboard)).status_code == 404
    assert stranger_client.post(import_url(storyboard), {"script": RAIN}).status_code == 404
    fields = {
        "import_key": "x",
        "mode": "append",
        "cuts-TOTAL_FORMS": "1",
        "cuts-INITIAL_FORMS": "1",
        "cuts-0-script": "Stranger's cut.",
        "cuts-0-keep": "on",
        "assets-TOTAL_FORMS": "0",
        "assets-INITIAL_FORMS": "0",
    }
    assert stranger_client.post(confirm_url(storyboard), fields).status_code == 404
    assert storyboard.cuts.count() == 1 and not ScriptImport.objects.exists()


def test_importing_too_often_is_refused_with_a_message(storyboard, owner_client, settings):
    settings.BREAKDOWN_RATE_LIMIT = "1/m"
    owner_client.post(import_url(storyboard), {"script": RAIN, "mode": "append"})

    response = owner_client.post(import_url(storyboard), {"script": RAIN, "mode": "append"})

    assert "You are importing scripts very quickly; try again in a minute." in (
        response.content.decode()
    )
    assert "proposed cuts" not in response.content.decode()
