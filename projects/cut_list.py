"""The storyboard's left column: cuts in order, numbered, with any generation progress."""

from django.db.models import Count, Q

from projects.models import Cut, Project


def cut_list_context(project: Project, cut: Cut | None) -> dict:
    from keyframes.flights import cut_progress

    cuts = list(project.cuts.select_related("representative"))
    progress = cut_progress(cuts=cuts)
    for number, each in enumerate(cuts, start=1):
        number_item(each, number=number, total=len(cuts), progress=progress.get(each.pk))
        if cut is not None and each.pk == cut.pk:
            cut.display_number = number
    return {"project": project, "cuts": cuts, "cut": cut}


def cut_item_context(cut: Cut) -> dict:
    """One cut's entry of the list, for swapping just that entry (constant cost, however
    long the storyboard is)."""
    from keyframes.flights import cut_progress

    earlier = Q(position__lt=cut.position) | Q(position=cut.position, pk__lt=cut.pk)
    counts = cut.project.cuts.aggregate(total=Count("pk"), before=Count("pk", filter=earlier))
    number_item(cut, number=counts["before"] + 1, total=counts["total"], progress=None)
    cut.progress = cut_progress(cuts=[cut]).get(cut.pk)
    return {"project": cut.project, "cut": cut, "item": cut}


def number_item(cut: Cut, *, number: int, total: int, progress) -> None:
    cut.display_number = number
    cut.is_first = number == 1
    cut.is_last = number == total
    cut.progress = progress
