"""The credit ledger: every change of a balance is one conditional UPDATE plus one ledger row."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from credits.models import CreditAccount, CreditTransaction


class InsufficientCredits(ValidationError):
    def __init__(self, *, needed: int, balance: int):
        self.needed = needed
        self.balance = balance
        super().__init__(
            f"This needs {needed} credits and you have {balance}. Buy more credits to continue.",
            code="insufficient_credits",
        )


def get_account(*, user) -> CreditAccount:
    account, _ = CreditAccount.objects.get_or_create(user=user)
    return account


# Read for the credit badge of nearly every page, so it is one plain statement: the ORM took
# three times as long to build the query as the database took to answer it.
BALANCE_SQL = f"SELECT balance FROM {CreditAccount._meta.db_table} WHERE user_id = %s"


def balance_of(*, user) -> int:
    with connection.cursor() as cursor:
        cursor.execute(BALANCE_SQL, [user.pk])
        row = cursor.fetchone()
    return row[0] if row else 0


def _apply(*, account_id: int, amount: int, **row) -> CreditTransaction:
    """Moves the balance and writes the ledger row in the caller's transaction.

    The UPDATE takes the account's row lock and keeps it until the transaction ends. On
    PostgreSQL a blocked UPDATE re-checks `balance >= amount` against the row as committed by
    the writer before it, so concurrent spends can never take the balance below zero, and the
    balance read back under the lock is the one this change produced.
    """
    with transaction.atomic():
        accounts = CreditAccount.objects.filter(pk=account_id)
        if amount < 0:
            accounts = accounts.filter(balance__gte=-amount)
        if not accounts.update(balance=F("balance") + amount):
            balance = CreditAccount.objects.get(pk=account_id).balance
            raise InsufficientCredits(needed=-amount, balance=balance)
        balance_after = CreditAccount.objects.values_list("balance", flat=True).get(pk=account_id)
        return CreditTransaction.objects.create(
            account_id=account_id, amount=amount, balance_after=balance_after, **row
        )


def spend_credits(*, user, job, amount: int) -> CreditTransaction | None:
    """Charges a job before it runs. Call inside the job's creation transaction."""
    if amount <= 0:
        return None
    account = get_account(user=user)
    with transaction.atomic():
        return _apply(
            account_id=account.pk,
            amount=-amount,
            kind=CreditTransaction.Kind.CHARGE,
            job=job,
            memo=f"{job.model_key} × {job.count}",
        )


def refund_candidate(*, job, slot: int, amount: int, reason: str = "") -> bool:
    """Returns one failed image's credits. Idempotent: a second call for the same slot
    adds nothing and returns False."""
    if amount <= 0:
        return False
    account = get_account(user=job.user)
    with transaction.atomic():
        # The account's row lock serialises refunds (callers that lock the job first keep
        # that order), so the check below sees every earlier refund of this slot.
        CreditAccount.objects.select_for_update().filter(pk=account.pk).first()
        already = CreditTransaction.objects.filter(
            job=job, candidate_slot=slot, kind=CreditTransaction.Kind.REFUND
        ).exists()
        if already:
            return False
        _apply(
            account_id=account.pk,
            amount=amount,
            kind=CreditTransaction.Kind.REFUND,
            job=job,
            candidate_slot=slot,
            memo=(reason or f"Image {slot + 1} failed")[:300],
        )
    return True


def grant_credits(*, user, amount: int, memo: str, external_reference: str | None = None):
    account = get_account(user=user)
    return _apply(
        account_id=account.pk,
        amount=amount,
        kind=CreditTransaction.Kind.GRANT,
        memo=memo,
        external_reference=external_reference,
    )


def grant_signup_credits(*, user) -> None:
    if settings.SIGNUP_GRANT_CREDITS > 0:
        grant_credits(
            user=user,
            amount=settings.SIGNUP_GRANT_CREDITS,
            memo="Welcome credits",
            external_reference=f"signup:{user.pk}",
        )


def adjust_credits(*, user, amount: int, memo: str, staff_user) -> CreditTransaction:
    """A support adjustment: always a ledger row with a memo, never a direct balance edit."""
    if not memo.strip():
        raise ValidationError({"memo": "Say why the balance changes; the memo is required."})
    if amount == 0:
        raise ValidationError({"amount": "An adjustment of zero changes nothing."})
    account = get_account(user=user)
    with transaction.atomic():
        return _apply(
            account_id=account.pk,
            amount=amount,
            kind=CreditTransaction.Kind.ADJUSTMENT,
            memo=memo.strip(),
            created_by=staff_user,
        )


def credit_purchase(*, user, credits: int, external_reference: str, memo: str) -> bool:
    """Adds purchased credits once per external reference (a Stripe Checkout session).
    Returns False when that reference was already credited."""
    if credits <= 0:
        raise ValueError("a purchase adds a positive number of credits")
    account = get_account(user=user)
    with transaction.atomic():
        # Two deliveries of one payment serialise on the account; the second sees the first.
        CreditAccount.objects.select_for_update().filter(pk=account.pk).first()
        if CreditTransaction.objects.filter(external_reference=external_reference).exists():
            return False
        _apply(
            account_id=account.pk,
            amount=credits,
            kind=CreditTransaction.Kind.PURCHASE,
            external_reference=external_reference,
            memo=memo,
        )
    return True


def ledger_mismatches() -> list[tuple[CreditAccount, int]]:
    """Accounts whose balance differs from the sum of their ledger, with that sum.

    One statement, so a live database is compared at a single snapshot.
    """
    accounts = (
        CreditAccount.objects.select_related("user")
        .annotate(ledger_sum=Coalesce(Sum("ledger__amount"), 0))
        .exclude(balance=F("ledger_sum"))
        .order_by("pk")
    )
    return [(account, account.ledger_sum) for account in accounts]
