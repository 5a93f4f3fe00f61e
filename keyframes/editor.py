"""What the keyframes app adds to the cut editor page."""

from uuid import uuid4

from keyframes.canvas import canvas_sets, generation_controls
from keyframes.forms import UploadKeyframeForm
from projects.models import Cut


def cut_editor_context(cut: Cut) -> dict:
    return canvas_context(cut) | controls_context(cut)


def canvas_context(cut: Cut, *, upload_form: UploadKeyframeForm | None = None) -> dict:
    return {"canvas": canvas_sets(cut=cut), "upload_form": upload_form or UploadKeyframeForm()}


def controls_context(
    cut: Cut,
    *,
    model_key: str | None = None,
    count: int | None = None,
    prompt: str | None = None,
    errors: dict | None = None,
) -> dict:
    controls = generation_controls(
        cut=cut,
        model_key=cut.model if model_key is None else model_key,
        count=count or cut.candidate_count,
        prompt=prompt,
    )
    return {
        "controls": controls,
        "generate_errors": errors or {},
        # A fresh key per rendered form: a double submit of this form starts one job.
        "idempotency_key": uuid4().hex,
    }
