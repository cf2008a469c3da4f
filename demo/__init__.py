"""Fictional demo case (Chongqing) for OrgTrace: ``generate_case(out_dir, scale=1.0, seed=7)``."""

from demo.generate import generate_case

__all__ = ["generate_case"]
