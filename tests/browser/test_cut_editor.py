"""The cut editor in Chromium: prompt, generate, lightbox, representative, regenerate,
upload, delete, and credits."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from credits.services import balance_of
from keyframes.generation import start_generation
from keyframes.models import GenerationJob, Keyframe
from projects.models import Cut
from tests.factories import make_cut, make_project, make_user, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Screenshots of one element: the sticky navbar must not cover it.
SHOT_STYLE = ".navbar, .cut-column { position: static !important; }"


def settled(page):
    """htmx binds swapped-in content a moment after the swap; wait for it."""
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


def choose_count(page, count: str, cost: str):
    page.select_option("#id_count", count)
    expect(page.locator(".generate-button")).to_contain_text(cost)
    settled(page)


def shoot_polling(page, selector, path):
    """A polling fragment replaces itself every second and may do so mid-screenshot; a new
    element is there at once, so shoot again."""
    for attempt in range(3):
        try:
            page.locator(selector).screenshot(path=str(path), style=SHOT_STYLE)
            return
        except PlaywrightError:
            if attempt == 2:
                raise


def thumbnails(page):
    return page.locator("#canvas [data-lightbox-open]")


def test_a_creator_generates_and_picks_a_keyframe(signed_in_page, live_server, screenshots):
    user = make_user(credits=100)
    project = make_project(owner=user, title="Rainy cafe", default_model="local-draft")
    cut = make_cut(project=project)
    make_cut(project=project, script="She leaves.")
    page = signed_in_page(user)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + cut.get_absolute_url())

    # Write a script and let the prompt writer (offline here) turn it into a prompt.
    # The prompt is written from the saved script: let the autosave land first.
    with page.expect_response(lambda response: "/text/" in response.url):
        page.fill("#id_script", "Mina waits by the rain-streaked window of a small cafe at dusk.")
        page.locator("#id_script").blur()
    # Wait for the writer's answer: reloading while it is in flight would show the old cut.
    with page.expect_response(lambda response: "/prompt/write/" in response.url):
        page.get_by_role("button", name="Generate prompt").click()
    expect(page.get_by_role("button", name="Generate prompt")).to_be_enabled()
    if not page.input_value("#id_prompt"):
        # Sync tasks finish inside the request, so its response still shows the cut from
        # before; with a worker the editor polls. A reload shows the written prompt.
        page.reload()
    expect(page.locator("#id_prompt")).not_to_have_value("", timeout=20_000)
    prompt = page.input_value("#id_prompt")

    generate = page.locator(".generate-button")
    expect(generate).to_contain_text("4 × 0 = 0 credits")
    choose_count(page, "2", "2 × 0 = 0 credits")
    choose_count(page, "4", "4 × 0 = 0 credits")

    page.locator(".generate-button").click()
    expect(page.locator("#canvas .keyframe-set.newest [data-lightbox-open]")).to_have_count(4)
    expect(page.locator("#canvas")).not_to_have_attribute("hx-trigger", re.compile("every"))
    expect(page.locator(".generate-button")).to_contain_text("Regenerate")
    job = GenerationJob.objects.get(cut=cut)
    assert job.prompt == prompt.strip() and job.status == GenerationJob.Status.SUCCEEDED
    page.locator("#canvas").screenshot(
        path=str(screenshots / "canvas-first-set.png"), style=SHOT_STYLE
    )

    # Lightbox: open the first image, arrow through, zoom, select inside it.
    thumbnails(page).first.click()
    lightbox = page.locator("#lightbox")
    expect(lightbox).to_be_visible()
    position = lightbox.locator("[data-lightbox-position]")
    expect(position).to_have_text("1 / 4")
    page.keyboard.press("ArrowRight")
    expect(position).to_have_text("2 / 4")
    page.keyboard.press("ArrowRight")
    expect(position).to_have_text("3 / 4")
    page.keyboard.press("ArrowLeft")
    expect(position).to_have_text("2 / 4")
    lightbox.locator("[data-lightbox-next]").click()
    expect(position).to_have_text("3 / 4")
    lightbox.locator("[data-lightbox-prev]").click()
    expect(position).to_have_text("2 / 4")
    second = Keyframe.objects.get(job=job, slot=1)
    expect(lightbox.locator("[data-lightbox-image]")).to_have_attribute("src", second.image.url)
    expect(lightbox.locator("[data-lightbox-seed]")).to_have_text(str(second.seed))
    expect(lightbox.locator("[data-lightbox-model]")).to_have_text("Local draft (offline)")
    expect(lightbox.locator("[data-lightbox-prompt]")).to_contain_text(prompt.strip()[:40])
    page.screenshot(path=str(screenshots / "lightbox.png"))
    stage = lightbox.locator("[data-lightbox-stage]")
    stage.click()
    expect(lightbox.locator("[data-lightbox-image]")).to_have_attribute(
        "style", re.compile(r"scale\(2\)")
    )
    stage.click()
    expect(lightbox.locator("[data-lightbox-image]")).to_have_attribute(
        "style", re.compile(r"scale\(1\)")
    )

    lightbox.get_by_role("button", name="Select as representative").click()
    expect(lightbox.locator("[data-lightbox-chosen]")).to_be_visible()
    expect(page.locator("#canvas .slot.is-representative")).to_have_count(1)
    cut.refresh_from_db()
    assert cut.representative == second and cut.status == Cut.Status.KEYFRAME_GENERATED
    cut_thumb = page.locator(f"#cut-item-{cut.pk} .cut-thumb img")
    expect(cut_thumb).to_have_attribute("src", second.thumbnail.url)
    expect(page.locator("#cut-status")).to_have_text("Keyframe generated")
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()

    # Regenerate: a second set on top, the first kept below.
    page.locator(".generate-button").click()
    expect(thumbnails(page)).to_have_count(8)
    expect(page.locator("#canvas .keyframe-set.earlier [data-lightbox-open]")).to_have_count(4)
    expect(page.locator("#canvas .earlier .slot.is-representative")).to_have_count(1)

    # Upload the creator's own image: free, on top, selectable.
    image = {"name": "sketch.png", "mimeType": "image/png", "buffer": png_bytes((540, 960))}
    page.set_input_files("#id_keyframe_file", image)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(thumbnails(page)).to_have_count(9)
    expect(page.locator("#canvas .keyframe-set.newest .slot-uploaded")).to_have_count(1)
    page.locator("#canvas").screenshot(
        path=str(screenshots / "canvas-after-upload.png"), style=SHOT_STYLE
    )

    # Delete the representative (after confirming): the cut has none again.
    representative = page.locator("#canvas .slot.is-representative")
    representative.hover()
    representative.get_by_role("button", name=re.compile("Delete")).click()
    expect(thumbnails(page)).to_have_count(8)
    expect(page.locator("#canvas .slot.is-representative")).to_have_count(0)
    expect(page.locator(f"#cut-item-{cut.pk} .cut-thumb img")).to_have_count(0)
    cut.refresh_from_db()
    assert cut.representative is None and Keyframe.objects.filter(cut=cut).count() == 8
    assert balance_of(user=user) == 100
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.screenshot(path=str(screenshots / "cut-editor.png"), full_page=True, style=SHOT_STYLE)
    assert page.js_errors == []


def test_credits_follow_each_charge_refund_and_shortfall(
    signed_in_page, live_server, fake_provider, screenshots, monkeypatch
):
    from django_q.conf import Conf

    user = make_user(credits=35)
    project = make_project(owner=user, title="Paid draft")
    cut = make_cut(project=project, prompt="A neon street at night", model="flux-2-pro")
    with monkeypatch.context() as queued_only:
        queued_only.setattr(Conf, "SYNC", False)  # this job waits for a worker that never comes
        start_generation(
            cut=cut,
            user=user,
            prompt=cut.prompt,
            count=4,
            idempotency_key="waiting",
            model_key="flux-2-pro",
        )
    page = signed_in_page(user)
    page.goto(live_server.url + cut.get_absolute_url())
    badge = page.locator("#credit-badge")
    expect(badge.locator(".credit-balance")).to_have_text("15")
    expect(badge).to_have_class(re.compile("low"))
    expect(page.locator("#canvas .slot-pending")).to_have_count(4)
    expect(page.locator("#canvas")).to_have_attribute("hx-trigger", "every 1s")
    shoot_polling(page, "#canvas", screenshots / "canvas-waiting.png")

    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.locator("#canvas .slot-cancelled")).to_have_count(4)
    expect(badge.locator(".credit-balance")).to_have_text("35")
    expect(page.locator("#canvas")).not_to_have_attribute("hx-trigger", re.compile("every"))

    choose_count(page, "2", "2 × 5 = 10 credits")
    fake_provider.fail_next(1, "moderation")
    page.locator(".generate-button").click()
    newest = page.locator("#canvas .keyframe-set.newest")
    expect(newest.locator(".slot-failed")).to_have_count(1)
    expect(newest.locator(".slot-succeeded")).to_have_count(1)
    expect(newest.locator(".slot-failed")).to_contain_text("Credits refunded")
    expect(badge.locator(".credit-balance")).to_have_text("30")  # 35 - 10 + 5
    page.locator("#canvas").screenshot(
        path=str(screenshots / "canvas-failed-slot.png"), style=SHOT_STYLE
    )

    choose_count(page, "4", "4 × 5 = 20 credits")
    page.locator(".generate-button").click()
    expect(newest.locator(".slot-succeeded")).to_have_count(4)
    expect(badge.locator(".credit-balance")).to_have_text("10")

    page.locator(".generate-button").click()
    expect(page.locator("#purchase-dialog")).to_be_visible()
    expect(page.locator(".credits-error")).to_contain_text("This needs 20 credits and you have 10.")
    # The dialog says the balance the badge says, not the one the page was loaded with.
    expect(page.locator("#purchase-dialog-balance")).to_have_text("10")
    page.screenshot(path=str(screenshots / "purchase-dialog.png"))
    assert GenerationJob.objects.filter(cut=cut).count() == 3
    assert balance_of(user=user) == 10
    assert page.js_errors == []


def test_moving_cuts_with_the_list_arrows(signed_in_page, live_server):
    user = make_user(credits=10)
    project = make_project(owner=user, title="Order")
    first, second, third = (make_cut(project=project, script=f"Scene {n}.") for n in "ABC")
    page = signed_in_page(user)
    page.goto(live_server.url + first.get_absolute_url())

    # The arrows of every entry submit the list's one form, through htmx.
    page.get_by_role("button", name="Move cut 3 up").click()
    expect(page.locator(".cut-item .script-preview")).to_have_text(
        ["Scene A.", "Scene C.", "Scene B."]
    )
    settled(page)
    page.get_by_role("button", name="Move cut 1 down").click()
    expect(page.locator(".cut-item .script-preview")).to_have_text(
        ["Scene C.", "Scene A.", "Scene B."]
    )
    # The open cut stays highlighted wherever it went, and the first entry cannot go up.
    expect(page.locator(".cut-item.selected .script-preview")).to_have_text("Scene A.")
    expect(page.get_by_role("button", name="Move cut 1 up")).to_be_disabled()
    assert list(project.cuts.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]


def test_a_creator_sets_a_cut_duration_on_the_shot_card(signed_in_page, live_server):
    user = make_user()
    cut = make_cut(project=make_project(owner=user), shot_size="wide")
    page = signed_in_page(user)
    page.goto(live_server.url + cut.get_absolute_url())
    expect(page.locator("#cut-duration-help")).to_contain_text("3.5 s from the shot size")

    duration = page.locator("#cut-duration")
    with page.expect_response(lambda response: "/shot/" in response.url):
        duration.fill("45")
        duration.press("Tab")
    settled(page)
    expect(page.locator("#cut-shot .error")).to_have_text("A cut lasts at most 30 seconds.")
    expect(duration).to_have_value("45")  # kept to correct, not replaced by the saved value

    with page.expect_response(lambda response: "/shot/" in response.url):
        duration.fill("4.5")
        duration.press("Tab")
    settled(page)
    expect(page.locator("#cut-shot .save-state")).to_have_text("Saved")
    expect(page.locator("#cut-shot .error")).to_have_count(0)
    cut.refresh_from_db()
    assert str(cut.duration_seconds) == "4.5"
