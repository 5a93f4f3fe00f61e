"""The ZIP export: the representative keyframes at full size, named by cut order."""

import io
import zipfile
from datetime import datetime

from projects.export import Progress, export_cuts, keyframe_file_name, read_stored
from projects.models import Project


def export_zip(project: Project, *, on_progress: Progress | None = None) -> bytes:
    cuts = export_cuts(project)
    missing = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, cut in enumerate(cuts, start=1):
            content = read_stored(cut.representative.image.name) if cut.representative else None
            if content is None:
                reason = "image file missing" if cut.representative else "no keyframe yet"
                missing.append(f"Cut {cut.number}: {reason}")
            else:
                # Keyframes are JPEG or PNG already: compressing them again gains nothing.
                name = keyframe_file_name(cut, total=len(cuts))
                archive.writestr(stamped(name, cut.representative.created_at), content)
            if on_progress:
                on_progress(index, len(cuts))
        if missing:
            text = "Cuts without a representative keyframe:\n" + "\n".join(missing) + "\n"
            archive.writestr(stamped("MISSING.txt"), text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def stamped(name: str, when: datetime | None = None) -> zipfile.ZipInfo:
    """An entry dated by its keyframe (or zip's epoch), so the same storyboard always gives the
    same archive bytes, whenever it is exported."""
    date_time = when.timetuple()[:6] if when else (1980, 1, 1, 0, 0, 0)
    return zipfile.ZipInfo(name, date_time=date_time)
