"""The warehouse core, free of Dagster: study folders and their typed configuration, feed scanning and
loading into `raw`, the warehouse files (working state, run copies, published snapshots) and the raw
quality runner. The Dagster definitions in `orchestration/` call into it; so do the tests."""
