"""The CSV shot list export: one row per cut."""

import io

from cutflow.csv_cells import SpreadsheetSafeWriter
from projects.export import CSV_FIELDS, export_cuts, keyframe_file_name, shot_parts
from projects.models import Cut, Project


def export_csv(project: Project) -> str:
    cuts = export_cuts(project)
    buffer = io.StringIO(newline="")
    writer = SpreadsheetSafeWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for cut in cuts:
        writer.writerow(csv_row(cut, total=len(cuts)))
    return buffer.getvalue()


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
        "script": cut.script,
        "prompt": cut.prompt,
        "keyframe_file": keyframe_file_name(cut, total=total) if keyframe else "",
        "keyframe_model": keyframe.model_key if keyframe else "",
        "keyframe_seed": str(seed),
    }
