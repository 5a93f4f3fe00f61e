"""An axe-core audit of every page a creator sees (axe comes from the axe-playwright-python
package, never from the network): no serious or critical violation anywhere."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from keyframes.generation import start_generation
from keyframes.job_runner import run_generation
from tests.factories import make_asset, make_cut, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [node["target"] for node in violation["nodes"][:5]]
            found.append(f"{violation['id']} ({len(violation['nodes'])}): {targets}")
    return found


def storyboard_world():
    user = make_user(credits=100)
    project = make_project(owner=user, title="Rainy cafe", default_model="local-draft")
    mina = make_asset(project=project, handle="Mina", variations=("Default", "Raincoat"))
    make_asset(project=project, handle="Cafe", kind="location")
    cut = make_cut(project=project, script="@Mina waits in @Cafe.", prompt="@Mina in @Cafe")
    make_cut(project=project, script="She leaves.")
    job = start_generation(cut=cut, user=user, prompt=cut.prompt, count=2, idempotency_key="axe")
    run_generation(job=job)
    return user, project, cut, mina


def test_no_page_has_a_serious_accessibility_violation(chromium, signed_in_page, live_server):
    user, project, cut, mina = storyboard_world()
    anonymous = chromium.new_context()
    public = anonymous.new_page()
    page = signed_in_page(user)
    pages = [
        (public, reverse("home")),
        (public, reverse("account_login")),
        (public, reverse("account_signup")),
        (page, reverse("projects:list")),
        (page, reverse("projects:create")),
        (page, cut.get_absolute_url()),
        (page, reverse("projects:settings", args=[project.pk])),
        (page, reverse("projects:export", args=[project.pk])),
        (page, reverse("characters:assets", args=[project.pk])),
        (page, reverse("characters:asset_create", args=[project.pk])),
        (page, reverse("characters:asset", args=[project.pk, mina.pk])),
        (page, reverse("keyframes:flight_plan", args=[project.pk])),
        (page, reverse("credits:history")),
        (page, reverse("credits:checkout_cancel")),
    ]
    failures = {}
    for browser_page, url in pages:
        browser_page.goto(live_server.url + url)
        if url == cut.get_absolute_url():
            expect(browser_page.locator(".reference-panel .reference-card")).to_have_count(2)
            expect(browser_page.locator("#canvas [data-lightbox-open]")).to_have_count(2)
        found = blocking_violations(browser_page)
        if found:
            failures[url] = found
    anonymous.close()
    assert failures == {}


def test_the_editor_on_a_phone_has_no_serious_accessibility_violation(signed_in_page, live_server):
    user, project, cut, mina = storyboard_world()
    page = signed_in_page(user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + cut.get_absolute_url())
    expect(page.locator(".reference-panel .reference-card")).to_have_count(2)
    assert blocking_violations(page) == []


def test_no_page_is_wider_than_a_small_phone(signed_in_page, live_server):
    """At 320 px nothing may push the page sideways: long labels wrap, wide tables scroll
    inside their card."""
    user, project, cut, mina = storyboard_world()
    page = signed_in_page(user)
    page.set_viewport_size({"width": 320, "height": 700})
    urls = [
        reverse("projects:list"),
        project.get_absolute_url(),
        cut.get_absolute_url(),
        reverse("projects:settings", args=[project.pk]),
        reverse("projects:export", args=[project.pk]),
        reverse("characters:assets", args=[project.pk]),
        reverse("characters:asset", args=[project.pk, mina.pk]),
        reverse("keyframes:flight_plan", args=[project.pk]),
        reverse("keyframes:script_import", args=[project.pk]),
        reverse("keyframes:review", args=[project.pk]) + "?show=all",
        reverse("credits:history"),
    ]
    too_wide = {}
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            too_wide[url] = width
    assert too_wide == {}
