"""What each cut has cost so far: its jobs' charges less their refunds."""

from django.db.models import F, Sum

from keyframes.models import GenerationJob


def credits_spent(*, cut_ids: list[int]) -> dict[int, int]:
    rows = (
        GenerationJob.objects.filter(cut_id__in=cut_ids)
        .values("cut_id")
        .annotate(spent=Sum(F("credits_charged") - F("credits_refunded")))
    )
    return {row["cut_id"]: row["spent"] or 0 for row in rows}
