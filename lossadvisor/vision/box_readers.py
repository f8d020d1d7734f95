"""Detection annotation readers: COCO JSON, YOLO txt folders, Pascal VOC XML -> box records.

Each reader yields one `ImageBoxes` per image and appends what it had to skip to a
`Problems` tally (one line per kind at the end: how many, and the first case). The class
order is the user's: COCO's categories by id, the YOLO names file, VOC's names sorted.

Conventions: COCO boxes are [x, y, width, height] in pixels and `area` is the object's mask
area when present (what COCO's small/medium/large split reads); YOLO boxes are normalised
centre/size; VOC boxes are corner pixels with width = xmax − xmin (torchvision's reading).
A box may overhang its image by BOX_TOLERANCE pixels (rounding) before it counts as outside.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from lossadvisor.errors import InputError
from lossadvisor.vision.masks import FileProblem, need
from lossadvisor.vision.sources import YOLO_NAME_FILES

BOX_TOLERANCE = 1.0
NORMALISED_TOLERANCE = 1e-3  # the same slack for YOLO's 0..1 coordinates
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
YOLO_DATA_FILES = ("data.yaml", "dataset.yaml", "data.yml")


@dataclass(frozen=True)
class Box:
    category: str
    width: float
    height: float
    area: float | None  # pixels² (None when the image size is unknown for normalised boxes)
    crowd: bool = False


@dataclass(frozen=True)
class ImageBoxes:
    name: str
    width: float | None
    height: float | None
    boxes: tuple[Box, ...]


@dataclass
class Problems:
    """Skipped annotations by kind: a count and the first example of each."""

    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, example: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.first.setdefault(kind, example)

    def lines(self, where: str) -> list[str]:
        return [
            f"{where}: {n:,} {kind} skipped (first: {self.first[kind]})"
            for kind, n in self.counts.items()
        ]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _outside(x: float, y: float, w: float, h: float, width: float, height: float) -> bool:
    t = BOX_TOLERANCE
    return x < -t or y < -t or x + w > width + t or y + h > height + t


# --- COCO ---------------------------------------------------------------------------------


@dataclass
class Coco:
    """A parsed COCO file: class order, images by id, annotations grouped by image id."""

    classes: list[str]
    category_names: dict[Any, str]
    images: dict[Any, tuple[str, float | None, float | None]]
    by_image: dict[Any, list[dict[str, Any]]]


def load_coco(path: str) -> Coco:
    """Read and check a COCO file's structure; InputError when it is not an annotation file."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not readable JSON ({type(err).__name__}: {err}).") from None
    lists = ("images", "annotations", "categories")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list) for k in lists):
        keys = ", ".join(sorted(map(str, data))[:6]) if isinstance(data, dict) else type(data)
        raise InputError(
            f"{path}: not a COCO annotation file (expected lists 'images', 'annotations' and "
            f"'categories'; found {keys or 'an empty object'})."
        )
    categories = [c for c in data["categories"] if isinstance(c, dict) and "id" in c]
    if not categories:
        raise InputError(f"{path}: the COCO file lists no categories.")
    categories.sort(key=lambda c: (str(type(c["id"])), c["id"]))
    names = {c["id"]: str(c.get("name", c["id"])) for c in categories}
    images: dict[Any, tuple[str, float | None, float | None]] = {}
    for image in data["images"]:
        if isinstance(image, dict) and "id" in image:
            images[image["id"]] = (
                str(image.get("file_name", image["id"])),
                _number(image.get("width")),
                _number(image.get("height")),
            )
    if not images:
        raise InputError(f"{path}: the COCO file lists no images.")
    by_image: dict[Any, list[dict[str, Any]]] = {}
    for ann in data["annotations"]:
        if isinstance(ann, dict):
            by_image.setdefault(ann.get("image_id"), []).append(ann)
    orphans = [k for k in by_image if k not in images]
    coco = Coco(list(dict.fromkeys(names.values())), names, images, by_image)
    coco.by_image["__orphans__"] = [a for k in orphans for a in by_image.pop(k)]
    return coco


