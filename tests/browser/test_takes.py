"""A take in Chromium: start one from the cut editor, watch it arrive, use it, play it."""

import pytest
from playwright.sync_api import expect

from keyframes.keyframe_actions import select_representative, upload_keyframe
from keyframes.models import Take
from tests.factories import make_cut, make_project, make_user, png_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Resolves with what the browser decoded of the video, or rejects with its media error.
METADATA = """video => new Promise((resolve, reject) => {
  const read = () => resolve([video.duration, video.videoWidth, video.videoHeight]);
  if (video.readyState >= 1) return read();
  video.addEventListener("loadedmetadata", read);
  video.addEventListener("error", () => reject(new Error("media error " + video.error.code)));
  video.load();
})"""


def test_a_creator_makes_a_local_motion_take_and_plays_it(signed_in_page, live_server, settings):
    settings.TAKE_LOCAL_SHORT_SIDE = 90
    settings.TAKE_LOCAL_FPS = 8
    user = make_user(credits=10)
    project = make_project(owner=user, aspect_ratio="16:9")
    cut = make_cut(project=project, script="The bus pulls away.", camera_movement="pan")
    keyframe = upload_keyframe(cut=cut, file=upload(data=png_bytes((480, 270))))
    select_representative(cut=cut, keyframe=keyframe)
    page = signed_in_page(user)
    page.goto(live_server.url + cut.get_absolute_url())

    panel = page.locator("#takes-panel")
    expect(panel.locator("#id_motion_prompt")).to_have_value(
        "The bus pulls away. The camera pans slowly across the scene."
    )
    expect(panel.locator("#id_duration")).to_have_value("3")
    expect(panel.get_by_role("button", name="Start take")).to_contain_text("free")
    expect(panel.locator("#takes-count")).to_have_text("0")
    panel.get_by_role("button", name="Start take").click()

    expect(panel.locator(".take.take-succeeded")).to_have_count(1)
    expect(panel.locator("#takes-count")).to_have_text("1")  # the heading counts it too
    panel.get_by_role("button", name="Use for this cut").click()
    player = panel.locator(".take-player video")
    expect(player).to_have_attribute("poster", keyframe.image.url)

    duration, width, height = player.evaluate(METADATA)

    assert (width, height) == (160, 90)
    assert duration == pytest.approx(3, abs=0.2)
    assert Take.objects.get().is_representative
    assert page.js_errors == []
