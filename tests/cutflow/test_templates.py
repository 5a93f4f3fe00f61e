"""Template hygiene a page's reader would notice."""

import re
from pathlib import Path

from django.conf import settings

ONE_LINE_COMMENT = re.compile(r"\{#(?!.*?#\})")


def test_no_template_comment_spans_lines():
    """Django's {# #} ends at the line's end: one left open is shown to the creator as text
    (use {% comment %} for more than one line)."""
    template_dirs = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]]
    open_comments = [
        f"{path.relative_to(directory)}:{number}"
        for directory in template_dirs
        for path in sorted(directory.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ONE_LINE_COMMENT.search(line)
    ]
    assert template_dirs and open_comments == []
