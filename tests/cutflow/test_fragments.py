"""The fragment cache: HTML is stored under the version it shows, and found again by it."""

from django.core.cache import cache

from cutflow.fragments import (
    cached_fragment,
    cached_fragments,
    cached_joined_fragments,
    fragment_key,
)


def test_a_fragment_is_rendered_once_per_version():
    renders = []

    def render(version):
        renders.append(version)
        return version, f"<p>{version}</p>"

    assert cached_fragment("note", ("a",), lambda: render(("a",))) == "<p>('a',)</p>"
    assert cached_fragment("note", ("a",), lambda: render(("a",))) == "<p>('a',)</p>"
    assert cached_fragment("note", ("b",), lambda: render(("b",))) == "<p>('b',)</p>"
    assert renders == [("a",), ("b",)]


def test_html_is_stored_under_the_version_it_was_rendered_from():
    # The data moved on between reading the version and rendering: the HTML shows "new",
    # so it must never be served for "old".
    assert cached_fragment("note", ("old",), lambda: (("new",), "new html")) == "new html"
    assert cached_fragment("note", ("old",), lambda: (("old",), "old html")) == "old html"
    assert cached_fragment("note", ("new",), lambda: (("new",), "not used")) == "new html"


def test_many_fragments_render_only_the_missing_ones():
    asked = []

    def render_missing(ids):
        asked.append(sorted(ids))
        return {item: ((item, 1), f"<li>{item}</li>") for item in ids}

    first = cached_fragments("item", {1: (1, 1), 2: (2, 1)}, render_missing)
    again = cached_fragments("item", {1: (1, 1), 2: (2, 1), 3: (3, 1)}, render_missing)
    assert first == {1: "<li>1</li>", 2: "<li>2</li>"}
    assert again == {1: "<li>1</li>", 2: "<li>2</li>", 3: "<li>3</li>"}
    assert asked == [[1, 2], [3]]


def test_an_item_gone_while_rendering_is_left_out():
    html = cached_fragments("item", {1: (1,), 2: (2,)}, lambda ids: {1: ((1,), "<li>1</li>")})
    assert html == {1: "<li>1</li>"}


def test_a_joined_list_is_kept_whole_only_once_every_part_was_found():
    renders, asked = [], []

    def versions():
        asked.append(True)
        return {1: (1, "v"), 2: (2, "v")}

    def render_missing(ids):
        renders.extend(ids)
        return {item: ((item, "v"), f"<li>{item}</li>") for item in ids}

    whole = ("list", "v")
    joined = cached_joined_fragments("row", whole, versions, render_missing)
    assert joined == "<li>1</li><li>2</li>" and renders == [1, 2]
    joined_key = fragment_key("row:joined", whole)
    assert cache.get(joined_key) is None
    # Parts rendered just now may be newer than their versions: the whole was not kept,
    # so this read assembles it from the parts (rendering nothing) and keeps it.
    assert cached_joined_fragments("row", whole, versions, render_missing) == joined
    assert cache.get(joined_key) is not None and renders == [1, 2]
    # Now one read: the parts' versions are not even computed.
    assert cached_joined_fragments("row", whole, versions, render_missing) == joined
    assert len(asked) == 2
