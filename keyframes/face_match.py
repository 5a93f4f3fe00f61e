"""Face matching: image bytes in, one verdict per character sheet out.

dlib finds the faces (its HOG frontal detector, built into the library), places them with the
5-point landmark model and embeds each with its ResNet face-recognition model; both model files
come from the ``face-recognition-models`` package, so nothing is downloaded at run time. The
68-point landmark model in that package is never loaded: its training data excludes commercial
use (docs/PROVIDERS.md, "Face matching").

This module imports no model of ours; keyframes/face_scores.py loads the rows and stores the
verdicts.
"""

import io
import threading
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

# dlib's own figure: two embeddings of one person lie closer than 0.6 (99.38% on LFW).
# We report similarity = 1 - distance, so "matches" means a similarity of at least 0.40.
MATCH_THRESHOLD = 0.40
# Faces are searched on a copy at most this many pixels on its long side: it bounds the
# memory and time of one scoring whatever size a provider returns.
MAX_SIDE = 1024
# The detector's confidence a face needs. Photographed faces score about 1; below 0.3 lie
# its guesses at cartoons, patterns and shadows, whose embeddings mean nothing.
MIN_DETECTION_SCORE = 0.3
FIVE_POINT_MODEL = "shape_predictor_5_face_landmarks.dat"
EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


class Verdict(StrEnum):
    MATCHES = "matches"
    MAY_DIFFER = "may_differ"
    NO_FACE = "no_face"
    NOT_SCORED = "not_scored"


@dataclass(frozen=True)
class FaceMatch:
    handle: str
    verdict: Verdict
    similarity: float | None = None
    reason: str = ""


class ScoringUnavailable(Exception):
    """The face model cannot run here (not installed, or its files are missing)."""


class FaceModel:
    """The three dlib models, loaded once per worker process."""

    def __init__(self, model_dir: Path):
        import dlib  # imported here: the web process never pays for it

        missing = [
            name for name in (FIVE_POINT_MODEL, EMBEDDING_MODEL) if not (model_dir / name).is_file()
        ]
        if missing:
            raise ScoringUnavailable(f"Face model file {missing[0]} is not in {model_dir}")
        self.detector = dlib.get_frontal_face_detector()
        self.landmarks = dlib.shape_predictor(str(model_dir / FIVE_POINT_MODEL))
        self.embedder = dlib.face_recognition_model_v1(str(model_dir / EMBEDDING_MODEL))
        self.lock = threading.Lock()  # dlib's models are not documented as thread-safe

    def embeddings(self, pixels) -> list:
        """One 128-number embedding per face found, the largest face first."""
        import numpy

        with self.lock:
            found, _, _ = self.detector.run(pixels, 1, MIN_DETECTION_SCORE)
            faces = sorted(found, key=lambda face: face.area(), reverse=True)
            return [
                numpy.array(
                    self.embedder.compute_face_descriptor(pixels, self.landmarks(pixels, face))
                )
                for face in faces
            ]


def installed_model_dir() -> Path:
    # find_spec reads where the package lives without running its __init__, which imports
    # pkg_resources (gone from recent setuptools).
    spec = find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ScoringUnavailable("The face-recognition-models package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


_model_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cached_model(model_dir: Path) -> FaceModel:
    return FaceModel(model_dir)


def load_face_model(model_dir: Path | None = None) -> FaceModel:
    try:
        with _model_lock:
            return _cached_model(model_dir or installed_model_dir())
    except ImportError as exc:
        raise ScoringUnavailable(f"dlib is not installed ({exc})") from exc
    except RuntimeError as exc:  # dlib's error for an unreadable model file
        raise ScoringUnavailable(f"The face model could not be loaded: {exc}") from exc


class UnreadableImage(ValueError):
    pass


def pixels_of(data: bytes):
    import numpy

    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImage(f"the image could not be read ({type(exc).__name__})") from exc
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return numpy.ascontiguousarray(numpy.asarray(image, dtype=numpy.uint8))


SHEET_CACHE_SIZE = 256
_sheet_faces: dict[str, object] = {}


def sheet_embedding(model: FaceModel, sha256: str, data: bytes):
    """The largest face on a sheet (None when there is none), kept by content hash: a
    job's candidates share their sheets. Only the 128 numbers are kept, never the image."""
    if sha256 and sha256 in _sheet_faces:
        return _sheet_faces[sha256]
    faces = model.embeddings(pixels_of(data))
    face = faces[0] if faces else None
    if sha256:
        if len(_sheet_faces) >= SHEET_CACHE_SIZE:
            _sheet_faces.clear()
        _sheet_faces[sha256] = face
    return face


def similarity(first, second) -> float:
    import numpy

    return round(max(0.0, 1.0 - float(numpy.linalg.norm(first - second))), 2)


def match_faces(
    *, image: bytes, sheets: list[tuple[str, str, bytes]], model: FaceModel
) -> list[FaceMatch]:
    """Scores an image against each (handle, sha256, sheet bytes). Each character is matched
    to the face in the image most similar to its sheet's face."""
    try:
        faces = model.embeddings(pixels_of(image))
    except UnreadableImage as exc:
        return [
            FaceMatch(handle, Verdict.NOT_SCORED, reason=f"The keyframe: {exc}.")
            for handle, _, _ in sheets
        ]
    results = []
    for handle, sha256, data in sheets:
        try:
            sheet_face = sheet_embedding(model, sha256, data)
        except UnreadableImage as exc:
            results.append(FaceMatch(handle, Verdict.NOT_SCORED, reason=f"The sheet: {exc}."))
            continue
        results.append(verdict_for(handle, sheet_face, faces))
    return results


def verdict_for(handle: str, sheet_face, faces: list) -> FaceMatch:
    if sheet_face is None:
        return FaceMatch(
            handle,
            Verdict.NO_FACE,
            reason="No face found on the character sheet (stylised or faceless).",
        )
    if not faces:
        return FaceMatch(handle, Verdict.NO_FACE, reason="No face found in this image.")
    best = max(similarity(sheet_face, face) for face in faces)
    if best >= MATCH_THRESHOLD:
        return FaceMatch(handle, Verdict.MATCHES, best)
    return FaceMatch(
        handle, Verdict.MAY_DIFFER, best, reason="The closest face may be someone else."
    )
