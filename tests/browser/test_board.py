"""The board and review mode in Chromium: drag-and-drop and keyboard reordering that
survive a reload, and picking with keys."""

import pytest
from playwright.sync_api import expect

from keyframes.models import Keyframe
from tests.browser.test_accessibility import blocking_violations
from tests.factories import make_cut, make_face_score, make_project, make_user
from tests.keyframes.test_review import generated_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card_scripts(page) -> list[str]:
    return page.locator(".board-card .board-script").all_inner_texts()


def saved_order(response) -> bool:
    return "/board/order/" in response.url and response.ok


def drag(page, source, target, *, until_order: list[str]):
    """A real pointer drag, in small steps, from the middle of ``source`` to just past the
    middle of ``target``, held there until the cards show ``until_order``: SortableJS
    ignores the pointer over a card that is still sliding (150 ms), so on a busy machine a
    single pass can end one place short, and a person would keep hovering too."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    x, y = end["x"] + end["width"] * 0.75, end["y"] + end["height"] / 2
    page.mouse.move(x, y, steps=20)
    for nudge in range(20):
        if card_scripts(page) == until_order:
            break
        page.mouse.move(x + 2 + nudge % 2, y, steps=2)
        page.wait_for_timeout(100)
    page.mouse.up()


def test_dragging_a_card_reorders_the_storyboard_for_good(signed_in_page, live_server):
    user = make_user()
    project = make_project(owner=user, title="Board")
    cuts = [make_cut(project=project, script=name) for name in ("Alpha", "Bravo", "Charlie")]
    page = signed_in_page(user)
    page.goto(live_server.url + project.get_absolute_url())
    expect(page.locator(".board-card")).to_have_count(3)
    expect(page.locator("[data-board-cards][data-sortable]")).to_have_count(1)

    with page.expect_response(saved_order):
        drag(
            page,
            page.locator(".board-card").nth(0),
            page.locator(".board-card").nth(2),
            until_order=["Bravo", "Charlie", "Alpha"],
        )

    expect(page.locator(".board-card .board-script")).to_have_text(["Bravo", "Charlie", "Alpha"])
    page.reload()
    expect(page.locator("[data-board-cards][data-sortable]")).to_have_count(1)
    assert card_scripts(page) == ["Bravo", "Charlie", "Alpha"]
    assert list(project.cuts.values_list("pk", flat=True)) == [
        cuts[1].pk,
        cuts[2].pk,
        cuts[0].pk,
    ]

    # The keyboard does the same: focus a card's handle and press an arrow key.
    page.locator(".board-card [data-drag-handle]").nth(2).focus()
    with page.expect_response(saved_order):
        page.keyboard.press("ArrowLeft")
    expect(page.locator(".board-card .board-script")).to_have_text(["Bravo", "Alpha", "Charlie"])
    page.reload()
    assert card_scripts(page) == ["Bravo", "Alpha", "Charlie"]
    assert page.js_errors == []


def test_review_picks_with_keys(signed_in_page, live_server):
    user = make_user()
    project = make_project(owner=user, title="Review")
    first, second = make_cut(project=project), make_cut(project=project)
    first_set, second_set = generated_set(first), generated_set(second)
    page = signed_in_page(user)
    page.goto(live_server.url + f"/projects/{project.pk}/review/")
    expect(page.locator("[data-review-cut]")).to_have_count(2)
    expect(page.locator("[data-review-cut].current")).to_have_count(1)  # its script has run

    page.keyboard.press("2")
    expect(page.locator(f"#review-cut-{first.pk} .review-frame.chosen")).to_have_count(1)
    page.keyboard.press("j")
    expect(page.locator(f"#review-cut-{second.pk}")).to_have_class("review-cut card current")
    page.keyboard.press("4")
    expect(page.locator(f"#review-cut-{second.pk} .review-frame.chosen")).to_have_count(1)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.representative_id == first_set[1].pk
    assert second.representative_id == second_set[3].pk
    assert Keyframe.objects.count() == 8
    assert page.js_errors == []


def test_the_board_and_review_show_the_picked_images_face_match(
    signed_in_page, live_server, screenshots
):
    user = make_user()
    project = make_project(owner=user, title="Faces")
    cut = make_cut(project=project, script="Seohee and Tomo at the cafe")
    keyframes = generated_set(cut, count=2)
    make_face_score(keyframes[0], "Seohee", "matches", 0.82, position=0)
    make_face_score(keyframes[0], "Tomo", "may_differ", 0.31, reason="Someone else.", position=1)
    make_face_score(keyframes[1], "Seohee", "no_face", reason="No face found.", position=0)
    make_face_score(keyframes[1], "Tomo", "not_scored", reason="Timed out.", position=1)
    cut.set_representative(keyframes[0])
    cut.save()
    page = signed_in_page(user)

    page.goto(live_server.url + project.get_absolute_url())
    badges = page.locator(".board-card .face-badge")
    expect(badges).to_have_text(["@Seohee ✓ 0.82", "@Tomo ≠ 0.31"])
    thumb = page.locator(".board-card .board-thumb").bounding_box()
    first = badges.first.bounding_box()
    assert thumb["x"] <= first["x"] and first["x"] + first["width"] <= thumb["x"] + thumb["width"]
    assert thumb["y"] <= first["y"] <= thumb["y"] + thumb["height"]  # drawn over the picture
    page.locator(".board-card").first.screenshot(path=str(screenshots / "board-face-match.png"))
    assert blocking_violations(page) == []  # the badges' colours and names included

    page.goto(live_server.url + f"/projects/{project.pk}/review/?show=all")
    chosen = page.locator(".review-frame.chosen .face-badge")
    expect(chosen).to_have_text(["@Seohee ✓ 0.82", "@Tomo ≠ 0.31"])
    expect(page.locator(".review-frame:not(.chosen) .face-badge")).to_have_text(
        ["@Seohee ∅", "@Tomo ?"]
    )
    page.locator("[data-review-cut]").first.screenshot(
        path=str(screenshots / "review-face-match.png")
    )
    assert blocking_violations(page) == []
    assert page.js_errors == []


def test_moving_on_before_a_pick_is_answered_keeps_the_cut_moved_to(signed_in_page, live_server):
    user = make_user()
    project = make_project(owner=user, title="Fast review")
    first, second = make_cut(project=project), make_cut(project=project)
    generated_set(first)
    second_set = generated_set(second)
    page = signed_in_page(user)
    page.goto(live_server.url + f"/projects/{project.pk}/review/")
    expect(page.locator("[data-review-cut].current")).to_have_count(1)
    held = []  # only the first pick's request is held

    def hold_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/pick/**", hold_first)

    page.keyboard.press("2")  # its answer is held back until the creator has moved on
    page.keyboard.press("j")
    expect(page.locator(f"#review-cut-{second.pk}")).to_have_class("review-cut card current")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.locator(f"#review-cut-{first.pk} .review-frame.chosen")).to_have_count(1)

    expect(page.locator("[data-review-cut].current")).to_have_count(1)
    expect(page.locator(f"#review-cut-{second.pk}")).to_have_class("review-cut card current")
    page.keyboard.press("4")
    expect(page.locator(f"#review-cut-{second.pk} .review-frame.chosen")).to_have_count(1)
    second.refresh_from_db()
    assert second.representative_id == second_set[3].pk
    assert page.js_errors == []


def test_a_cut_without_a_keyframe_shows_a_placeholder_the_width_of_its_card(
    signed_in_page, live_server
):
    user = make_user()
    project = make_project(owner=user, title="Wide", aspect_ratio="16:9")
    make_cut(project=project, script="Nothing generated yet")
    page = signed_in_page(user)
    page.goto(live_server.url + project.get_absolute_url())

    card = page.locator(".board-card").first.bounding_box()
    thumb = page.locator(".board-card .board-thumb").first.bounding_box()
    expect(page.locator(".board-card .thumb-placeholder")).to_have_text("No keyframe yet")
    # The card's width less its 1 px borders, and 16:9 tall.
    assert thumb["width"] == pytest.approx(card["width"] - 2, abs=1)
    assert thumb["height"] == pytest.approx(thumb["width"] * 9 / 16, abs=1)
