"""The report layer adds model-based statistics and renders; it does not count, summarise or derive.

Every count, percentage and descriptive statistic is a dbt results model and every flag a mart
column. These tests read the Python of `safety_reports/` and fail when a table module (or a helper it
uses) aggregates data frames, reads a whole mart it does not declare, or applies a threshold itself.
`stats.py`, the home of the model-based tests (Fisher, ANCOVA, Welch, Wilcoxon, ANOVA, chi-square),
works on the arrays a test needs and is the one module allowed array arithmetic."""

from __future__ import annotations

import ast
from pathlib import Path

from safety_reports.catalog import REPORT_ASSETS
from safety_warehouse import paths

PACKAGE = paths.PROJECT_ROOT / "safety_reports"
STATISTICS = PACKAGE / "stats.py"

# pandas / numpy calls that count or summarise: each would be a second home for a results model
AGGREGATES = {"nunique", "value_counts", "agg", "aggregate", "pivot_table", "crosstab", "describe", "quantile",
              "median", "std", "var", "mean", "cumsum", "cumcount", "size", "count"}
# configured thresholds: applied by the marts; the report layer may only print them
THRESHOLDS = {"transaminase_factor", "bilirubin_factor", "threshold_low_factor", "threshold_high_factor"}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != STATISTICS)


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    return [(n.lineno, n.func.attr) for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]


def test_no_table_aggregates_a_frame():
    found = []
    for path in _modules():
        for line, name in _calls(ast.parse(path.read_text())):
            if name in AGGREGATES:
                found.append(f"{path.relative_to(paths.PROJECT_ROOT)}:{line} .{name}()")
    assert not found, "counting or summarising in the report layer (belongs in a dbt results model):\n" + "\n".join(
        found)


def test_thresholds_are_only_printed():
    """A configured factor may appear in a label or footnote (an f-string), never in a comparison."""
    found = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                if names & THRESHOLDS:
                    found.append(f"{path.relative_to(paths.PROJECT_ROOT)}:{node.lineno}")
    assert not found, "a threshold applied in the report layer (belongs in the marts):\n" + "\n".join(found)


def test_no_report_reads_a_whole_mart_it_does_not_declare():
    """Whole-mart reads are declared in the catalogue entry (`marts`); the tables of this release
    read only results models and selected columns (`queried`)."""
    assert [a.name for a in REPORT_ASSETS if a.marts] == []
    assert all(a.results or a.after for a in REPORT_ASSETS)


def test_every_table_module_declares_one_entry_and_reads_its_own_results_model():
    tables = PACKAGE / "tables"
    modules = sorted(p.stem for p in tables.glob("*.py") if p.stem != "__init__")
    assert sorted(a.name for a in REPORT_ASSETS) == modules
    for a in REPORT_ASSETS:
        for table in a.tables:
            model = "results_" + table.removeprefix("t_")
            if a.results and model in _all_results():
                assert model in a.results, f"{a.name} renders {table} without reading {model}"


def _all_results() -> set[str]:
    return {p.stem for p in (paths.DBT_PROJECT_DIR / "models" / "results").glob("*.sql")}
