import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from characters.models import Asset, VariationImage
from keyframes.management.commands.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_PASSWORD_HASH
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def development(settings):
    settings.DEBUG = True


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


def test_demo_refuses_a_production_site_without_the_flag(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        call_command("demo")

    assert not get_user_model().objects.exists() and not Project.objects.exists()


def test_demo_on_production_gets_a_password_of_its_own(settings, capsys):
    settings.DEBUG = False

    call_command("demo", allow_production=True)

    output = capsys.readouterr().out
    password = output.split("password: ", 1)[1].split()[0]
    user = get_user_model().objects.get(email=DEMO_EMAIL)
    assert password != DEMO_PASSWORD and len(password) >= 16
    assert user.check_password(password) and not user.check_password(DEMO_PASSWORD)


def test_the_demo_account_signs_in_with_the_published_password_on_the_default_hashers(
    client, settings
):
    """The shipped hash stands in for hashing the published password at every first start."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    call_command("demo")

    response = client.post(
        reverse("account_login"), {"login": DEMO_EMAIL, "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("projects:list")
    assert get_user_model().objects.get(email=DEMO_EMAIL).password == DEMO_PASSWORD_HASH


def test_a_site_hashing_otherwise_gets_the_demo_password_hashed_its_own_way():
    call_command("demo")  # the suite hashes with MD5 only

    user = get_user_model().objects.get(email=DEMO_EMAIL)
    assert user.password.startswith("md5$") and user.check_password(DEMO_PASSWORD)
