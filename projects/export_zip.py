"""The ZIP export: the representative keyframes at full size, named by cut order."""

import io
import zipfile

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
                archive.writestr(keyframe_file_name(cut, total=len(cuts)), content)
            if on_progress:
                on_progress(index, len(cuts))
        if missing:
            text = "Cuts without a representative keyframe:\n" + "\n".join(missing) + "\n"
            archive.writestr("MISSING.txt", text, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
