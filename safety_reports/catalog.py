"""The catalogue of report outputs, found in `safety_reports/tables/`: every module there declares
one `REPORT` entry (see `entry.ReportAsset`), which asset makes which tables and figures, what it
reads, and how it is built. From the entries: the files a study's outputs folder must hold once
every report asset has run."""

from __future__ import annotations

import importlib
from collections import Counter
import pkgutil
from functools import lru_cache
from pathlib import Path

from safety_reports import tables as _tables_pkg
from safety_reports.entry import FIGURE_FORMATS, TABLE_FORMATS, ReportAsset
from safety_warehouse import paths

INDEX_ASSET = "index"
# results models every report reads: the analysis population and N per arm
POPULATION_MODELS = ("results_population", "results_big_n")
INDEX_FILE = "index.html"
MANIFEST_TABLE = "output_manifest"


class CatalogueError(RuntimeError):
    pass


@lru_cache(maxsize=1)
def discover() -> tuple[ReportAsset, ...]:
    """Every table module's entry, in catalogue order; names, tables and figures are unique and the
    assets an entry reads after exist."""
    found: list[ReportAsset] = []
    for info in pkgutil.iter_modules(_tables_pkg.__path__):
        module = importlib.import_module(f"{_tables_pkg.__name__}.{info.name}")
        entry = getattr(module, "REPORT", None)
        if not isinstance(entry, ReportAsset):
            raise CatalogueError(f"safety_reports/tables/{info.name}.py declares no REPORT = ReportAsset(...)")
        found.append(entry)
    found.sort(key=lambda a: (a.order, a.name))
    names = [a.name for a in found]
    outputs = [o for a in found for o in a.tables + a.figures]
    for label, values in (("asset name", names + [INDEX_ASSET]), ("output name", outputs)):
        dupes = sorted(v for v, times in Counter(values).items() if times > 1)
        if dupes:
            raise CatalogueError(f"report catalogue: {label} declared twice: {', '.join(dupes)}")
    for a in found:
        unknown = [x for x in a.after if x not in names]
        if unknown:
            raise CatalogueError(f"report {a.name}: reads unknown report assets {unknown}")
    return tuple(found)


REPORT_ASSETS: tuple[ReportAsset, ...] = discover()


def report_asset(name: str) -> ReportAsset:
    for a in REPORT_ASSETS:
        if a.name == name:
            return a
    raise KeyError(name)


def table_names() -> list[str]:
    return [t for a in REPORT_ASSETS for t in a.tables]


def figure_names() -> list[str]:
    return [f for a in REPORT_ASSETS for f in a.figures]


def expected_output_files(study: str, outputs_root: Path | None = None) -> list[Path]:
    """Every file outputs/<study>/ holds after all report assets ran: each table in every table format,
    each figure in every figure format, and the index page."""
    base = (outputs_root or paths.outputs_dir()) / study
    files = [base / f"{t}.{ext}" for t in table_names() for ext in TABLE_FORMATS]
    files += [base / f"{f}.{ext}" for f in figure_names() for ext in FIGURE_FORMATS]
    files.append(base / INDEX_FILE)
    return files


def output_number(name: str) -> str | None:
    """The number a table or figure is filed under: its place in the catalogue ("Table 3" is the third
    table of the catalogue order, figures counted apart); None for an output the catalogue lacks."""
    for kind, names in (("Table", table_names()), ("Figure", figure_names())):
        if name in names:
            return f"{kind} {names.index(name) + 1}"
    return None


def output_program(name: str) -> str | None:
    """The module whose entry builds a table or figure, as a path from the project root
    (safety_reports/tables/<module>.py); None for an output the catalogue lacks."""
    for a in REPORT_ASSETS:
        if name in a.tables or name in a.figures:
            return a.build.__module__.replace(".", "/") + ".py"
    return None
