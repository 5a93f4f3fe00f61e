import getpass
import io
import secrets
import sys
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from characters.models import Asset, Variation, VariationImage
from credits.models import CreditTransaction
from credits.services import grant_credits
from cutflow.files import stored_image
from cutflow.images import ingest_image
from keyframes import demo_art
from projects.models import Cut, Project

DEMO_EMAIL = "demo@cutflow.local"
DEMO_PASSWORD = "cutflow-demo"
# DEMO_PASSWORD hashed once, with Django's default hasher: hashing costs a third of a second of
# CPU on every first start. The password is published, so its hash reveals nothing; if Django
# raises its work factor, the first sign-in stores a fresh hash.
DEMO_PASSWORD_HASH = (
    "pbkdf2_sha256$1000000$aDH8seZHx3vVrxB6InUcfU$DOeOLRt9o3MtJvUfhh1n75+1wI7XktEWnf/Fzea6iK4="
)
DEMO_TITLE = "Rainy Day at Cafe Lune"
DEMO_CREDITS = 500


@dataclass(frozen=True)
class DemoAsset:
    kind: str
    handle: str
    name: str
    description: str
    # Each variation: its name, its description and the keyword arguments of its picture.
    variations: tuple[tuple[str, str, dict], ...]


def character(handle, description, *, skin, hair, outfits) -> DemoAsset:
    """A character drawn in each outfit: (variation name, description, outfit, accent)."""
    variations = tuple(
        (name, text, dict(skin=skin, hair=hair, outfit=outfit, accent=accent))
        for name, text, outfit, accent in outfits
    )
    return DemoAsset(Asset.Kind.CHARACTER, handle, handle, description, variations)


def location(handle, name, description, *, variation, text, **colours) -> DemoAsset:
    return DemoAsset(Asset.Kind.LOCATION, handle, name, description, ((variation, text, colours),))


ASSETS = [
    character(
        "Seohee",
        "A woman in her twenties with a short black bob and round glasses.",
        skin=(241, 214, 189),
        hair=(30, 28, 32),
        outfits=[
            ("Casual", "Cream knit sweater and denim", (236, 224, 200), (200, 90, 60)),
            ("Raincoat", "Yellow raincoat, hood down", (246, 196, 48), (60, 60, 70)),
        ],
    ),
    character(
        "Jake",
        "A tall barista in his thirties with curly brown hair and a trimmed beard.",
        skin=(224, 180, 150),
        hair=(96, 62, 38),
        outfits=[
            ("Apron", "Dark green apron over a white shirt", (40, 92, 66), (240, 240, 240)),
            ("Off duty", "Grey hoodie and a beanie", (128, 132, 140), (220, 80, 80)),
        ],
    ),
    location(
        "Cafe",
        "Cafe Lune",
        "A small corner cafe with tall windows, warm wood and hanging plants.",
        variation="Afternoon",
        text="Soft daylight through the windows",
        sky=(186, 214, 236),
        ground=(150, 110, 80),
        accent=(120, 80, 50),
    ),
    location(
        "Street",
        "Rainy street",
        "A narrow street of shops with wet pavement reflecting signs.",
        variation="Night",
        text="Neon signs and rain at night",
        sky=(22, 28, 60),
        ground=(40, 44, 60),
        accent=(70, 60, 90),
        night=True,
    ),
]
PICTURES = {
    Asset.Kind.CHARACTER: demo_art.character_sheet,
    Asset.Kind.LOCATION: demo_art.location_image,
}
SCRIPTS = [
    "Rain streaks the windows of @Cafe. @Seohee hurries in from @Street, shaking out her umbrella.",
    "@Jake looks up from the espresso machine and smiles at @Seohee.",
    "@Seohee is sitting by the warm window of @Cafe, cradling a coffee cup in both hands.",
    "Close on @Seohee's face as she reads a note tucked under the saucer.",
    "@Jake and @Seohee laugh together at the counter while the rain eases.",
    "@Seohee steps back out onto @Street; the neon signs reflect in the puddles.",
]


def password_hash(password: str) -> str:
    preferred = get_hasher().algorithm  # the shipped hash only if the site hashes that way
    if password == DEMO_PASSWORD and DEMO_PASSWORD_HASH.startswith(f"{preferred}$"):
        return DEMO_PASSWORD_HASH
    return make_password(password)


class Command(BaseCommand):
    help = "Creates the demo account and its storyboard (running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run with DEBUG=0 too; asks for the demo password (or makes one up).",
        )

    def handle(self, *args, **options):
        password = DEMO_PASSWORD
        if not settings.DEBUG:
            if not options["allow_production"]:
                raise CommandError(
                    "DEBUG is off: this looks like a production site, and the demo account's "
                    "published password would let anyone in. Run with --allow-production to "
                    "create it with a password of its own."
                )
            password = self.production_password()
        user, created = self.demo_user(password)
        project = Project.objects.filter(owner=user, title=DEMO_TITLE).first()
        if project is None:
            with transaction.atomic():
                project = self.build_project(user)
        if created or settings.DEBUG:
            self.stdout.write(f"Demo account: {DEMO_EMAIL} / password: {password}")
        else:
            self.stdout.write(f"Demo account: {DEMO_EMAIL} (its password is unchanged)")
        self.stdout.write(f"Demo project id: {project.pk}")
        if not created:
            self.stdout.write("The demo data was already there; nothing changed.")

    def production_password(self) -> str:
        if sys.stdin.isatty():
            typed = getpass.getpass("Password for the demo account (empty: make one up): ")
            if typed:
                return typed
        return secrets.token_urlsafe(12)

    def demo_user(self, password: str):
        users = get_user_model().objects
        user = users.filter(email=DEMO_EMAIL).first()
        if user is not None:
            return user, False
        with transaction.atomic():
            user = users.create_user(username=DEMO_EMAIL, email=DEMO_EMAIL, password=None)
            user.password = password_hash(password)
            user.save(update_fields=["password"])
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=user, email=DEMO_EMAIL, primary=True, verified=True)
            if not CreditTransaction.objects.filter(external_reference="demo:grant").exists():
                grant_credits(
                    user=user,
                    amount=DEMO_CREDITS,
                    memo="Demo credits",
                    external_reference="demo:grant",
                )
        return user, True

    def build_project(self, user) -> Project:
        project = Project.objects.create(
            owner=user,
            title=DEMO_TITLE,
            aspect_ratio="16:9",
            quality_preset="standard",
            default_model="local-draft",
        )
        for spec in ASSETS:
            self.add_asset(project, spec)
        for position, script in enumerate(SCRIPTS):
            Cut.objects.create(project=project, position=position, script=script)
        return project

    def add_asset(self, project, spec: DemoAsset):
        asset = Asset.objects.create(
            project=project,
            kind=spec.kind,
            handle=spec.handle,
            name=spec.name,
            description=spec.description,
        )
        for name, description, picture in spec.variations:
            variation = Variation.objects.create(asset=asset, name=name, description=description)
            art = PICTURES[spec.kind](name=f"{spec.name} · {name}", **picture)
            image = VariationImage(variation=variation, is_primary=True)
            with stored_image(image, ingest_image(io.BytesIO(art))):
                image.save()
            if asset.default_variation_id is None:
                asset.default_variation = variation
                asset.save(update_fields=["default_variation"])
