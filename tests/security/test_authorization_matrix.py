"""Every URL of the app, walked from the resolver, as an anonymous visitor, the owner and a
stranger: anonymous → sign-in, stranger → 404, owner → success. A URL missing from ACCESS
fails the suite, so a new route cannot ship unclassified."""

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes.models import AdditionalReference, Flight, GenerationJob, Keyframe, Take
from projects.export import get_format
from projects.export_jobs import run_export
from tests.factories import make_asset, make_cut, make_project, make_user, png_bytes

APP_NAMESPACES = {"projects", "characters", "keyframes", "credits"}

# How each route is reached: the methods to try, and whose it is.
#   "object": belongs to the owner of the project/cut in its URL → stranger 404
#   "own":    the signed-in user's own page (no object in the URL) → any user succeeds
OBJECT, OWN = "object", "own"
ACCESS = {
    "projects:list": (["GET"], OWN),
    "projects:create": (["GET", "POST"], OWN),
    "projects:storyboard": (["GET"], OBJECT),
    "projects:delete": (["POST"], OBJECT),
    "projects:cut_add": (["POST"], OBJECT),
    "projects:cut_reorder": (["POST"], OBJECT),
    "projects:board_reorder": (["POST"], OBJECT),
    "projects:cut": (["GET"], OBJECT),
    "projects:cut_text": (["POST"], OBJECT),
    "projects:cut_move": (["POST"], OBJECT),
    "projects:cut_delete": (["POST"], OBJECT),
    "projects:prompt_restore": (["POST"], OBJECT),
    "projects:settings": (["GET", "POST"], OBJECT),
    "projects:cut_shot": (["POST"], OBJECT),
    "projects:export": (["GET"], OBJECT),
    "projects:export_download": (["GET"], OBJECT),
    "projects:export_start": (["POST"], OBJECT),
    "projects:export_status": (["GET"], OBJECT),
    "projects:export_result": (["GET"], OBJECT),
    "characters:assets": (["GET"], OBJECT),
    "characters:asset_create": (["GET", "POST"], OBJECT),
    "characters:asset": (["GET", "POST"], OBJECT),
    "characters:asset_delete": (["POST"], OBJECT),
    "characters:variation_add": (["POST"], OBJECT),
    "characters:variation_rename": (["POST"], OBJECT),
    "characters:variation_delete": (["POST"], OBJECT),
    "characters:variation_default": (["POST"], OBJECT),
    "characters:image_upload": (["POST"], OBJECT),
    "characters:image_primary": (["POST"], OBJECT),
    "characters:image_delete": (["POST"], OBJECT),
    "characters:handles": (["GET"], OBJECT),
    "keyframes:cut_references": (["GET"], OBJECT),
    "keyframes:reference_variation": (["POST"], OBJECT),
    "keyframes:additional_add": (["POST"], OBJECT),
    "keyframes:additional_remove": (["POST"], OBJECT),
    "keyframes:additional_move": (["POST"], OBJECT),
    "keyframes:canvas": (["GET"], OBJECT),
    "keyframes:generate": (["POST"], OBJECT),
    "keyframes:generate_controls": (["GET"], OBJECT),
    "keyframes:choose_generation": (["POST"], OBJECT),
    "keyframes:upload_keyframe": (["POST"], OBJECT),
    "keyframes:select_keyframe": (["POST"], OBJECT),
    "keyframes:delete_keyframe": (["POST"], OBJECT),
    "keyframes:cancel_job": (["POST"], OBJECT),
    "keyframes:prompt_write": (["POST"], OBJECT),
    "keyframes:prompt_status": (["GET"], OBJECT),
    "keyframes:flight_plan": (["GET"], OBJECT),
    "keyframes:review": (["GET"], OBJECT),
    "keyframes:review_pick": (["POST"], OBJECT),
    "keyframes:flight_launch": (["POST"], OBJECT),
    "keyframes:flight_cut_list": (["GET"], OBJECT),
    "keyframes:flight_detail": (["GET"], OBJECT),
    "keyframes:script_import": (["GET", "POST"], OBJECT),
    "keyframes:script_confirm": (["POST"], OBJECT),
    "keyframes:takes_panel": (["GET"], OBJECT),
    "keyframes:take_list": (["GET"], OBJECT),
    "keyframes:take_form": (["GET"], OBJECT),
    "keyframes:start_take": (["POST"], OBJECT),
    "keyframes:use_take": (["POST"], OBJECT),
    "keyframes:cancel_take": (["POST"], OBJECT),
    "credits:history": (["GET"], OWN),
    "credits:checkout": (["POST"], OWN),
    "credits:checkout_success": (["GET"], OWN),
    "credits:checkout_cancel": (["GET"], OWN),
}


