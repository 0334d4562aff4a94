"""Brand images as Home Assistant's brands spec asks, drawn from the add-on's own icon and logo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
BRAND = REPO / "custom_components" / "babblefish" / "brand"


@pytest.mark.parametrize(("name", "side"), [("icon.png", 256), ("icon@2x.png", 512)])
def test_icon_is_square_png(name: str, side: int) -> None:
    """The icon is a square PNG of the spec's size."""
    with Image.open(BRAND / name) as image:
        assert image.format == "PNG"
        assert image.size == (side, side)


@pytest.mark.parametrize(
    ("name", "low", "high"), [("logo.png", 128, 256), ("logo@2x.png", 256, 512)]
)
def test_logo_size_and_trim(name: str, low: int, high: int) -> None:
    """The logo's shorter side is within the spec's range and it has no empty transparent margin."""
    with Image.open(BRAND / name) as image:
        assert image.format == "PNG"
        assert low <= min(image.size) <= high
        assert image.convert("RGBA").getchannel("A").getbbox() == (0, 0, *image.size)


@pytest.mark.parametrize("kind", ["icon", "logo"])
def test_double_resolution_is_twice_the_size(kind: str) -> None:
    """The @2x image is the same picture at twice the size."""
    with Image.open(BRAND / f"{kind}.png") as one, Image.open(BRAND / f"{kind}@2x.png") as two:
        assert abs(two.width - 2 * one.width) <= 1
        assert abs(two.height - 2 * one.height) <= 1


def _on_white(image: Image.Image, size: tuple[int, int]) -> list[int]:
    rgba = image.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    white = Image.new("RGBA", size, (255, 255, 255, 255))
    return list(Image.alpha_composite(white, rgba).convert("L").getdata())


def test_drawn_from_the_addon_icon() -> None:
    """The icon is the add-on's icon (scaled), not some other picture."""
    with Image.open(REPO / "addon" / "icon.png") as source, Image.open(BRAND / "icon.png") as icon:
        original, ours = _on_white(source, source.size), _on_white(icon, source.size)
    mean_difference = sum(abs(a - b) for a, b in zip(original, ours, strict=True)) / len(ours)
    assert mean_difference < 3
