"""The cut editor in Chromium, typed into key by key: autosave never loses a keystroke, an
edit followed at once by a click elsewhere is saved, two tabs never silently overwrite each
other, and the chosen model survives a refused Generate and a reload."""

import pytest
from playwright.sync_api import expect

from keyframes.models import GenerationJob
from projects.models import Cut
from tests.factories import make_cut, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCRIPT = "Nova coils rope on the pier."
PROMPT = "Nova coils a rope; dawn light."


def saves_of(page) -> list:
    """The autosave requests the page sends, as they go."""
    sent = []
    page.on("request", lambda request: "/text/" in request.url and sent.append(request))
    return sent


def type_unevenly(page, selector: str, text: str):
    """Types as a person does: 50 to 200 ms per key, changing pace every few words."""
    field = page.locator(selector)
    field.click()
    delays = [50, 120, 200, 80, 160]
    words = text.split(" ")
    for index in range(0, len(words), 3):
        chunk = " ".join(words[index : index + 3])
        if index + 3 < len(words):
            chunk += " "
        field.press_sequentially(chunk, delay=delays[(index // 3) % len(delays)])


def saved(page):
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    expect(page.locator("[data-save-message]")).to_have_text("Saved")


def test_text_typed_while_autosave_runs_arrives_whole(signed_in_page, live_server, settings):
    # A save every second of the burst: as many saves race the keys as 2.5 s gave twice the text.
    settings.AUTOSAVE_MAX_WAIT_MS = 1000
    user = make_user()
    cut = make_cut(project=make_project(owner=user, default_model="local-draft"))
    page = signed_in_page(user)
    page.goto(live_server.url + cut.get_absolute_url())
    sent = saves_of(page)

    type_unevenly(page, "#id_script", SCRIPT)
    type_unevenly(page, "#id_prompt", PROMPT)  # straight after the script, as in the report

    expect(page.locator("#id_script")).to_have_value(SCRIPT)
    expect(page.locator("#id_prompt")).to_have_value(PROMPT)
    saved(page)
    cut.refresh_from_db()
    assert (cut.script, cut.prompt) == (SCRIPT, PROMPT)
    assert len(sent) >= 3  # it saved while the typing went on, not only at the end
    assert page.js_errors == []


def test_an_edit_then_at_once_a_click_on_another_cut_is_saved(signed_in_page, live_server):
    user = make_user()
    project = make_project(owner=user, default_model="local-draft")
    first = make_cut(project=project, script="Scene one.")
    second = make_cut(project=project, script="Scene two.")
    page = signed_in_page(user)
    page.goto(live_server.url + first.get_absolute_url())

    page.locator("#id_prompt").press_sequentially("Harbour at dawn", delay=60)
    page.locator(f"#cut-item-{second.pk} a").click()

    expect(page).to_have_url(live_server.url + second.get_absolute_url())
    assert Cut.objects.get(pk=first.pk).prompt == "Harbour at dawn"
    assert page.js_errors == []


def test_two_tabs_never_silently_overwrite_each_other(signed_in_page, live_server):
    user = make_user()
    cut = make_cut(project=make_project(owner=user, default_model="local-draft"))
    first = signed_in_page(user)
    second = signed_in_page(user)
    for page in (first, second):
        page.goto(live_server.url + cut.get_absolute_url())

    first.locator("#id_prompt").press_sequentially("Written in the first tab", delay=30)
    saved(first)
    second.locator("#id_prompt").press_sequentially("Typed in the second tab", delay=30)

    status = second.locator("#save-status")
    expect(status).to_have_attribute("data-state", "conflict")
    expect(status).to_contain_text("changed in another tab or window")
    expect(status.locator("[data-saved-field=prompt]")).to_have_text("Written in the first tab")
    expect(second.locator("#id_prompt")).to_have_value("Typed in the second tab")
    assert Cut.objects.get(pk=cut.pk).prompt == "Written in the first tab"

    # Leaving now would lose the typed text: the page asks first.
    asked = []
    second.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    second.close(run_before_unload=True)
    expect(second.locator("#id_prompt")).to_have_value("Typed in the second tab")
    assert asked == ["beforeunload"]

    second.get_by_role("button", name="Save my text instead").click()
    saved(second)
    assert Cut.objects.get(pk=cut.pk).prompt == "Typed in the second tab"


def test_a_refused_generate_keeps_the_chosen_model_and_its_cost(
    signed_in_page, live_server, fake_provider
):
    user = make_user(credits=100)
    cut = make_cut(project=make_project(owner=user), prompt="@Nobody waves from the pier")
    page = signed_in_page(user)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message))
    page.goto(live_server.url + cut.get_absolute_url())
    button = page.locator(".generate-button")
    expect(button).to_contain_text("Flux 2 Pro")
    expect(button).to_contain_text("4 × 5 = 20 credits")

    page.select_option("#id_model", "local-draft")
    expect(button).to_contain_text("4 × 0 = 0 credits")
    button.click()

    expect(page.locator("#cut-text")).to_contain_text("@Nobody")  # the refusal, by the prompt
    expect(page.locator("#id_model")).to_have_value("local-draft")
    expect(button).to_contain_text("Local draft")
    expect(button).to_contain_text("4 × 0 = 0 credits")
    page.reload()
    expect(page.locator("#id_model")).to_have_value("local-draft")
    expect(button).to_contain_text("4 × 0 = 0 credits")
    assert not GenerationJob.objects.exists()
    assert page.js_errors == []
    assert [message.text for message in console_errors] == []  # htmx found every target


def test_the_script_mentions_the_prompt_lacks_can_be_added_from_the_panel(
    signed_in_page, live_server
):
    from tests.factories import make_asset

    user = make_user()
    project = make_project(owner=user, default_model="local-draft")
    make_asset(project=project, handle="Mina")
    make_asset(project=project, handle="Harbour", kind="location")
    cut = make_cut(
        project=project, script="@Mina coils rope at the @Harbour.", prompt="A sailor coils rope"
    )
    page = signed_in_page(user)
    page.goto(live_server.url + cut.get_absolute_url())
    note = page.locator("[data-missing-mentions]")
    expect(note).to_contain_text("@Mina")
    expect(note).to_contain_text("@Harbour")
    expect(page.locator(".reference-panel .reference-card")).to_have_count(0)

    note.get_by_role("button", name="Add them to the prompt").click()

    expect(page.locator("#id_prompt")).to_have_value("A sailor coils rope @Mina @Harbour")
    expect(page.locator(".reference-panel .reference-card")).to_have_count(2)
    expect(page.locator("[data-missing-mentions]")).to_have_count(0)
    saved(page)
    assert Cut.objects.get(pk=cut.pk).prompt == "A sailor coils rope @Mina @Harbour"


def test_on_a_phone_the_open_cut_its_images_and_the_flight_credits_stay_in_view(
    signed_in_page, live_server
):
    from django.urls import reverse

    from keyframes.generation import start_generation
    from keyframes.job_runner import run_generation

    user = make_user(credits=50)
    project = make_project(owner=user, aspect_ratio="16:9", default_model="local-draft")
    cuts = [make_cut(project=project, prompt=f"Scene {n} at the pier") for n in range(8)]
    job = start_generation(
        cut=cuts[6], user=user, prompt=cuts[6].prompt, count=2, idempotency_key="phone"
    )
    run_generation(job=job)
    page = signed_in_page(user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + cuts[6].get_absolute_url())

    expect(page.locator(".cut-item.selected")).to_be_in_viewport()
    slot = page.locator("#canvas .slot").first
    slot_box, bar = slot.bounding_box(), slot.locator(".slot-actions").bounding_box()
    # Their bar covered 40 % of a 16:9 thumbnail; the buttons keep a usable touch size.
    assert bar["width"] * bar["height"] < 0.25 * slot_box["width"] * slot_box["height"]
    expect(slot.get_by_role("button", name="Select")).to_be_visible()

    page.goto(live_server.url + reverse("keyframes:flight_plan", args=[project.pk]))
    expect(page.get_by_role("columnheader", name="Credits")).to_be_in_viewport()
    assert page.js_errors == []
