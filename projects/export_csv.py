"""The CSV shot list export: one row per cut."""

import io

from cutflow.csv_cells import SpreadsheetSafeWriter
from projects.durations import seconds_text
from projects.export import CSV_FIELDS, export_cuts, keyframe_file_name, shot_parts
from projects.models import Cut, Project
from projects.signals import face_verdicts


def export_csv(project: Project) -> str:
    cuts = export_cuts(project)
    scores = representative_face_scores(cuts)
    handles = list(dict.fromkeys(handle for each in scores.values() for handle in each))
    face_columns = {handle: f"face_match_{handle}" for handle in handles}
    buffer = io.StringIO(newline="")
    fields = CSV_FIELDS + list(face_columns.values())
    writer = SpreadsheetSafeWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for cut in cuts:
        row = csv_row(cut, total=len(cuts))
        cut_scores = scores.get(cut.representative_id, {})
        for handle, column in face_columns.items():
            row[column] = cut_scores.get(handle, "")
        writer.writerow(row)
    return buffer.getvalue()


def representative_face_scores(cuts: list[Cut]) -> dict[int, dict[str, str]]:
    """Each representative's face-match verdict per character, as one cell each."""
    verdicts = face_verdicts([cut.representative_id for cut in cuts if cut.representative_id])
    return {
        keyframe_id: {each.handle: each.summary for each in found}
        for keyframe_id, found in verdicts.items()
    }


def csv_row(cut: Cut, *, total: int) -> dict[str, str]:
    keyframe = cut.representative
    seed = keyframe.seed if keyframe and keyframe.seed is not None else ""
    shot_size, camera_angle, camera_movement = shot_parts(cut)
    return {
        "cut": str(cut.number),
        "status": cut.get_status_display(),
        "shot_size": shot_size,
        "camera_angle": camera_angle,
        "camera_movement": camera_movement,
        "duration_seconds": seconds_text(cut.duration_seconds),
        "script": cut.script,
        "prompt": cut.prompt,
        "keyframe_file": keyframe_file_name(cut, total=total) if keyframe else "",
        "keyframe_model": keyframe.model_key if keyframe else "",
        "keyframe_seed": str(seed),
    }
