"""Benchmarks: the pipeline against a plain-DuckDB floor at several sizes (`python -m benchmarks.bench`)."""
