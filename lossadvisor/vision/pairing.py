"""`--images DIR`: check each mask against the image it labels (same file stem).

A mask whose height × width differs from its image's labels other pixels than it claims (a
resized or mismatched export): its counts would mislead the loss advice, so it is skipped and
reported, like an unreadable file. Image sizes come from the file header (PIL opens lazily;
no pixels are decoded).
"""

from __future__ import annotations

from pathlib import Path

from lossadvisor.errors import InputError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".nii.gz", *IMAGE_SUFFIXES, ".npy", ".nii"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


class ImageIndex:
    """The images of a folder (recursively) by file stem."""

    def __init__(self, folder: str) -> None:
        root = Path(folder)
        if not root.is_dir():
            raise InputError(f"--images {folder}: not a folder of images.")
        self.folder = folder
        self.by_stem: dict[str, Path] = {}
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.name.lower().endswith(IMAGE_SUFFIXES):
                self.by_stem.setdefault(_stem(path), path)
        if not self.by_stem:
            raise InputError(f"--images {folder}: no image files (PNG, JPEG, TIFF, BMP, WebP).")

    def problem(self, mask_path: str, shape: tuple[int, ...]) -> str | None:
        """Why this mask does not fit its image (None: it fits, or it is a 3-D volume)."""
        from PIL import Image, UnidentifiedImageError

        if len(shape) != 2:
            return None  # volumes pair with volumes; their depth has no image to compare
        image = self.by_stem.get(_stem(Path(mask_path)))
        if image is None:
            return f"no image named like it in --images {self.folder}"
        try:
            with Image.open(image) as opened:
                width, height = opened.size
        except (OSError, UnidentifiedImageError) as err:
            return f"its image {image} cannot be read ({type(err).__name__})"
        if (height, width) != shape:
            return (
                f"mask is {shape[1]}×{shape[0]} (width × height) but its image {image} is "
                f"{width}×{height}"
            )
        return None
