"""Serving user-uploaded and generated files from local storage.

Only the image types Cutflow stores (PNG, JPEG, WebP) and takes (MP4) are shown inline.
Anything else in storage (export archives, progress files, a stray upload) is sent as a
download, so a browser never renders a stored file as a page; nosniff (SecurityMiddleware)
stops it guessing.
"""

from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.utils.http import content_disposition_header
from django.views.static import serve

INLINE_TYPES = {"image/png", "image/jpeg", "image/webp", "video/mp4"}
# Even if a file were rendered, it could run nothing and load nothing.
MEDIA_CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
)


@login_not_required
def serve_media(request, path):
    """Media files by their unguessable names, with headers that keep them inert."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if response.status_code == 200 and content_type not in INLINE_TYPES:
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=PurePosixPath(path).name
        )
    response["Content-Security-Policy"] = MEDIA_CSP
    return response
