import pytest
from django.core.management import call_command

from characters.models import Asset, VariationImage
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_demo_builds_a_project_and_running_it_again_changes_nothing(capsys):
    call_command("demo")
    output = capsys.readouterr().out
    project = Project.objects.get()
    assert f"Demo project id: {project.pk}" in output
    assert "demo@cutflow.local" in output
    counts = (
        Project.objects.count(),
        Asset.objects.count(),
        VariationImage.objects.count(),
        project.cuts.count(),
    )
    assert counts == (1, 4, 6, 6)
    assert Asset.objects.filter(kind="character").count() == 2
    for asset in Asset.objects.filter(kind="character"):
        assert asset.variations.count() == 2
        assert all(v.images.filter(is_primary=True).exists() for v in asset.variations.all())

    call_command("demo")
    assert "nothing changed" in capsys.readouterr().out
    again = (
        Project.objects.count(),
        Asset.objects.count(),
        VariationImage.objects.count(),
        project.cuts.count(),
    )
    assert again == counts


def test_every_demo_script_mentions_known_handles():
    from characters.mentions import find_mentions

    call_command("demo")
    project = Project.objects.get()
    handles = list(project.assets.values_list("handle", flat=True))
    for cut in project.cuts.all():
        mentions = find_mentions(cut.script, handles)
        assert mentions and all(m.known for m in mentions)
