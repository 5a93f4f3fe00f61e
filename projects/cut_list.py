"""The storyboard's left column: cuts in order, numbered, with any generation progress.

Each entry is cached under a version made of what it shows, so a long storyboard renders
only the entries that changed since the last page (a poll or a move re-renders one or two).
"""

from dataclasses import dataclass

from django.template.loader import get_template

from cutflow.fragments import cached_fragments, cached_joined_fragments
from projects.models import Cut, Project

ENTRY_TEMPLATE = "projects/cut_entry.html"
# The cut's own columns an entry shows; read as plain rows to find each entry's version.
ENTRY_FIELDS = ("pk", "status", "representative_id", "shot_size", "script")


@dataclass(frozen=True)
class EntryPlace:
    """Where an entry sits and what surrounds it: everything it shows beyond the cut."""

    number: int
    total: int
    progress: object  # keyframes.flights.CutProgress | None
    selected: bool
    swap_oob: bool = False

    def version(self, project: Project, fields: tuple) -> tuple:
        # Plain values only: this runs for every entry of every page view.
        progress = self.progress
        figures = (progress.arrived, progress.failed, progress.total) if progress else None
        place = (self.number, self.total, figures, self.selected, self.swap_oob)
        return (project.pk, project.aspect_ratio, fields, place)


def cut_list_context(project: Project, cut: Cut | None) -> dict:
    from keyframes.flights import cut_progress

    rows = list(project.cuts.values_list(*ENTRY_FIELDS))
    generating = [row[0] for row in rows if row[1] == Cut.Status.GENERATING]
    progress = cut_progress(cuts=generating) if generating else {}
    selected_id = cut.pk if cut is not None else None
    entries = {
        row[0]: (
            EntryPlace(
                number=number,
                total=len(rows),
                progress=progress.get(row[0]),
                selected=row[0] == selected_id,
            ),
            normalized(row),
        )
        for number, row in enumerate(rows, start=1)
    }
    if selected_id in entries:
        cut.display_number = entries[selected_id][0].number
    return {
        "project": project,
        "cut": cut,
        "cut_entries": cached_entries(project, entries, joined=True),
        "any_generating": bool(generating),
    }


def cut_entry_html(cut: Cut, *, progress, selected: bool = True, swap_oob: bool = True) -> str:
    """One cut's entry of the list, for swapping just that entry. ``cut`` must come with its
    project and representative; ``progress`` is its keyframes.flights.CutProgress or None."""
    cut_ids = list(cut.project.cuts.values_list("pk", flat=True))
    place = EntryPlace(
        number=cut_ids.index(cut.pk) + 1,
        total=len(cut_ids),
        progress=progress,
        selected=selected,
        swap_oob=swap_oob,
    )
    cut.display_number = place.number
    entries = cached_entries(
        cut.project, {cut.pk: (place, entry_fields(cut))}, loaded={cut.pk: cut}
    )
    return entries.get(cut.pk, "")


def entry_fields(cut: Cut) -> tuple:
    return normalized(getattr(cut, name) for name in ENTRY_FIELDS)


def normalized(values) -> tuple:
    """Plain strings, so a row read with ``values_list`` and a loaded cut (whose status
    may be a ``Cut.Status`` member) give the same version."""
    return tuple(str(value) for value in values)


def cached_entries(
    project: Project, entries: dict, loaded: dict | None = None, joined: bool = False
):
    """The HTML of each entry, by cut id, or of all of them in order when ``joined``.
    ``entries`` maps a cut id to its place and its ENTRY_FIELDS row; entries not cached
    are rendered from ``loaded`` cuts, or from the database when not loaded."""
    places = {cut_id: place for cut_id, (place, _) in entries.items()}

    def render_missing(cut_ids: list[int]) -> dict:
        cuts = [loaded[cut_id] for cut_id in cut_ids] if loaded else load_cuts(project, cut_ids)
        return {each.pk: render_entry(project, each, places[each.pk]) for each in cuts}

    versions = {cut_id: place.version(project, row) for cut_id, (place, row) in entries.items()}
    if joined:
        return cached_joined_fragments("cut-entry", versions, render_missing)
    return cached_fragments("cut-entry", versions, render_missing)


def load_cuts(project: Project, cut_ids: list[int]) -> list[Cut]:
    return list(project.cuts.filter(pk__in=cut_ids).select_related("representative"))


def render_entry(project: Project, cut: Cut, place: EntryPlace) -> tuple[tuple, str]:
    """The entry's HTML and the version it shows (read from ``cut`` itself, which may be
    newer than the row the version was first computed from)."""
    context = {"project": project, "item": cut, "place": place}
    return place.version(project, entry_fields(cut)), get_template(ENTRY_TEMPLATE).render(context)
