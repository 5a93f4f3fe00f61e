"""H.264 MP4 files from Pillow frames, stills and other clips, through the ffmpeg binary that
the ``imageio-ffmpeg`` wheel ships (no system ffmpeg needed).

Every clip this module writes has the same encoding (libx264, yuv420p, constant frame rate,
one time scale), so clips made for one size and frame rate can be joined without re-encoding.
Sizes must be even: yuv420p stores colour at half resolution in both directions.
"""

import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image

Size = tuple[int, int]

# Shared by every writer below so that `concat` may copy streams instead of re-encoding.
_X264 = [
    "-preset", "veryfast", "-crf", "23",
    "-video_track_timescale", "90000", "-movflags", "+faststart", "-an",
]  # fmt: skip
_ENCODING = ["-c:v", "libx264", "-pix_fmt", "yuv420p", *_X264]


class VideoError(Exception):
    """ffmpeg refused a file or a filter; the message carries its own words."""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    frames: int
    seconds: float
    fps: float


def frame_count(seconds: float, fps: int) -> int:
    """Frames that show ``seconds`` at ``fps``; at least one, so a clip is never empty."""
    return max(1, round(seconds * fps))


def check_size(size: Size) -> Size:
    width, height = size
    if width < 2 or height < 2 or width % 2 or height % 2:
        raise ValueError(f"Video sizes must be even and at least 2x2, not {width}x{height}.")
    return width, height


def encode_frames(frames: Iterable[Image.Image], *, size: Size, fps: int, path: Path) -> Path:
    """Writes ``frames`` (each already ``size``) to ``path`` as they come, so a long clip never
    sits in memory whole."""
    check_size(size)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=fps,
        codec="libx264",
        quality=None,
        macro_block_size=1,
        output_params=_X264,
    )
    writer.send(None)  # starts ffmpeg
    try:
        for frame in frames:
            if frame.size != size:
                raise ValueError(f"Frame is {frame.size}, the clip is {size}.")
            writer.send(frame.convert("RGB").tobytes())
    finally:
        writer.close()
    return path


def encode_still(image: Image.Image, *, seconds: float, size: Size, fps: int, path: Path) -> Path:
    """``image`` (already ``size``) held for ``seconds``: x264 encodes the repeats almost for
    free, so this is cheaper than sending the same frame again and again."""
    check_size(size)
    if image.size != size:
        raise ValueError(f"Image is {image.size}, the clip is {size}.")
    with tempfile.TemporaryDirectory(prefix="cutflow-still-") as work:
        still = Path(work) / "still.png"
        image.convert("RGB").save(still, compress_level=1)
        _run(
            ["-loop", "1", "-framerate", str(fps), "-i", str(still)],
            ["-frames:v", str(frame_count(seconds, fps)), "-r", str(fps)],
            path,
        )
    return path


def fit_clip(
    source: Path,
    *,
    seconds: float,
    size: Size,
    fps: int,
    path: Path,
    overlay: Image.Image | None = None,
) -> Path:
    """Re-encodes any video to exactly ``seconds`` at ``size`` and ``fps``: letterboxed to the
    size, cut when longer, its last frame held when shorter, with ``overlay`` (an RGBA image of
    ``size``) drawn over every frame."""
    width, height = check_size(size)
    frames = frame_count(seconds, fps)
    chain = (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={fps},"
        f"tpad=stop_mode=clone:stop_duration={seconds:.3f}"
    )
    inputs = ["-i", str(source)]
    with tempfile.TemporaryDirectory(prefix="cutflow-fit-") as work:
        if overlay is None:
            graph = f"[0:v]{chain},format=yuv420p[v]"
        else:
            layer = Path(work) / "overlay.png"
            overlay.convert("RGBA").save(layer, compress_level=1)
            inputs += ["-i", str(layer)]
            graph = f"[0:v]{chain}[base];[base][1:v]overlay=0:0,format=yuv420p[v]"
        _run(
            inputs,
            ["-filter_complex", graph, "-map", "[v]", "-frames:v", str(frames), "-r", str(fps)],
            path,
        )
    return path


def concat(clips: Sequence[Path], *, path: Path) -> Path:
    """Joins clips written by this module for one size and frame rate, without re-encoding."""
    if not clips:
        raise ValueError("Nothing to join.")
    listing = path.with_suffix(".txt")
    listing.write_text("".join(f"file '{_quoted(clip)}'\n" for clip in clips))
    try:
        _ffmpeg(
            ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy"]
            + ["-movflags", "+faststart", str(path)]
        )
    finally:
        listing.unlink(missing_ok=True)
    return path


def probe(path: Path) -> VideoInfo:
    """Size, frame rate and length of a video, counting its frames by decoding them (a
    container's declared duration can disagree with what plays)."""
    reader = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(reader)
    except (OSError, RuntimeError, StopIteration) as error:
        last_line = str(error).strip().splitlines()[-1:] or ["no frames"]
        raise VideoError(f"Not a readable video: {last_line[0]}") from error
    finally:
        reader.close()
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    fps = float(meta["fps"])
    width, height = meta["size"]
    return VideoInfo(width=width, height=height, frames=frames, seconds=frames / fps, fps=fps)


def probe_bytes(data: bytes) -> VideoInfo:
    with tempfile.NamedTemporaryFile(suffix=".mp4") as file:
        file.write(data)
        file.flush()
        return probe(Path(file.name))


def _run(inputs: list[str], outputs: list[str], path: Path) -> None:
    _ffmpeg(inputs + outputs + _ENCODING + [str(path)])


def _ffmpeg(arguments: list[str]) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-nostdin", *arguments]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise VideoError(done.stderr.strip() or f"ffmpeg exited with {done.returncode}")


def _quoted(path: Path) -> str:
    # The concat demuxer's list syntax: a single quote is closed, escaped and reopened.
    return str(path.resolve()).replace("'", "'\\''")
