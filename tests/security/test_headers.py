"""CSRF, security headers, production settings and the headers of served media."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from characters.models import VariationImage
from tests.factories import make_asset, png_bytes, upload
from tests.fakes.videos import mp4_clip
from tests.security.conftest import htmx

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATES = BASE_DIR / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\s(on[a-z]+\s*=|hx-on)", re.IGNORECASE)
HX_HEADERS = re.compile(r"<body[^>]*hx-headers='(\{[^']*\})'")


@pytest.fixture
def pages(user, project, cut):
    """Every kind of page a creator sees, signed in and not."""
    asset = make_asset(project=project, handle="Seohee")
    return {
        "signed_out": [reverse("home"), reverse("account_login"), reverse("account_signup")],
        "signed_in": [
            reverse("projects:list"),
            reverse("projects:create"),
            reverse("projects:cut", args=[project.pk, cut.pk]),
            reverse("projects:settings", args=[project.pk]),
            reverse("projects:export", args=[project.pk]),
            reverse("characters:assets", args=[project.pk]),
            reverse("characters:asset_create", args=[project.pk]),
            reverse("characters:asset", args=[project.pk, asset.pk]),
            reverse("keyframes:flight_plan", args=[project.pk]),
            reverse("credits:history"),
        ],
    }


# --- CSRF ---------------------------------------------------------------------------------


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_every_htmx_request_carries_the_csrf_token_from_the_body(user, project):
    client = csrf_client(user)
    page = client.get(reverse("projects:storyboard", args=[project.pk]))
    match = HX_HEADERS.search(page.content.decode())
    assert match, "base.html must set hx-headers on <body>"
    token = json.loads(match[1])["X-CSRFToken"]
    assert len(token) >= 32

    response = client.post(
        reverse("projects:cut_add", args=[project.pk]), **htmx(HTTP_X_CSRFTOKEN=token)
    )
    assert response.status_code in (200, 302)
    assert project.cuts.count() == 1


def test_a_post_without_the_token_is_refused_and_changes_nothing(user, project):
    client = csrf_client(user)
    client.get(reverse("projects:storyboard", args=[project.pk]))  # sets the CSRF cookie
    response = client.post(reverse("projects:cut_add", args=[project.pk]), **htmx())
    assert response.status_code == 403
    assert project.cuts.count() == 0


def test_a_post_with_a_forged_token_is_refused(user, project):
    client = csrf_client(user)
    client.get(reverse("projects:storyboard", args=[project.pk]))
    response = client.post(
        reverse("projects:delete", args=[project.pk]),
        **htmx(HTTP_X_CSRFTOKEN=secrets.token_urlsafe(48)[:64]),
    )
    assert response.status_code == 403
    assert type(project).objects.filter(pk=project.pk).exists()


# --- Content-Security-Policy and framing ----------------------------------------------------


def test_templates_contain_no_inline_script_or_event_handlers():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER):
            offenders += [f"{path.relative_to(BASE_DIR)}: {m[0]}" for m in pattern.finditer(text)]
    assert offenders == []


def test_policy_allows_no_inline_script():
    directives = dict(
        part.strip().split(" ", 1) for part in settings.CONTENT_SECURITY_POLICY.split(";")
    )
    assert directives["script-src"].split() == ["'self'"]
    assert "default-src" in directives and "'unsafe-inline'" not in directives["default-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_every_rendered_page_has_the_headers_and_no_inline_script(client, user, pages):
    checked = 0
    for signed_in, urls in ((False, pages["signed_out"]), (True, pages["signed_in"])):
        if signed_in:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY, url
            assert response["X-Frame-Options"] == "DENY", url
            assert response["X-Content-Type-Options"] == "nosniff", url
            assert response["Referrer-Policy"] == "same-origin", url
            html = response.content.decode()
            assert INLINE_SCRIPT.findall(html) == [], url
            assert EVENT_HANDLER.findall(html) == [], url
            checked += 1
    assert checked == len(pages["signed_out"]) + len(pages["signed_in"])


# --- Production settings ------------------------------------------------------------------


def production_env(tmp_path, **extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "DEBUG", "DATABASE_URL", "SECRET_KEY"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cutflow.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="cutflow.example.com",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        BEHIND_TLS_PROXY="1",
        CUTFLOW_VAR_DIR=str(tmp_path),
        **extra,
    )
    return env


def run_manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "security.W" not in output
    assert "System check identified no issues" in output


def test_production_cookies_are_secure_and_hsts_is_on(tmp_path):
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_HTTPONLY",
        "X_FRAME_OPTIONS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "DEBUG",
    ]
    fields = ", ".join(f"{name!r}: settings.{name}" for name in names)
    code = f"from django.conf import settings; import json; print(json.dumps({{{fields}}}))"
    result = run_manage(production_env(tmp_path), "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "DEBUG": False,
    }


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


# --- Served media ---------------------------------------------------------------------------


def fetch(client, path: str):
    response = client.get(f"{settings.MEDIA_URL}{path}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_an_uploaded_image_is_served_inline_as_an_image(owner_client, client, project):
    asset = make_asset(project=project, handle="Seohee")
    variation = asset.variations.get()
    response = owner_client.post(
        reverse("characters:image_upload", args=[project.pk, variation.pk]),
        {"file": upload("face.png", png_bytes((400, 400)))},
        **htmx(),
    )
    assert response.status_code == 200
    image = VariationImage.objects.filter(variation=variation).latest("pk")
    for name in (image.image.name, image.thumbnail.name):
        response, body = fetch(client, name)
        assert response.status_code == 200
        assert response["Content-Type"] in ("image/jpeg", "image/png", "image/webp")
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert body == default_storage.open(name).read()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("exports/abcdefghijklmnopqrstuvwx/progress.json", b'{"status": "ready"}'),
        ("exports/abcdefghijklmnopqrstuvwx/Cafe story.zip", b"PK\x05\x06" + b"\0" * 18),
        ("exports/abcdefghijklmnopqrstuvwx/Cafe story.pdf", b"%PDF-1.4\n%%EOF\n"),
        ("stray/page.html", b"<html><script>alert(document.cookie)</script></html>"),
        ("stray/drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script>'),
        ("stray/no-extension", b"<script>alert(1)</script>"),
    ],
    ids=["progress-json", "zip-export", "pdf-export", "html", "svg", "no-extension"],
)
def test_any_other_stored_file_is_only_ever_downloaded(client, name, content):
    stored = default_storage.save(name, ContentFile(content))
    response, body = fetch(client, stored)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]
    assert body == content


def test_media_outside_the_media_folder_is_not_served(tmp_path):
    (tmp_path / "secret.txt").write_text("not for you")
    client = Client(raise_request_exception=False)
    response = client.get(f"{settings.MEDIA_URL}../secret.txt")
    assert response.status_code == 400
    assert b"not for you" not in response.content
    assert client.get(f"{settings.MEDIA_URL}missing.png").status_code == 404


def test_a_takes_video_is_served_inline_for_the_player_and_stays_inert(client):
    clip = mp4_clip(1)
    stored = default_storage.save("takes/abcdefghijklmnopqrstuvwx.mp4", ContentFile(clip))

    response, body = fetch(client, stored)

    assert response["Content-Type"] == "video/mp4"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "media-src 'self'" in response["Content-Security-Policy"]
    assert body == clip
