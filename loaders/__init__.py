"""Loaders: read investigation files (CSV, XLSX, JSON lines), clean values, write the graph."""
