"""The FollowTheMoney model's edge definitions, read from the model's own schema files.

The YAML files in this folder are copied verbatim from the ``followthemoney`` wheel
(version :data:`FTM_VERSION`, MIT licence, see ``LICENSE``); ``RECORD`` holds the wheel's
own SHA-256 lines for them, and ``tests/test_ftm.py`` checks every file against it, so
the edge table below is the model's, not a guess. The package itself is not a dependency:
it pulls rdflib, SQLAlchemy, pydantic, rigour, rich and a dozen more for what is, here, a
table of eleven edges.

To follow a new model version (or map another link schema): ``pip download
followthemoney==X --no-deps``, unzip it, copy ``followthemoney/schema/<Schema>.yaml`` here,
replace the lines of ``RECORD`` with the wheel's ``RECORD`` lines for those files, and set
:data:`FTM_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

FTM_VERSION = "4.11.2"
MODEL_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Edge:
    """How an FtM interval schema reads as an edge: ``source`` and ``target`` are the
    names of its entity properties; ``label`` the model's verb; ``directed`` False for a
    symmetric link (Family, Associate, UnknownLink)."""

    schema: str
    source: str
    target: str
    label: str
    directed: bool


def vendored_files() -> list[Path]:
    return sorted(MODEL_DIR.glob("*.yaml"))


def load_edges() -> dict[str, Edge]:
    """{schema name: Edge} for every vendored schema file that declares an edge."""
    edges = {}
    for path in vendored_files():
        for name, spec in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            edge = (spec or {}).get("edge")
            if edge:
                edges[name] = Edge(name, edge["source"], edge["target"], str(edge.get("label", "")),
                                   bool(edge.get("directed", True)))
    return edges


EDGES: dict[str, Edge] = load_edges()
