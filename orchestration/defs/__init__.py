"""Dagster definitions, one sub-package per area; each exposes `defs`."""
