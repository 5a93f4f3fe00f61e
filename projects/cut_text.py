"""Saving a cut's text as the editor autosaves it. Each save names the version of the text it
was typed over; when the saved text has moved on since (another tab, another window), the save
is refused rather than overwriting newer words, and both texts stay: the newer one saved, the
creator's own still on their screen."""

from django.db import transaction

from projects.models import Cut
from projects.services import update_cut_text


class TextConflict(Exception):
    """The cut's text changed after the editor loaded it; ``cut`` holds the newer text."""

    def __init__(self, cut: Cut):
        super().__init__("The cut's text changed in another tab or window.")
        self.cut = cut


def save_typed_text(
    *, cut: Cut, script: str, prompt: str, negative_prompt: str, base_version: str = ""
) -> Cut:
    """Saves the text unless it was typed over an older version than the one saved. An empty
    ``base_version`` (a form from before versions existed) skips the check."""
    with transaction.atomic():
        locked = Cut.objects.select_for_update().get(pk=cut.pk)
        unchanged = (locked.script, locked.prompt, locked.negative_prompt) == (
            script,
            prompt,
            negative_prompt,
        )
        if base_version and base_version != locked.text_version and not unchanged:
            raise TextConflict(locked)
        update_cut_text(cut=locked, script=script, prompt=prompt, negative_prompt=negative_prompt)
    cut.script, cut.prompt, cut.negative_prompt = script, prompt, negative_prompt
    cut.status = locked.status
    return cut
