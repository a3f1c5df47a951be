"""What a report table module declares: `REPORT = ReportAsset(...)`, its entry in the catalogue.

A table module (one file under `safety_reports/tables/`) holds the entry and the function that builds
it from a `Session`; the catalogue finds every module there, so adding a table is adding one file.
The entry is plain data: reading it imports neither the statistics nor the rendering libraries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

if TYPE_CHECKING:
    from safety_reports.build import Session

TABLE_FORMATS = ("html", "rtf", "xlsx")
FIGURE_FORMATS = ("png", "svg")


@dataclass(frozen=True)
class ReportAsset:
    name: str                                   # asset key ["reports", name]
    order: int                                  # place in the catalogue and on the index page
    description: str
    build: "Callable[[Session], None]"          # reads the session's inputs, records tables and figures
    tables: tuple[str, ...]                     # reports.<table>, each rendered as TABLE_FORMATS
    figures: tuple[str, ...] = ()               # each rendered as FIGURE_FORMATS
    marts: tuple[str, ...] = ()                 # marts read whole (asset keys ["marts", m])
    queried: tuple[str, ...] = ()               # marts of which the builder queries selected columns only
    results: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # dbt results model -> columns read
    after: tuple[str, ...] = ()                 # other report assets whose reports.* tables are read
