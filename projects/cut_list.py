"""The storyboard's left column: cuts in order, numbered, with any generation progress.

Each entry is cached under a version made of what it shows, so a long storyboard renders
only the entries that changed since the last page (a poll or a move re-renders one or two).
"""

from dataclasses import astuple, dataclass

from django.db import connection
from django.template.loader import get_template
from django.utils.safestring import SafeString

from cutflow.fragments import cached_fragments, cached_joined_fragments
from projects.models import Cut, Project
from projects.signals import answers, cut_list_progress

ENTRY = "cut-entry"  # the cache's name for an entry
ENTRY_TEMPLATE = "projects/cut_entry.html"
# The cut's own columns an entry shows; read as plain rows to find each entry's version.
ENTRY_FIELDS = ("pk", "status", "representative_id", "shot_size", "script")
# Read on every view of the storyboard, one row per cut, so it is one plain statement: the
# ORM cost several times more than the database in building and converting 200 rows.
ENTRY_ROWS_SQL = f"""
    SELECT id, status, representative_id, shot_size, script
      FROM {Cut._meta.db_table}
     WHERE project_id = %s
     ORDER BY {", ".join(Cut._meta.ordering)}
"""


@dataclass(frozen=True)
class EntryPlace:
    """Where an entry sits and what surrounds it: everything it shows beyond the cut."""

    number: int
    total: int
    progress: object  # keyframes.flight_progress.CutProgress | None
    selected: bool
    oob: bool = False  # swapped in out of band, after an action on the open cut

    def version(self, project: Project, fields: tuple) -> tuple:
        figures = astuple(self.progress) if self.progress else None
        place = (self.number, self.total, figures, self.selected, self.oob)
        return (project.pk, project.aspect_ratio, fields, place)


def cut_list_context(project: Project, cut: Cut | None) -> dict:
    rows = entry_rows(project)
    cut_ids = [row[0] for row in rows]
    generating = [row[0] for row in rows if row[1] == Cut.Status.GENERATING]
    progress = generating_progress(generating)
    selected_id = cut.pk if cut is not None else None
    if selected_id in cut_ids:
        cut.display_number = cut_ids.index(selected_id) + 1

    def entries() -> dict:
        return {
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

    # Everything every entry shows, at once: the rows in order (numbers, first and last),
    # the progress of generating cuts and the open cut.
    figures = sorted((cut_id, astuple(each)) for cut_id, each in progress.items())
    whole = (project.pk, project.aspect_ratio, tuple(rows), tuple(figures), selected_id)
    return {
        "project": project,
        "cut": cut,
        "cut_entries": cached_list(project, whole, entries),
        "any_generating": bool(generating),
    }


def entry_rows(project: Project) -> list[tuple]:
    """Every cut's ENTRY_FIELDS, in storyboard order."""
    with connection.cursor() as cursor:
        cursor.execute(ENTRY_ROWS_SQL, [project.pk])
        return cursor.fetchall()


def generating_progress(cut_ids: list[int]) -> dict:
    """{cut id: progress} of the generating cuts, as keyframes reports it."""
    progress = {}
    if cut_ids:
        for answer in answers(cut_list_progress, cut_ids=cut_ids):
            progress |= answer
    return progress


def cut_entry_html(cut: Cut, *, progress) -> str:
    """The open cut's entry of the list, swapped in out of band after an action on it.
    ``cut`` must come with its project and representative; ``progress`` is its
    keyframes.flight_progress.CutProgress or None."""
    cut_ids = list(cut.project.cuts.values_list("pk", flat=True))
    place = EntryPlace(
        number=cut_ids.index(cut.pk) + 1,
        total=len(cut_ids),
        progress=progress,
        selected=True,
        oob=True,
    )
    cut.display_number = place.number
    project = cut.project
    html = cached_fragments(
        ENTRY,
        {cut.pk: place.version(project, entry_fields(cut))},
        lambda cut_ids: {cut.pk: render_entry(project, cut, place)},
    )
    return html.get(cut.pk, "")


def cached_list(project: Project, whole_version: tuple, entries) -> SafeString:
    """All entries in order. While none changes the list is one cached string; otherwise
    each entry is found or rendered on its own. ``entries()`` maps each cut id, in order,
    to its place and its ENTRY_FIELDS row; it is only called when the whole list is not
    cached."""
    known = {}

    def versions() -> dict:
        known.update(entries())
        return {cut_id: place.version(project, row) for cut_id, (place, row) in known.items()}

    def render_missing(cut_ids: list[int]) -> dict:
        cuts = load_cuts(project, cut_ids)
        return {each.pk: render_entry(project, each, known[each.pk][0]) for each in cuts}

    return cached_joined_fragments(ENTRY, whole_version, versions, render_missing)


def entry_fields(cut: Cut) -> tuple:
    return normalized(getattr(cut, name) for name in ENTRY_FIELDS)


def normalized(values) -> tuple:
    """Plain strings, so a row read with ``values_list`` and a loaded cut (whose status
    may be a ``Cut.Status`` member) give the same version."""
    return tuple(str(value) for value in values)


def load_cuts(project: Project, cut_ids: list[int]) -> list[Cut]:
    return list(project.cuts.filter(pk__in=cut_ids).select_related("representative"))


def render_entry(project: Project, cut: Cut, place: EntryPlace) -> tuple[tuple, str]:
    """The entry's HTML and the version it shows (read from ``cut`` itself, which may be
    newer than the row the version was first computed from)."""
    context = {"project": project, "item": cut, "place": place}
    return place.version(project, entry_fields(cut)), get_template(ENTRY_TEMPLATE).render(context)
