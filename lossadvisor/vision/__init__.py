"""Vision data: segmentation masks and detection annotations, profiled file by file.

profile_vision(source, task) -> VisionProfile     a DatasetProfile plus the skipped files
is_vision_source(source)                          DATA that only this package can read

Readers (`masks`, `annotations`) turn files into arrays or box records; the accumulators
(`mask_stats`, `box_stats`) fold one image at a time into bounded partials, so a folder of
10,000 masks is never in memory at once. numpy, Pillow and scipy are imported only here, and
nibabel / pycocotools (the `vision` extra) only for the files that need them.
"""

from __future__ import annotations

from lossadvisor.vision.sources import is_vision_source

__all__ = ["is_vision_source", "profile_vision"]


def __getattr__(name: str) -> object:
    # profile_vision pulls in numpy; keep `import lossadvisor.vision` as light as the CLI needs.
    if name == "profile_vision":
        from lossadvisor.vision.profile import profile_vision

        return profile_vision
    raise AttributeError(name)