def app_routes() -> list[tuple[str, URLPattern]]:
    routes = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif namespace in APP_NAMESPACES:
                routes.append((f"{namespace}:{pattern.name}", pattern))

    walk(get_resolver().url_patterns, None)
    return routes


ROUTES = app_routes()


def test_every_route_is_classified():
    unclassified = sorted({name for name, _ in ROUTES} - set(ACCESS))
    assert not unclassified, f"Add these routes to ACCESS: {unclassified}"


@pytest.fixture
def world(db):
    """One owner with one of everything a URL can name."""
    owner = make_user(email="owner@example.com", credits=50)
    project = make_project(owner=owner, default_model="local-draft")
    seohee = make_asset(project=project, handle="Seohee", variations=("Casual", "Raincoat"))
    make_asset(project=project, handle="Cafe", kind="location")
    cut = make_cut(project=project, script="@Seohee at @Cafe", prompt="@Seohee sits in @Cafe")
    make_cut(project=project, script="Second cut")
    variation = seohee.variations.last()
    reference = AdditionalReference(cut=cut, position=0)
    with stored_image(reference, ingest_image(io.BytesIO(png_bytes()))):
        reference.save()
    job = GenerationJob.objects.create(
        user=owner,
        cut=cut,
        model_key="local-draft",
        count=1,
        prompt=cut.prompt,
        aspect_ratio=project.aspect_ratio,
        credits_per_image=0,
        idempotency_key="matrix",
    )
    keyframe = Keyframe(cut=cut, job=job, slot=0, source="generated", model_key="local-draft")
    with stored_image(keyframe, ingest_image(io.BytesIO(png_bytes()))):
        keyframe.save()
    flight = Flight.objects.create(project=project, user=owner, options={"cuts": {}})
    take_job = GenerationJob.objects.create(
        kind=GenerationJob.Kind.TAKE,
        user=owner,
        cut=cut,
        model_key="local-motion",
        count=1,
        prompt="She turns.",
        aspect_ratio=project.aspect_ratio,
        credits_per_image=0,
        idempotency_key="matrix-take",
    )
    take = Take.objects.create(
        cut=cut,
        job=take_job,
        source_keyframe=keyframe,
        motion_prompt="She turns.",
        model_key="local-motion",
        duration_seconds=2,
        aspect_ratio=project.aspect_ratio,
    )
    export = run_export(
        project=project, export_format=get_format("csv"), token="matrix-token-0123456789abcdef"
    )
    return {
        "owner": owner,
        "kwargs": {
            "project_id": project.pk,
            "cut_id": cut.pk,
            "asset_id": seohee.pk,
            "variation_id": variation.pk,
            "image_id": variation.images.get().pk,
            "reference_id": reference.pk,
            "keyframe_id": keyframe.pk,
            "job_id": job.pk,
            "flight_id": flight.pk,
            "take_id": take.pk,
            "format_key": "csv",
            "token": export.token,
        },
    }


def url_for(name: str, pattern: URLPattern, kwargs: dict) -> str:
    needed = pattern.pattern.converters.keys()
    missing = set(needed) - set(kwargs)
    assert not missing, f"{name}: the matrix has no object for {sorted(missing)}"
    return reverse(name, kwargs={key: kwargs[key] for key in needed})


def requests_for(name):
    methods, _ = ACCESS.get(name, (["GET"], OBJECT))
    return methods


CASES = [(name, pattern, method) for name, pattern in ROUTES for method in requests_for(name)]
IDS = [f"{method} {name}" for name, _, method in CASES]


def send(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.post(url, {}, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize(("name", "pattern", "method"), CASES, ids=IDS)
def test_anonymous_visitor_is_sent_to_sign_in(client, world, name, pattern, method):
    response = send(client, method, url_for(name, pattern, world["kwargs"]))
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.parametrize(("name", "pattern", "method"), CASES, ids=IDS)
def test_stranger_gets_404_on_anothers_objects(client, world, name, pattern, method):
    client.force_login(make_user(email="stranger@example.com"))
    response = send(client, method, url_for(name, pattern, world["kwargs"]))
    if ACCESS[name][1] == OWN:
        assert response.status_code in {200, 302}, name
    else:
        assert response.status_code == 404, name


@pytest.mark.parametrize(("name", "pattern", "method"), CASES, ids=IDS)
def test_owner_reaches_every_route(client, world, name, pattern, method):
    client.force_login(world["owner"])
    response = send(client, method, url_for(name, pattern, world["kwargs"]))
    assert response.status_code in {200, 204, 302, 303}, (name, response.status_code)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("account_login")), name
