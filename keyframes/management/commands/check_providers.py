from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from keyframes.provider_checks import check_providers


class Command(BaseCommand):
    help = (
        "Check every model's route against the providers' saved input schemas (exit 1 on an "
        "unknown field, enum value or model id). --live also asks the providers themselves."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--live", action="store_true", help="Ask Replicate, fal and Gemini too."
        )
        parser.add_argument(
            "--contracts",
            type=Path,
            default=Path(settings.BASE_DIR) / "tests" / "contracts",
            help="Folder of saved provider contracts (default: tests/contracts).",
        )

    def handle(self, *args, live, contracts, **options):
        check = check_providers(contracts_dir=contracts, live=live)
        for problem in check.problems:
            self.stdout.write(f"- {problem}")
        if not check.ok:
            raise CommandError(f"{len(check.problems)} provider problem(s) found.")
        self.stdout.write(self.style.SUCCESS("Every route matches its provider's schema."))
