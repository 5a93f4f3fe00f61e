"""The generation jobs' side of `check_ledger`: each job's charged and refunded figures
agree with its ledger rows."""

from django.db.models import F, Q

from keyframes.models import GenerationJob


def jobs_off_their_ledger() -> list[str]:
    from keyframes.admin import with_refund_state  # the admin's annotation; loaded on call

    jobs = (
        with_refund_state(GenerationJob.objects.all())
        .filter(
            ~Q(credits_charged=-F("ledger_charged")) | ~Q(credits_refunded=F("ledger_refunded"))
        )
        .order_by("pk")
    )
    return [
        f"job {job.pk} of {job.user}: says charged {job.credits_charged}, refunded "
        f"{job.credits_refunded}; its ledger rows say charged {-job.ledger_charged}, "
        f"refunded {job.ledger_refunded}"
        for job in jobs
    ]
