"""The demo case end to end: generate the files, then load them like a user would."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from core.settings import Settings
from demo.generate import generate_case
from graph.connection import GraphDB
from loaders.pipeline import FileReport, Progress, load_file

#: Load order: the registry first, so names in later files resolve to registered orgs.
LOAD_ORDER = ("registry.csv", "roster.csv", "events.csv", "leads.csv", "blacklist.csv",
              "bank_statements_gbk.csv", "bank_statements.xlsx")


def demo_dir(settings: Settings, scale: float, seed: int) -> Path:
    return settings.data_dir.parent / "demo" / f"seed{seed}-scale{scale:g}"


def load_files(db: GraphDB, out_dir: Path, *, user: str, report_dir: Path,
               progress: Callable[[Progress], None] | None = None) -> list[FileReport]:
    return [load_file(db, out_dir / name, user=user, report_dir=report_dir, progress=progress)
            for name in LOAD_ORDER if (out_dir / name).exists()]


def load_demo_case(db: GraphDB, settings: Settings, *, scale: float = 1.0, seed: int = 7,
                   out_dir: Path | None = None) -> str:
    """Generate (if not there yet) and load the demo case; returns a one-paragraph summary."""
    out_dir = out_dir or demo_dir(settings, scale, seed)
    if not (out_dir / "ground_truth.json").exists():
        generate_case(out_dir, scale=scale, seed=seed)
    reports = load_files(db, out_dir, user=settings.user, report_dir=out_dir / "load-reports")
    lines = [f"Demo case (fictional, seed {seed}, scale {scale:g}) from {out_dir}:"]
    for r in reports:
        lines.append(f"  {r.file}: {r.status}, {r.loaded:,} of {r.read:,} rows loaded, {r.rejected} rejected"
                     + (f" - {r.message}" if r.message else ""))
    return "\n".join(lines)
