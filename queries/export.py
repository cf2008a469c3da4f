"""Compatibility: the exports moved to the :mod:`exports` package (tabular, html, pdf, fonts,
picture, evidence). Import from there; this re-export stays while other branches move over."""

from exports import (CSS_FONT_STACK, FORMATS, MAX_PICTURE_NODES, PICTURE_KINDS,  # noqa: F401
                     SYSTEM_CJK_FONTS, canonical_json, cell_text, export, find_cjk_font,
                     neutralise, render_html, result_sha256)
