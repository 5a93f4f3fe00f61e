"""What `check_ledger` checks. Credits knows only its own rows; an app whose records the
ledger points at (the generation jobs) registers a check of its own side here."""

from collections.abc import Callable

from credits.models import CreditTransaction

LedgerCheck = Callable[[], list[str]]

_registered: list[LedgerCheck] = []


def register_ledger_check(check: LedgerCheck) -> None:
    if check not in _registered:
        _registered.append(check)


def orphaned_charges() -> list[CreditTransaction]:
    """Charges that belong to no job: nothing can run or refund them. A job outlives its
    cut, so a charge loses its job only if the job was removed behind the app's back."""
    return list(
        CreditTransaction.objects.filter(kind=CreditTransaction.Kind.CHARGE, job__isnull=True)
        .select_related("account__user")
        .order_by("pk")
    )


def describe_orphan(charge: CreditTransaction) -> str:
    return (
        f"charge {charge.pk} of account {charge.account_id} ({charge.account.user}): "
        f"{charge.amount:+d} on {charge.created_at:%Y-%m-%d %H:%M} belongs to no job "
        "(nothing can refund it)"
    )


def ledger_problems() -> list[str]:
    """Every problem besides a balance that differs from its ledger, one line each."""
    problems = [describe_orphan(charge) for charge in orphaned_charges()]
    for check in _registered:
        problems += check()
    return problems
