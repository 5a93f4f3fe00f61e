"""What the keyframes app adds to the cut editor page."""

from uuid import uuid4

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from cutflow.fragments import cached_fragment, request_version
from keyframes.canvas import canvas_sets, canvas_state
from keyframes.forms import UploadKeyframeForm
from keyframes.generate_controls import GenerationControls, generation_controls
from projects.models import Cut

CANVAS_TEMPLATE = "keyframes/canvas.html#canvas"
CONTROLS_TEMPLATE = "keyframes/canvas.html#controls"
# Stands for the idempotency key in the controls' cached HTML; each page gets its own key.
KEY_SLOT = f"idempotency-key-{uuid4().hex}"


def cut_editor_context(request, cut: Cut) -> dict:
    state = canvas_state(cut=cut)
    has_jobs = bool(state[0])  # every job has candidates
    controls = controls_html(request, cut, has_jobs=has_jobs)
    return canvas_context(request, cut, state=state) | {"controls_html": controls}


def canvas_context(
    request,
    cut: Cut,
    *,
    upload_form: UploadKeyframeForm | None = None,
    state: tuple | None = None,
) -> dict:
    """``state`` is the cut's canvas_state() when the caller has read it already."""
    upload_form = upload_form or UploadKeyframeForm()
    html = canvas_html(request, cut, upload_form, state=state)
    return {"canvas_html": html, "upload_form": upload_form}


def canvas_html(request, cut: Cut, upload_form: UploadKeyframeForm, state=None) -> str:
    """The canvas section. It is polled every second while images are on their way, and
    most polls find nothing new, so its HTML is cached by what it shows; a form with
    errors to show is rendered afresh."""
    if upload_form.errors:
        return render_canvas(request, cut, upload_form)[1]
    state = canvas_state(cut=cut) if state is None else state
    version = canvas_version(request, cut, state)
    return cached_fragment("canvas", version, lambda: render_canvas(request, cut, upload_form))


def canvas_version(request, cut: Cut, state: tuple) -> tuple:
    return (
        cut.pk,
        cut.representative_id,
        cut.project.aspect_ratio,
        state,
        request_version(request),
    )


def render_canvas(request, cut: Cut, upload_form: UploadKeyframeForm) -> tuple[tuple, str]:
    canvas = canvas_sets(cut=cut)
    context = {
        "cut": cut,
        "project": cut.project,
        "canvas": canvas,
        "upload_form": upload_form,
        "csrf_token": get_token(request),
    }
    html = get_template(CANVAS_TEMPLATE).render(context)
    return canvas_version(request, cut, canvas.state), html


def controls_html(request, cut: Cut, *, has_jobs: bool) -> SafeString:
    """The Generate controls as a fresh page shows them (the cut's own model and count, no
    errors). Their HTML is cached by what they show; the form's key is put in afterwards."""
    controls = generation_controls(
        cut=cut, model_key=cut.model, count=cut.candidate_count, has_jobs=has_jobs
    )
    version = (cut.pk, controls.version(), request_version(request))
    html = cached_fragment(
        "generate-controls", version, lambda: (version, render_controls(request, cut, controls))
    )
    return mark_safe(html.replace(KEY_SLOT, new_idempotency_key()))


def render_controls(request, cut: Cut, controls: GenerationControls) -> str:
    context = {
        "cut": cut,
        "controls": controls,
        "generate_errors": {},
        "idempotency_key": KEY_SLOT,
        "csrf_token": get_token(request),
    }
    return get_template(CONTROLS_TEMPLATE).render(context)


def new_idempotency_key() -> str:
    # A fresh key per rendered form: a double submit of this form starts one job.
    return uuid4().hex


def controls_context(
    cut: Cut,
    *,
    model_key: str | None = None,
    count: int | None = None,
    prompt: str | None = None,
    errors: dict | None = None,
    has_jobs: bool | None = None,
) -> dict:
    controls = generation_controls(
        cut=cut,
        model_key=cut.model if model_key is None else model_key,
        count=count or cut.candidate_count,
        prompt=prompt,
        has_jobs=has_jobs,
    )
    return {
        "controls": controls,
        "generate_errors": errors or {},
        "idempotency_key": new_idempotency_key(),
    }
