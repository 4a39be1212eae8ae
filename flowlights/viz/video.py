"""Frames to a video: annotate each screenshot (simulated time, every light's phase) and encode
it with imageio (mp4 through imageio-ffmpeg, or gif) — no system ffmpeg needed."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from flowlights.errors import ConfigError


def annotate(image: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """Write ``lines`` on a dark band at the top of the frame."""
    from PIL import Image, ImageDraw  # optional: pillow (viz extra)

    picture = Image.fromarray(image).convert("RGB")
    draw = ImageDraw.Draw(picture)
    height = 14 * len(lines) + 8
    draw.rectangle([0, 0, picture.width, height], fill=(20, 20, 20))
    for k, line in enumerate(lines):
        draw.text((6, 4 + 14 * k), line, fill=(255, 255, 255))
    return np.asarray(picture)


def write_video(frames: Sequence[np.ndarray], path: Path, fps: float) -> Path:
    """Encode ``frames`` (H x W x 3 uint8) as .mp4 or .gif at ``fps`` frames per second."""
    try:
        import imageio.v2 as imageio  # optional: imageio (viz extra)
    except ImportError as exc:
        raise ConfigError("videos need the [viz] extra: pip install -e '.[viz]' (imageio, imageio-ffmpeg).") from exc
    if not frames:
        raise ConfigError("no frame was captured; is --seconds longer than --frame-every?")
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".gif":
        imageio.mimsave(path, list(frames), duration=1000.0 / fps, loop=0)
    elif suffix == ".mp4":
        h, w = frames[0].shape[:2]
        even = [f[: h - h % 2, : w - w % 2] for f in frames]  # H.264 wants even sizes
        with imageio.get_writer(path, fps=fps, codec="libx264", quality=7, macro_block_size=1) as writer:
            for frame in even:
                writer.append_data(frame)
    else:
        raise ConfigError(f"video {str(path)!r}: use a .mp4 or .gif file name.")
    return path
