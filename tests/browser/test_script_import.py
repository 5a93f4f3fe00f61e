"""Import script in Chromium: paste a Fountain script, review with the keyboard, confirm."""

import pytest
from playwright.sync_api import expect

from characters.models import Asset
from projects.models import Cut
from tests.factories import make_asset, make_cut, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = """INT. CORNER CAFE - NIGHT

Rain streaks the windows. SEOHEE hurries in.

JAKE
(looking up)
You made it.

SEOHEE
Barely.

CLOSE ON Seohee's hands around a coffee cup.
"""


def test_a_creator_imports_a_script_through_the_review(signed_in_page, live_server, screenshots):
    user = make_user()
    project = make_project(owner=user, title="Rainy cafe")
    make_cut(project=project)
    make_asset(project=project, handle="Seohee")
    page = signed_in_page(user)
    page.goto(live_server.url + project.get_absolute_url())

    page.get_by_role("link", name="Import script").click()
    page.get_by_label("Paste the script").fill(SCRIPT)
    page.get_by_role("button", name="Break it down").click()

    expect(page.get_by_role("heading", name="Review the breakdown")).to_be_visible()
    expect(page.get_by_role("heading", name="4 proposed cuts")).to_be_visible()
    expect(page.locator("#id_cuts-1-script")).to_have_value(
        "@Jake (looking up): “You made it.” At @CornerCafe."
    )
    expect(page.locator("#id_assets-0-handle")).to_have_value("CornerCafe")
    page.screenshot(path=str(screenshots / "script-review.png"), full_page=True)

    # Keyboard only: rename the location, merge cut 3 into cut 2, drop cut 4, confirm.
    page.locator("#id_assets-0-handle").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("Cafe")
    page.get_by_label("Merge cut 3 into the cut above").focus()
    page.keyboard.press("Space")
    page.get_by_label("Keep cut 4").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Confirm and add to the storyboard").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").filter(has_text="Imported 2 cuts")).to_be_visible()
    assert list(Cut.objects.filter(project=project).values_list("script", flat=True)) == [
        "Rain streaks the windows. @Seohee hurries in. At @Cafe.",
        "@Jake (looking up): “You made it.” At @Cafe.\n@Seohee: “Barely.” At @Cafe.",
    ]
    assert set(Asset.objects.filter(project=project).values_list("handle", flat=True)) == {
        "Seohee",
        "Jake",
        "Cafe",
    }

    assert page.js_errors == []
