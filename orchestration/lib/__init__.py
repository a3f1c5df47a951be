"""Helpers shared by the Dagster definitions (no Dagster objects are built here)."""
