"""Exports of a query result (a package: tabular, html, pdf, fonts, picture, evidence): CSV, XLSX, JSON, HTML and PDF, each with its provenance.

Every export carries who ran which Cypher with which parameters, where and when, whether
the rows were cut, and the SHA-256 of the result data (:func:`result_sha256`): the hash of a
canonical JSON of the columns and rows, so equal data always gives the same hash and a
reader can recompute it from the JSON export. Exports are reproducible: the same result
and metadata give byte-identical files (no "exported at" clock, fixed PDF/XLSX dates).

Spreadsheet safety: a text cell that starts with ``= + - @``, a tab or a carriage return
(but is not a plain number such as ``-120.5``) gets a leading apostrophe in CSV and XLSX,
so Excel never runs it as a formula; XLSX cells are also written with ``write_string`` and
``strings_to_formulas=False``.

Chinese in the PDF — the choice
-------------------------------
The PDF is drawn with **fpdf2** (pure Python, on PyPI) and the font comes from
**pylopdf-fonts-zh-cn** (PyPI, a data-only package: Noto Sans SC Regular and Noto Serif SC
from notofonts/noto-cjk, SIL Open Font License 1.1, no dependencies). So ``pip install -r
requirements.txt`` alone gives a fresh machine a Simplified Chinese font; no system font,
no download at run time, nothing to ship in this repository.

* fpdf2 embeds the font as a *subset* (only the glyphs used, a few KB), with a ToUnicode
  map, so the PDF renders anywhere and its text can be searched and copied.
* reportlab was not chosen: its TTF support cannot read CFF-outline OpenType fonts such as
  Noto Sans SC, and its built-in Chinese CID fonts (STSong-Light) are *not embedded* — they
  depend on the reader's Asian font pack.
* The other PyPI font packages looked at were a 33 MB variable Noto CJK collection
  (manimgx-fonts-cjk, too large) and a WenQuanYi Micro Hei copy shipped without its own
  licence text (paperang-p2-fonts-cjk).

When that package is missing, :func:`find_cjk_font` falls back to a font file dropped in
``assets/fonts/`` and then to well-known system CJK fonts (Debian ``fonts-noto-cjk`` /
``fonts-wqy-microhei``, Windows Microsoft YaHei, macOS PingFang); if none holds Chinese
glyphs, the PDF export raises :class:`~core.errors.ExportError` with a sentence saying what
to install. HTML uses the CSS stack :data:`CSS_FONT_STACK`, i.e. the reader's own CJK fonts.
"""

from __future__ import annotations

from exports.api import FORMATS, export
from exports.common import canonical_json, cell_text, neutralise, result_sha256
from exports.fonts import SYSTEM_CJK_FONTS, find_cjk_font
from exports.html import CSS_FONT_STACK, render_html
from exports.picture import MAX_PICTURE_NODES, PICTURE_KINDS

__all__ = ["FORMATS", "export", "canonical_json", "cell_text", "neutralise", "result_sha256",
           "SYSTEM_CJK_FONTS", "find_cjk_font", "CSS_FONT_STACK", "render_html",
           "MAX_PICTURE_NODES", "PICTURE_KINDS"]
