from django.core.management.base import BaseCommand, CommandError

from credits.ledger_checks import ledger_problems
from credits.models import CreditAccount
from credits.services import ledger_mismatches


class Command(BaseCommand):
    help = (
        "Checks that every credit balance equals the sum of its ledger, every charge belongs "
        "to a job and every job's figures match its ledger rows; exits 1 if not."
    )

    def handle(self, *args, **options):
        mismatches = ledger_mismatches()
        for account, ledger_sum in mismatches:
            self.stdout.write(
                f"account {account.pk} ({account.user}): balance {account.balance}, "
                f"ledger sum {ledger_sum}, difference {account.balance - ledger_sum:+d}"
            )
        problems = ledger_problems()
        for problem in problems:
            self.stdout.write(problem)
        failures = []
        if mismatches:
            failures.append(f"{len(mismatches)} account(s) differ from their ledger.")
        if problems:
            failures.append(f"{len(problems)} charge(s) or job(s) disagree with the ledger.")
        if failures:
            raise CommandError(" ".join(failures), returncode=1)
        count = CreditAccount.objects.count()
        self.stdout.write(f"OK: all {count} credit accounts match their ledger.")
