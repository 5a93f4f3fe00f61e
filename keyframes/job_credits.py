"""A job's credits: the ledger rows (``credits``) and the job's own counters, kept together.

``credits`` knows nothing of jobs beyond the id its rows point at; the counters on the job
row are this app's, updated in the same transaction as the ledger row they mirror.
"""

from django.db import transaction
from django.db.models import F

from credits.models import CreditTransaction
from credits.services import refund_candidate, spend_credits
from keyframes.models import GenerationJob


def charge_job(*, user, job: GenerationJob, amount: int) -> CreditTransaction | None:
    """Charges a job before it runs. Call inside the job's creation transaction."""
    with transaction.atomic():
        charge = spend_credits(user=user, job=job, amount=amount)
        if charge is not None:
            # The job mirrors its charge: its CHECK keeps refunds at or below it.
            GenerationJob.objects.filter(pk=job.pk).update(credits_charged=amount)
            job.credits_charged = amount
    return charge


def refund_image(*, job: GenerationJob, slot: int, amount: int, reason: str = "") -> bool:
    """Returns one failed image's credits. Idempotent: a second call for the same slot
    adds nothing and returns False."""
    with transaction.atomic():
        # The job's row lock serialises refunds of one job (a worker that already holds it
        # keeps the same order), so the ledger's check sees every earlier refund.
        GenerationJob.objects.select_for_update().filter(pk=job.pk).first()
        refunded = refund_candidate(job=job, slot=slot, amount=amount, reason=reason)
        if refunded:
            GenerationJob.objects.filter(pk=job.pk).update(
                credits_refunded=F("credits_refunded") + amount
            )
    return refunded