def coco_images(coco: Coco, image_ids: Sequence[Any], problems: Problems) -> Iterator[ImageBoxes]:
    """One record per image id (in the given order); bad annotations go to `problems`."""
    for ann in coco.by_image.get("__orphans__", []):
        problems.add("annotations with an image_id not in 'images'", f"annotation {ann.get('id')}")
    for image_id in image_ids:
        name, width, height = coco.images[image_id]
        boxes = []
        for ann in coco.by_image.get(image_id, []):
            box = _coco_box(coco, ann, image_id, width, height, problems)
            if box is not None:
                boxes.append(box)
        yield ImageBoxes(name, width, height, tuple(boxes))


def _coco_box(
    coco: Coco,
    ann: dict[str, Any],
    image_id: Any,
    width: float | None,
    height: float | None,
    problems: Problems,
) -> Box | None:
    where = f"annotation {ann.get('id')} on image {image_id}"
    category = ann.get("category_id")
    if category not in coco.category_names:
        problems.add("annotations with a category_id not in 'categories'", f"{where}: {category}")
        return None
    bbox = ann.get("bbox")
    numbers = [_number(v) for v in bbox] if isinstance(bbox, list) else []
    if len(numbers) != 4 or any(v is None for v in numbers):
        problems.add("annotations without a valid [x, y, w, h] bbox", f"{where}: {bbox!r}")
        return None
    x, y, w, h = (float(v) for v in numbers)  # type: ignore[arg-type]
    if w <= 0 or h <= 0:
        problems.add("boxes with zero or negative size", f"{where}: {bbox}")
        return None
    if width is not None and height is not None and _outside(x, y, w, h, width, height):
        problems.add(
            "boxes outside their image", f"{where}: {bbox} in a {width:g}x{height:g} image"
        )
        return None
    area = _number(ann.get("area"))
    segmentation = ann.get("segmentation")
    if (area is None or area <= 0) and segmentation:
        try:
            area = mask_area(segmentation, width, height)
        except FileProblem as err:
            problems.add("instance masks that cannot be decoded", f"{where}: {err}")
            return None
    if area is None or area <= 0:
        area = w * h
    crowd = bool(ann.get("iscrowd", 0))
    return Box(coco.category_names[category], w, h, area, crowd)


def mask_area(segmentation: Any, width: float | None, height: float | None) -> float:
    """Pixels of a COCO instance mask (polygons or RLE) through pycocotools."""
    mask_api: Any = need("pycocotools.mask", "decoding COCO instance masks")
    if isinstance(segmentation, dict):
        size = segmentation.get("size")
        if (
            width is not None
            and height is not None
            and isinstance(size, list)
            and len(size) == 2
            and (size[0], size[1]) != (int(height), int(width))
        ):
            raise FileProblem(
                f"mask size {size[0]}x{size[1]} differs from the image's {int(height)}x{int(width)}"
            )
        try:
            rle = segmentation
            if isinstance(segmentation.get("counts"), list) and isinstance(size, list):
                rle = mask_api.frPyObjects(segmentation, size[0], size[1])
            return float(mask_api.area(rle))
        except (TypeError, ValueError, KeyError, IndexError) as err:
            raise FileProblem(f"bad RLE ({err})") from None
    if width is None or height is None:
        raise FileProblem("a polygon mask on an image without width/height")
    try:
        rles = mask_api.frPyObjects(segmentation, int(height), int(width))
        return float(mask_api.area(mask_api.merge(rles)))
    except (TypeError, ValueError, IndexError) as err:
        raise FileProblem(f"bad polygon ({err})") from None


# --- YOLO ---------------------------------------------------------------------------------


def yolo_classes(label_files: Sequence[str]) -> list[str] | None:
    """Class names from a names file (one per line) or data.yaml `names` near the labels."""
    if not label_files:
        return None
    folder = os.path.dirname(os.path.abspath(label_files[0]))
    for level in (folder, os.path.dirname(folder), os.path.dirname(os.path.dirname(folder))):
        for name in YOLO_NAME_FILES:
            path = os.path.join(level, name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="replace") as fh:
                    return [line.strip() for line in fh if line.strip()]
        for name in YOLO_DATA_FILES:
            path = os.path.join(level, name)
            if os.path.isfile(path):
                return _names_from_yaml(path)
    return None


def _names_from_yaml(path: str) -> list[str] | None:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise InputError(f"{path}: not readable YAML (the YOLO class names).") from None
    names = data.get("names") if isinstance(data, dict) else None
    if isinstance(names, list):
        return [str(n) for n in names]
    if isinstance(names, dict):
        return [str(names[k]) for k in sorted(names)]
    return None


