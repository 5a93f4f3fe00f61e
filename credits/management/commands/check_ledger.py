from django.core.management.base import BaseCommand, CommandError

from credits.models import CreditAccount
from credits.services import ledger_mismatches


class Command(BaseCommand):
    help = "Checks that every credit balance equals the sum of its ledger; exits 1 if not."

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        for account, ledger_sum in mismatches:
            self.stdout.write(
                f"account {account.pk} ({account.user}): balance {account.balance}, "
                f"ledger sum {ledger_sum}, difference {account.balance - ledger_sum:+d}"
            )
        if mismatches:
            raise CommandError(
                f"{len(mismatches)} account(s) differ from their ledger.", returncode=1
            )
        count = CreditAccount.objects.count()
        self.stdout.write(f"OK: all {count} credit accounts match their ledger.")
