"""The cut's text form (script, prompt, negative prompt) as every response that swaps it
shows it: the cut editor page, the text endpoints and keyframes' prompt tools."""

from projects.forms import CutTextForm
from projects.models import Cut, PromptRevision

HISTORY_SHOWN = 5  # the latest prompts the editor offers to restore
# Read on every view of the cut editor (its version keys the cached text form), so it is a
# raw statement: the ORM took longer to build the query than the database took to answer.
HISTORY_SQL = f"""
    SELECT * FROM {PromptRevision._meta.db_table}
     WHERE cut_id = %s
     ORDER BY created_at DESC, id DESC
     LIMIT {HISTORY_SHOWN}
"""


def initial_text(cut: Cut) -> dict:
    return {"script": cut.script, "prompt": cut.prompt, "negative_prompt": cut.negative_prompt}


def saved_text_form(cut: Cut) -> CutTextForm:
    """The cut's text form bound to its saved text and validated, ready for ``add_error``."""
    form = CutTextForm(initial_text(cut))
    form.is_valid()
    return form


def text_context(cut: Cut) -> dict:
    """What the cut's text form (the "#cut-text" partial) shows: enough for a response
    that swaps just the form, without the cut list, the canvas or the Generate controls."""
    return {
        "project": cut.project,
        "cut": cut,
        "text_form": CutTextForm(initial=initial_text(cut)),
        "prompt_history": prompt_history(cut),
    }


def prompt_history(cut: Cut) -> list[PromptRevision]:
    """The cut's latest prompts, newest first (PromptRevision's ordering)."""
    return list(PromptRevision.objects.raw(HISTORY_SQL, [cut.pk]))