def _image_size(label_path: str) -> tuple[float, float] | None:
    """The size of the image a YOLO label file belongs to (header read only), if found."""
    stem = os.path.splitext(label_path)[0]
    candidates = [stem]
    parts = stem.split(os.sep)
    if "labels" in parts:
        i = len(parts) - 1 - parts[::-1].index("labels")
        candidates.append(os.sep.join([*parts[:i], "images", *parts[i + 1 :]]))
    for base in candidates:
        for ext in IMAGE_EXTENSIONS:
            path = base + ext
            if os.path.isfile(path):
                from PIL import Image, UnidentifiedImageError

                try:
                    with Image.open(path) as image:
                        return float(image.width), float(image.height)
                except (OSError, UnidentifiedImageError):
                    return None
    return None


def yolo_image(path: str, classes: list[str] | None, problems: Problems) -> ImageBoxes:
    """One YOLO label file; FileProblem for a malformed line (the file is skipped)."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise FileProblem(f"not a readable text file ({type(err).__name__})") from None
    size = _image_size(path)
    boxes = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            values = [float(v) for v in fields]
        except ValueError:
            raise FileProblem(f"line {number}: expected 'class cx cy w h', got {line!r}") from None
        if len(values) < 5 or (len(values) > 5 and len(values) % 2 == 0):
            raise FileProblem(f"line {number}: expected 'class cx cy w h', got {line!r}")
        index = values[0]
        if index != int(index) or index < 0 or (classes is not None and index >= len(classes)):
            problems.add("boxes with an unknown class id", f"{path} line {number}: {fields[0]}")
            continue
        name = classes[int(index)] if classes is not None else str(int(index))
        if len(values) == 5:
            cx, cy, w, h = values[1:]
            x, y, rel_area = cx - w / 2, cy - h / 2, w * h
        else:  # a segment polygon: its bounding box and its own area
            xs, ys = values[1::2], values[2::2]
            x, y, w, h = min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)
            rel_area = _polygon_area(xs, ys)
        if w <= 0 or h <= 0:
            problems.add("boxes with zero or negative size", f"{path} line {number}")
            continue
        if (
            x < -NORMALISED_TOLERANCE
            or y < -NORMALISED_TOLERANCE
            or (x + w > 1 + NORMALISED_TOLERANCE or y + h > 1 + NORMALISED_TOLERANCE)
        ):
            problems.add("boxes outside their image", f"{path} line {number}: {line.strip()}")
            continue
        if size is None:
            boxes.append(Box(name, w, h, None))
        else:
            iw, ih = size
            boxes.append(Box(name, w * iw, h * ih, rel_area * iw * ih))
    width, height = size if size is not None else (None, None)
    return ImageBoxes(path, width, height, tuple(boxes))


def _polygon_area(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    twice = sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))
    return abs(twice) / 2


# --- Pascal VOC ---------------------------------------------------------------------------


def voc_image(path: str, problems: Problems) -> ImageBoxes:
    """One VOC XML file; FileProblem when it is not a VOC annotation."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise FileProblem(f"not readable XML ({err})") from None
    if root.tag != "annotation":
        raise FileProblem(f"not a Pascal VOC annotation (root <{root.tag}>)")
    width = _xml_number(root, "size/width")
    height = _xml_number(root, "size/height")
    if not width or not height:
        width = height = None
    boxes = []
    for i, obj in enumerate(root.findall("object"), start=1):
        name = (obj.findtext("name") or "").strip()
        corners = [_xml_number(obj, f"bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")]
        if not name or any(v is None for v in corners):
            problems.add("objects without a name or a full bndbox", f"{path} object {i}")
            continue
        x0, y0, x1, y1 = (float(v) for v in corners)  # type: ignore[arg-type]
        w, h = x1 - x0, y1 - y0
        if w <= 0 or h <= 0:
            problems.add("boxes with zero or negative size", f"{path} object {i}")
            continue
        if width is not None and height is not None and _outside(x0, y0, w, h, width, height):
            problems.add("boxes outside their image", f"{path} object {i} ({name})")
            continue
        boxes.append(Box(name, w, h, w * h))
    return ImageBoxes(path, width, height, tuple(boxes))


def _xml_number(node: Any, path: str) -> float | None:
    text = node.findtext(path)
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None
