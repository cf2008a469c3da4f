"""The export entry point: one result and its metadata to one file in one format."""

from __future__ import annotations

import functools
import os
import uuid
from pathlib import Path
from typing import Callable

from core.errors import ExportError
from core.files import open_private, private_dir
from exports.html import write_html
from exports.pdf import write_pdf
from exports.tabular import write_csv, write_json, write_xlsx
from queries.result import ExportMeta, ResultData

FORMATS = ("csv", "xlsx", "json", "html", "pdf")

def export(result: ResultData, meta: ExportMeta, fmt: str, path: str | os.PathLike[str], *,
           font_path: str | os.PathLike[str] | None = None) -> Path:
    """Write ``result`` with ``meta`` to ``path`` as csv, xlsx, json, html or pdf; return the path.

    ``font_path`` (PDF only) names the CJK font file to use instead of :func:`find_cjk_font`.
    The file is written to a temporary name and renamed, so a failed export leaves no
    half-written file. Raises :class:`ExportError` with a sentence for the user.
    """
    kind = (fmt or "").strip().lower().lstrip(".")
    writers: dict[str, Callable[[ResultData, ExportMeta, Path], None]] = {
        "csv": write_csv, "xlsx": write_xlsx, "json": write_json,
        "html": write_html, "pdf": functools.partial(write_pdf, font_path=font_path),
    }
    if kind not in writers:
        raise ExportError(f"Cannot export as '{fmt}': choose one of {', '.join(FORMATS)}.")
    target = Path(path)
    try:
        private_dir(target.parent, tighten=False)  # a missing folder is created 0700
    except OSError as exc:
        raise ExportError(f"Cannot write the export to {target.parent}: {exc.strerror or exc}.") from exc
    temp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        open_private(temp, "wb").close()  # born 0600: the writers below reuse the file
        writers[kind](result, meta, temp)
        os.chmod(temp, 0o600)  # in case a library replaced the file
        os.replace(temp, target)
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"Cannot write the {kind.upper()} export to {target}: "
                          f"{exc.strerror or exc}.") from exc
    except Exception as exc:  # a library failure must still reach the user as a sentence
        raise ExportError(f"The {kind.upper()} export failed: {exc}.") from exc
    finally:
        if temp.exists():
            temp.unlink()
    return target

