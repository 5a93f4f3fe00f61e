"""The takes the animatic plays: each cut's representative take, once its video is ready."""

from keyframes.models import Take


def representative_take_videos(*, cut_ids: list[int]) -> dict[int, str]:
    """{cut id: stored name of its representative take's video} for the cuts that have one."""
    takes = Take.objects.filter(
        cut_id__in=cut_ids, is_representative=True, status=Take.Status.SUCCEEDED
    ).exclude(video="")
    return dict(takes.values_list("cut_id", "video"))
