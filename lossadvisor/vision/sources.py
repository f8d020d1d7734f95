"""What a vision DATA argument is: a mask folder or glob, a COCO file, a YOLO or VOC folder.

Pure standard library (no numpy): the CLI asks `is_vision_source` before deciding whether
the tabular profiler or this package reads DATA.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import dataclass

from lossadvisor.errors import InputError

MASK_EXTENSIONS = (".png", ".tif", ".tiff", ".bmp", ".npy", ".npz", ".nii", ".nii.gz")
KINDS = ("masks", "coco", "yolo", "voc")
# Files in a YOLO label folder that name the classes rather than hold boxes.
YOLO_NAME_FILES = ("classes.txt", "obj.names", "names.txt")
_GLOB_CHARS = "*?["
_PEEK_BYTES = 1 << 16


@dataclass(frozen=True)
class Source:
    """A resolved vision input: its kind, the files to read (sorted), and how it was told."""

    kind: str
    files: tuple[str, ...]
    where: str
    reason: str


def has_extension(path: str, extensions: tuple[str, ...]) -> bool:
    name = path.lower()
    return any(name.endswith(ext) for ext in extensions)


def _is_glob(source: str) -> bool:
    return any(ch in source for ch in _GLOB_CHARS) and not os.path.exists(source)


def looks_like_coco(path: str) -> bool:
    """A .json file that is one JSON document rather than JSON Lines.

    JSON Lines (the tabular reader's .json) has a complete object on its first line; a COCO
    file is one object spread over many lines (or one very long line with an annotation key).
    Anything else that starts like a document is handed to the COCO reader, which says in one
    line why it is not an annotation file.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PEEK_BYTES)
    except OSError:
        return False
    text = head.decode("utf-8", errors="replace").lstrip()
    if not text.startswith(("{", "[")):
        return False
    first, newline, _ = text.partition("\n")
    try:
        json.loads(first)
    except ValueError:
        return True  # line 1 is not a whole document: a pretty-printed or long JSON file
    return not newline and any(key in text for key in ('"annotations"', '"images"'))


def is_vision_source(source: str) -> bool:
    """DATA that the tabular reader cannot read but this package can."""
    if source == "-":
        return False
    if os.path.isdir(source) or _is_glob(source):
        return True
    if has_extension(source, (*MASK_EXTENSIONS, ".xml")):
        return True
    return source.lower().endswith(".json") and looks_like_coco(source)


def _walk(folder: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in files if not f.startswith("."))
    return sorted(found)


def _label_files(paths: list[str]) -> list[str]:
    return [
        p
        for p in paths
        if p.lower().endswith(".txt") and os.path.basename(p).lower() not in YOLO_NAME_FILES
    ]


def resolve(source: str, task: str | None) -> Source:
    """The kind and files of DATA; InputError (one line) when there is nothing to read."""
    if source.lower().endswith(".json") and os.path.isfile(source):
        return Source("coco", (source,), source, "a COCO annotation file (.json)")
    if os.path.isfile(source):
        if has_extension(source, MASK_EXTENSIONS):
            return Source("masks", (source,), source, "one mask file")
        if source.lower().endswith(".xml"):
            return Source("voc", (source,), source, "one Pascal VOC annotation (.xml)")
        raise InputError(
            f"{source}: not a mask ({', '.join(MASK_EXTENSIONS)}) or annotation file "
            "(COCO .json, Pascal VOC .xml)."
        )
    if _is_glob(source):
        paths = sorted(p for p in glob.glob(source, recursive=True) if os.path.isfile(p))
        where = f"glob '{source}'"
    elif os.path.isdir(source):
        paths = _walk(source)
        where = f"folder {source}"
    else:
        raise InputError(f"{source}: no such file or folder.")
    masks = [p for p in paths if has_extension(p, MASK_EXTENSIONS)]
    xmls = [p for p in paths if p.lower().endswith(".xml")]
    labels = _label_files(paths)
    if task == "segmentation" or (task is None and masks and not xmls and not labels):
        if not masks:
            raise _empty(source, where, "mask files (" + ", ".join(MASK_EXTENSIONS) + ")")
        return Source("masks", tuple(masks), source, f"{len(masks):,} mask files in {where}")
    if xmls:
        return Source("voc", tuple(xmls), source, f"{len(xmls):,} Pascal VOC files in {where}")
    if labels:
        return Source("yolo", tuple(labels), source, f"{len(labels):,} YOLO label files in {where}")
    wanted = "annotation files (.xml, YOLO .txt)" if task == "detection" else "mask or label files"
    raise _empty(source, where, wanted)


def _empty(source: str, where: str, wanted: str) -> InputError:
    return InputError(f"{source}: the {where} holds no {wanted}.")
