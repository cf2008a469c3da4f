"""The Chinese font for PDFs and pictures: the PyPI font package, assets/fonts/, system fonts."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from core.errors import ExportError

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ASSET_FONTS = _PROJECT_ROOT / "assets" / "fonts"
#: System fonts tried, in order, when the PyPI font package and assets/fonts/ have none.
SYSTEM_CJK_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
_FONT_HELP = ("install the Python package pylopdf-fonts-zh-cn (it is in requirements.txt), "
              "or a system Chinese font such as Debian's fonts-noto-cjk or fonts-wqy-microhei")


def _has_chinese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), fontNumber=0, lazy=True)
        cmap = font.getBestCmap() or {}
        font.close()
    except Exception:  # unreadable or not a font
        return False
    return all(ord(ch) in cmap for ch in "中华会")


def _packaged_font() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> Path:
    """The font file the PDF export draws Chinese with.

    Order: Noto Sans SC from the PyPI package pylopdf-fonts-zh-cn; a .otf/.ttf/.ttc file in
    ``assets/fonts/``; the system fonts in :data:`SYSTEM_CJK_FONTS`. Raises
    :class:`ExportError` when none of them holds Chinese characters.
    """
    candidates: list[Path] = []
    packaged = _packaged_font()
    if packaged is not None:
        candidates.append(packaged)
    if _ASSET_FONTS.is_dir():
        candidates += sorted(p for p in _ASSET_FONTS.iterdir()
                             if p.suffix.lower() in (".otf", ".ttf", ".ttc"))
    candidates += [Path(p) for p in SYSTEM_CJK_FONTS]
    for candidate in candidates:
        if candidate.is_file() and _has_chinese(candidate):
            return candidate
    raise ExportError(f"The PDF cannot be made because no font with Chinese characters was found "
                      f"on this computer: {_FONT_HELP}.")


def _resolve_font(font_path: str | os.PathLike[str] | None) -> Path:
    if font_path is None:
        return find_cjk_font()
    path = Path(font_path)
    if not path.is_file():
        raise ExportError(f"The PDF cannot be made because the font file {path} does not exist.")
    if not _has_chinese(path):
        raise ExportError(f"The PDF cannot be made because the font file {path} has no Chinese "
                          f"characters: {_FONT_HELP}.")
    return path

