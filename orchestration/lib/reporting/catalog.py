"""The catalogue of report outputs: which asset makes which table and figure, what each reads, and
the files a study's outputs folder must hold once every report asset has run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.lib import paths
from orchestration.lib.reporting.render import FIGURE_FORMATS, TABLE_FORMATS

INDEX_FILE = "index.html"
MANIFEST_TABLE = "output_manifest"


@dataclass(frozen=True)
class ReportAsset:
    name: str                       # asset key ["reports", name]
    description: str
    marts: tuple[str, ...]          # marts read (asset keys ["marts", m])
    tables: tuple[str, ...]         # reports.<table>, each also rendered as html / rtf / xlsx
    figures: tuple[str, ...] = ()   # png + svg
    after: tuple[str, ...] = ()     # other report assets read
    results: tuple[str, ...] = ()   # dbt results models read (asset keys ["results", r])
    queried: tuple[str, ...] = ()   # marts of which the builder reads selected columns only (asset keys ["marts", m])


_AE = ("dim_subject", "fct_adverse_event")
_SUBJECTS = ("dim_subject",)

REPORT_ASSETS: tuple[ReportAsset, ...] = (
    ReportAsset("demographics", "Demographic and baseline characteristics by arm and total, ANOVA / chi-square "
                "p-values (pilot 14-2.01).", _SUBJECTS, ("t_demographics",), results=("results_demographics",)),
    ReportAsset("ae_overview", "Subjects and events with any, serious, severe, related TEAE, TEAE leading to "
                "death or discontinuation, by arm.", _AE, ("t_ae_overview",)),
    ReportAsset("ae_soc_pt", "TEAE incidence by system organ class and preferred term with Fisher's exact "
                "p-values (pilot 14-5.01).", _SUBJECTS, ("t_ae_soc_pt",), results=("results_ae_soc_pt",)),
    ReportAsset("ae_soc_pt_serious", "Serious TEAE incidence by system organ class and preferred term "
                "(pilot 14-5.02).", _SUBJECTS, ("t_ae_soc_pt_serious",), results=("results_ae_soc_pt_serious",)),
    ReportAsset("ae_soc_pt_severity", "TEAE by system organ class, preferred term and worst severity.", _AE,
                ("t_ae_soc_pt_severity",), results=("results_ae_soc_pt",)),
    ReportAsset("ae_dose_window", "TEAE starting within configured windows after each dose, by arm.", _AE,
                ("t_ae_dose_window",)),
    ReportAsset("ae_dot_plot", "Incidence and risk difference (95% CI) of the most frequent preferred terms, "
                "table and dot plot.", _SUBJECTS, ("t_ae_risk_diff",), ("f_ae_dot_plot",),
                results=("results_ae_soc_pt",)),
    ReportAsset("lab_by_visit", "Lab values and change from baseline by visit and arm with active-vs-control "
                "tests (pilot 14-6.01), and mean (+/- SE) figures.", _SUBJECTS, ("t_lab_by_visit",),
                ("f_lab_mean_value", "f_lab_mean_change"), results=("results_lab_by_visit",),
                queried=("fct_lab_result",)),
    ReportAsset("vs_by_visit", "Vital signs by visit, timepoint and arm with active-vs-control tests "
                "(pilot 14-7.01), and mean (+/- SE) figures.", _SUBJECTS,
                ("t_vs_by_visit",), ("f_vs_mean_value", "f_vs_mean_change"), results=("results_vs_by_visit",),
                queried=("fct_vital_sign",)),
    ReportAsset("lab_shift", "Shift from baseline normal-range category to each post-baseline visit.", _SUBJECTS,
                ("t_lab_shift",), results=("results_lab_shift",)),
    ReportAsset("lab_nr_freq", "Frequency of low / normal / high lab values during treatment with Fisher's "
                "exact test (pilot 14-6.02).", _SUBJECTS, ("t_lab_nr_freq",), results=("results_lab_nr_freq",)),
    ReportAsset("lab_thr_shift", "Shift of threshold-based lab categories from baseline by visit "
                "(pilot 14-6.04).", _SUBJECTS, ("t_lab_thr_shift",), results=("results_lab_thr_shift",)),
    ReportAsset("liver_injury", "Liver-injury screen by arm with Fisher's exact p-values, and the eDISH plot.",
                _SUBJECTS, ("t_liver_injury",), ("f_edish",), results=("results_liver_injury",),
                queried=("mart_liver_injury",)),
    ReportAsset("significant_findings", "Plain-language list of lab and vital-sign parameters differing from "
                "control at the study alpha.", ("dim_subject",), ("t_significant_findings",),
                after=("lab_by_visit", "vs_by_visit")),
)

INDEX_ASSET = "index"


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
    """Every file outputs/<study>/ holds after all report assets ran: each table as HTML, RTF and
    XLSX, each figure as PNG and SVG, and the index page."""
    base = (outputs_root or paths.outputs_dir()) / study
    files = [base / f"{t}.{ext}" for t in table_names() for ext in TABLE_FORMATS]
    files += [base / f"{f}.{ext}" for f in figure_names() for ext in FIGURE_FORMATS]
    files.append(base / INDEX_FILE)
    return files
