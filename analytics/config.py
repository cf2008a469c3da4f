"""The analytics settings (weights and thresholds), read once from ``analytics/settings.yaml``.

The file is part of the code base, not user configuration: investigators tune it knowingly,
and every weight a result depends on is in that one file.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.errors import ConfigError

SETTINGS_FILE = Path(__file__).with_name("settings.yaml")


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"The analytics settings file {path} cannot be read: {exc}.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"The analytics settings file {path} is not a YAML mapping.")
    for section in ("people_org", "org_org", "groups", "hubs", "reformed", "matches", "engine"):
        if not isinstance(data.get(section), dict):
            raise ConfigError(f"The analytics settings file {path} lacks the section '{section}'.")
    return data


def analytics_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings as a dict (a copy: callers may change it for an experiment)."""
    return copy.deepcopy(_load(str(path or SETTINGS_FILE)))
