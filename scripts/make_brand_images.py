"""Draws the integration's brand images from the add-on's icon and logo (Home Assistant's brands spec).

    python scripts/make_brand_images.py

Writes custom_components/babblefish/brand/{icon,icon@2x,logo,logo@2x}.png: the icon square at
256 and 512 px, the logo trimmed of transparent margins with its shorter side at 128 and 256 px.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
ADDON = REPO / "addon"
BRAND = REPO / "custom_components" / "babblefish" / "brand"
ICON_SIDES = {"icon.png": 256, "icon@2x.png": 512}
LOGO_SHORT_SIDES = {"logo.png": 128, "logo@2x.png": 256}


def trimmed(image: Image.Image) -> Image.Image:
    """Without fully transparent rows and columns at the edges."""
    box = image.getchannel("A").getbbox()
    return image.crop(box) if box else image


def squared(image: Image.Image) -> Image.Image:
    """Centred on a transparent square, so scaling never stretches it."""
    side = max(image.size)
    square = Image.new("RGBA", (side, side))
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return square


def scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resampled to `size` with Lanczos: the sources are smaller than the spec asks."""
    return image.resize(size, Image.Resampling.LANCZOS)


def main() -> None:
    """Write the four images."""
    BRAND.mkdir(exist_ok=True)
    icon = squared(trimmed(Image.open(ADDON / "icon.png").convert("RGBA")))
    for name, side in ICON_SIDES.items():
        scaled(icon, (side, side)).save(BRAND / name, optimize=True)
    logo = trimmed(Image.open(ADDON / "logo.png").convert("RGBA"))
    for name, short in LOGO_SHORT_SIDES.items():
        factor = short / min(logo.size)
        size = (round(logo.width * factor), round(logo.height * factor))
        scaled(logo, size).save(BRAND / name, optimize=True)
    for path in sorted(BRAND.glob("*.png")):
        print(path.relative_to(REPO), Image.open(path).size)


if __name__ == "__main__":
    main()
