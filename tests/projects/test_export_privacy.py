"""Exports are private and short-lived: only the signed-in owner downloads one, no media URL
reaches them, they expire, and one project runs one export per format at a time."""

import io
import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from projects import export, export_jobs, tasks
from projects.export_files import export_storage, remove_expired_exports
from tests.factories import make_cut

pytestmark = pytest.mark.django_db


def finished_export(project, format_key="csv"):
    make_cut(project=project, script="=HYPERLINK(1)")
    export_format = export.get_format(format_key)
    status = export_jobs.start_export(project=project, export_format=export_format)
    tasks.run_export(project.pk, format_key, status.token)
    return export_jobs.read_status(project=project, token=status.token)


def test_an_export_url_without_the_session_gives_no_file(project):
    status = finished_export(project)
    anonymous = Client()

    for name in ("projects:export_status", "projects:export_result"):
        response = anonymous.get(reverse(name, args=[project.pk, status.token]))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login")
    # Nor is the file anywhere a media URL serves.
    assert export_storage().exists(status.stored_name)
    assert anonymous.get(f"{settings.MEDIA_URL}{status.stored_name}").status_code == 404
    assert not (settings.MEDIA_ROOT / status.stored_name).exists()


def test_the_owner_still_downloads_it(owner_client, project):
    status = finished_export(project)

    response = owner_client.get(reverse("projects:export_result", args=[project.pk, status.token]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"cut,status,")


def age(project, status, *, seconds: float) -> None:
    name = export_jobs.progress_file(project, status.token)
    with export_storage().open(name) as stored:
        progress = json.load(stored)
    progress["updated_at"] -= seconds
    export_storage().delete(name)
    export_storage().save(name, io.BytesIO(json.dumps(progress).encode()))


def test_an_expired_export_is_refused_and_removed_by_the_cleanup(owner_client, project, settings):
    settings.EXPORT_EXPIRY_SECONDS = 3600
    old, fresh = finished_export(project, "csv"), finished_export(project, "zip")
    age(project, old, seconds=3601)

    for name in ("projects:export_status", "projects:export_result"):
        assert owner_client.get(reverse(name, args=[project.pk, old.token])).status_code == 404
    assert remove_expired_exports() == 1

    assert not export_storage().exists(old.stored_name)
    assert sorted(export_jobs.stored_export_files(project)) == sorted(
        [fresh.stored_name, export_jobs.progress_file(project, fresh.token)]
    )
    result = reverse("projects:export_result", args=[project.pk, fresh.token])
    assert owner_client.get(result).status_code == 200


def test_one_running_export_per_project_and_format(project):
    make_cut(project=project)
    pdf, zip_format = export.get_format("pdf"), export.get_format("zip")

    first = export_jobs.start_export(project=project, export_format=pdf)
    again = export_jobs.start_export(project=project, export_format=pdf)
    other = export_jobs.start_export(project=project, export_format=zip_format)
    tasks.run_export(project.pk, "pdf", first.token)
    after = export_jobs.start_export(project=project, export_format=pdf)

    assert again.token == first.token and other.token != first.token
    assert after.token != first.token  # the first one finished: a new one may start
