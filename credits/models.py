from django.conf import settings
from django.db import models
from django.db.models import Q


class CreditAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_account"
    )
    balance = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="credit_balance_not_negative")
        ]

    def __str__(self):
        return f"{self.user.email or self.user} · {self.balance} credits"

    @property
    def is_low(self) -> bool:
        return self.balance < settings.LOW_BALANCE_THRESHOLD


class CreditTransaction(models.Model):
    """One append-only ledger row. An account's balance is always the sum of its rows."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", "Purchase"
        GRANT = "grant", "Grant"
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"
        ADJUSTMENT = "adjustment", "Adjustment"

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.IntegerField(help_text="Positive adds credits, negative spends them.")
    balance_after = models.IntegerField()
    job = models.ForeignKey(
        "keyframes.GenerationJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger_rows",
    )
    candidate_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    external_reference = models.CharField(max_length=255, null=True, blank=True)
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_reference"],
                condition=Q(external_reference__isnull=False),
                name="ledger_external_reference_once",
            ),
            models.UniqueConstraint(
                fields=["job", "candidate_slot"],
                condition=Q(kind="refund"),
                name="ledger_one_refund_per_candidate",
            ),
            models.UniqueConstraint(
                fields=["job"], condition=Q(kind="charge"), name="ledger_one_charge_per_job"
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_balance_after_ok"
            ),
        ]
        indexes = [models.Index(fields=["account", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:+d}"
