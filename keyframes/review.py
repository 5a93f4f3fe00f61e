"""Review mode: the cuts whose latest images wait for a pick, each with that latest set.

A cut needs a pick when it has keyframes and no representative, or when keyframes arrived
after its representative did. Three queries whatever the number of cuts: the cuts with their
representatives, the latest sets, and the face-match scores of both.
"""

from dataclasses import dataclass, field

from django.db.models import prefetch_related_objects

from keyframes.models import Keyframe
from projects.models import Cut, Project

SET_SIZE = 4


@dataclass
class ReviewCut:
    cut: Cut
    number: int
    latest: list[Keyframe] = field(default_factory=list)

    @property
    def needs_pick(self) -> bool:
        if not self.latest:
            return False
        representative = self.cut.representative
        if representative is None:
            return True
        return max(each.created_at for each in self.latest) > representative.created_at

    @property
    def representative_elsewhere(self) -> Keyframe | None:
        """The representative when it is not in the set shown, so its scores are shown apart."""
        representative = self.cut.representative
        if representative is None or any(each.pk == representative.pk for each in self.latest):
            return None
        return representative


def review_cuts(project: Project, *, needs_pick_only: bool) -> list[ReviewCut]:
    cuts = list(project.cuts.select_related("representative"))
    entries = {cut.pk: ReviewCut(cut, number) for number, cut in enumerate(cuts, start=1)}
    for cut_id, keyframes in latest_sets(list(entries)).items():
        entries[cut_id].latest = keyframes
    for entry in entries.values():
        entry.cut.display_number = entry.number
    chosen = [entry for entry in entries.values() if entry.latest]
    with_face_scores(chosen)
    return [entry for entry in chosen if entry.needs_pick] if needs_pick_only else chosen


def project_has_images(project: Project) -> bool:
    return Keyframe.objects.filter(cut__project=project).exists()


def latest_sets(cut_ids: list[int]) -> dict[int, list[Keyframe]]:
    """Each cut's newest keyframes that share the newest one's job (an upload stands alone),
    in slot order."""
    sets: dict[int, list[Keyframe]] = {}
    newest_job: dict[int, int | None] = {}
    keyframes = Keyframe.objects.filter(cut_id__in=cut_ids).order_by("cut_id", "-created_at", "-id")
    for keyframe in keyframes.only(
        "id", "cut_id", "job_id", "slot", "image", "thumbnail", "created_at", "model_key", "seed"
    ):
        if keyframe.cut_id not in newest_job:
            newest_job[keyframe.cut_id] = keyframe.job_id
            sets[keyframe.cut_id] = [keyframe]
        elif keyframe.job_id is not None and keyframe.job_id == newest_job[keyframe.cut_id]:
            sets[keyframe.cut_id].append(keyframe)
    return {
        cut_id: sorted(found, key=lambda each: (each.slot or 0, each.pk))[:SET_SIZE]
        for cut_id, found in sets.items()
    }


def with_face_scores(entries: list[ReviewCut]) -> None:
    """Loads the face-match scores of every image shown and of each representative at once."""
    keyframes = [each for entry in entries for each in entry.latest]
    keyframes += [entry.cut.representative for entry in entries if entry.cut.representative]
    prefetch_related_objects(keyframes, "face_scores")


def review_entry(cut: Cut) -> ReviewCut:
    """One cut's entry, after a pick; ``cut`` comes with its project and representative."""
    number = list(cut.project.cuts.values_list("pk", flat=True)).index(cut.pk) + 1
    cut.display_number = number
    entry = ReviewCut(cut, number, latest_sets([cut.pk]).get(cut.pk, []))
    with_face_scores([entry])
    return entry
