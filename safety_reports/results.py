"""The columns the report tables read of each dbt results model (schema `results`). The models'
contracts are the schema; this is what Python asks for, so a table never reads a column it does not
use and never a whole mart."""

from __future__ import annotations

_SOC_PT = ("level", "soc", "pt", "arm", "armn", "big_n", "n_subjects", "pct", "n_events", "ctrl_n_subjects",
           "ctrl_big_n", "compare_to_control", "row_order")
_SHIFT = ("parcat1", "paramcd", "param", "avisit", "avisitn", "arm", "armn", "baseline", "post", "n", "n_visit",
          "pct")

_BY_VISIT = ("parcat1", "paramcd", "param", "avalu", "avisitn", "avisit", "visit_type", "arm", "armn", "n", "n_obs",
             "mean", "sd", "se", "median", "min", "max", "chg_n", "chg_n_obs", "chg_mean", "chg_sd", "chg_se",
             "chg_median", "chg_min", "chg_max", "decimals")
_VS_BY_VISIT = _BY_VISIT[:3] + ("atptn", "atpt") + _BY_VISIT[3:]
_LIVER = ("criterion", "label", "criterion_order", "arm", "armn", "big_n", "n_evaluable", "n_subjects", "pct",
          "ctrl_n_subjects", "ctrl_n_evaluable", "compare_to_control")

RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "results_ae_aesi": ("aesi_cat", "definition", "category_order", "arm", "armn", "big_n", "n_subjects", "pct",
                        "n_events", "ctrl_n_subjects", "ctrl_big_n", "compare_to_control"),
    "results_demographics": ("variable", "var_order", "kind", "statistic", "category", "row_order", "arm", "armn",
                             "big_n", "n", "pct", "value"),
    "results_ae_soc_pt": _SOC_PT,
    "results_ae_soc_pt_serious": _SOC_PT,
    "results_ae_overview": ("category", "label", "category_order", "arm", "armn", "big_n", "n_subjects", "pct",
                            "n_events", "source", "ctrl_n_subjects", "ctrl_big_n", "compare_to_control"),
    "results_ae_soc_pt_severity": ("level", "soc", "pt", "severity", "sevn", "arm", "armn", "big_n", "n_subjects",
                                   "pct", "n_events", "row_order"),
    "results_ae_dose_window": ("window_label", "window_hours", "window_order", "dosenum", "dose_label", "dose_order",
                               "level", "soc", "pt", "row_order", "arm", "armn", "big_n", "n_subjects", "pct",
                               "n_events", "n_events_datetime", "ctrl_n_subjects", "ctrl_big_n",
                               "compare_to_control"),
    "results_ae_risk_diff": ("soc", "pt", "arm", "armn", "big_n", "n_subjects", "pct", "ctrl_n_subjects",
                             "ctrl_big_n", "compare_to_control", "row_order", "plotted"),
    "results_lab_nr_freq": ("parcat1", "paramcd", "param", "category", "arm", "armn", "n_evaluable", "n_subjects",
                            "pct", "ctrl_n_subjects", "ctrl_n_evaluable", "compare_to_control"),
    "results_lab_shift": _SHIFT,
    "results_lab_thr_shift": _SHIFT,
    "results_lab_by_visit": _BY_VISIT,
    "results_vs_by_visit": _VS_BY_VISIT,
    "results_liver_injury": _LIVER,
}


def reads(*models: str) -> dict[str, tuple[str, ...]]:
    """The entry's `results` mapping for these models."""
    return {m: RESULT_COLUMNS[m] for m in models}
