import getpass
import io
import secrets
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
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
DEMO_TITLE = "Rainy Day at Cafe Lune"
DEMO_CREDITS = 500

CHARACTERS = [
    {
        "handle": "Seohee",
        "name": "Seohee",
        "description": "A woman in her twenties with a short black bob and round glasses.",
        "variations": [
            (
                "Casual",
                "Cream knit sweater and denim",
                dict(
                    skin=(241, 214, 189),
                    hair=(30, 28, 32),
                    outfit=(236, 224, 200),
                    accent=(200, 90, 60),
                ),
            ),
            (
                "Raincoat",
                "Yellow raincoat, hood down",
                dict(
                    skin=(241, 214, 189),
                    hair=(30, 28, 32),
                    outfit=(246, 196, 48),
                    accent=(60, 60, 70),
                ),
            ),
        ],
    },
    {
        "handle": "Jake",
        "name": "Jake",
        "description": "A tall barista in his thirties with curly brown hair and a trimmed beard.",
        "variations": [
            (
                "Apron",
                "Dark green apron over a white shirt",
                dict(
                    skin=(224, 180, 150),
                    hair=(96, 62, 38),
                    outfit=(40, 92, 66),
                    accent=(240, 240, 240),
                ),
            ),
            (
                "Off duty",
                "Grey hoodie and a beanie",
                dict(
                    skin=(224, 180, 150),
                    hair=(96, 62, 38),
                    outfit=(128, 132, 140),
                    accent=(220, 80, 80),
                ),
            ),
        ],
    },
]
LOCATIONS = [
    {
        "handle": "Cafe",
        "name": "Cafe Lune",
        "description": "A small corner cafe with tall windows, warm wood and hanging plants.",
        "variations": [
            (
                "Afternoon",
                "Soft daylight through the windows",
                dict(sky=(186, 214, 236), ground=(150, 110, 80), accent=(120, 80, 50)),
            ),
        ],
    },
    {
        "handle": "Street",
        "name": "Rainy street",
        "description": "A narrow street of shops with wet pavement reflecting signs.",
        "variations": [
            (
                "Night",
                "Neon signs and rain at night",
                dict(sky=(22, 28, 60), ground=(40, 44, 60), accent=(70, 60, 90), night=True),
            ),
        ],
    },
]
SCRIPTS = [
    "Rain streaks the windows of @Cafe. @Seohee hurries in from @Street, shaking out her umbrella.",
    "@Jake looks up from the espresso machine and smiles at @Seohee.",
    "@Seohee is sitting by the warm window of @Cafe, cradling a coffee cup in both hands.",
    "Close on @Seohee's face as she reads a note tucked under the saucer.",
    "@Jake and @Seohee laugh together at the counter while the rain eases.",
    "@Seohee steps back out onto @Street; the neon signs reflect in the puddles.",
]


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
            user = users.create_user(username=DEMO_EMAIL, email=DEMO_EMAIL, password=password)
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
        for spec in CHARACTERS:
            self.add_asset(project, spec, Asset.Kind.CHARACTER, demo_art.character_sheet)
        for spec in LOCATIONS:
            self.add_asset(project, spec, Asset.Kind.LOCATION, demo_art.location_image)
        for position, script in enumerate(SCRIPTS):
            Cut.objects.create(project=project, position=position, script=script)
        return project

    def add_asset(self, project, spec, kind, draw):
        asset = Asset.objects.create(
            project=project,
            kind=kind,
            handle=spec["handle"],
            name=spec["name"],
            description=spec["description"],
        )
        for name, description, colours in spec["variations"]:
            variation = Variation.objects.create(asset=asset, name=name, description=description)
            art = draw(name=f"{spec['name']} · {name}", **colours)
            image = VariationImage(variation=variation, is_primary=True)
            with stored_image(image, ingest_image(io.BytesIO(art))):
                image.save()
            if asset.default_variation_id is None:
                asset.default_variation = variation
                asset.save(update_fields=["default_variation"])
