"""Significant findings in plain language: for each active arm, the lab and vital-sign parameters
whose change from baseline differed from control at the study's alpha, with the direction and the
visits, e.g. "Xanomeline High Dose vs Placebo: higher platelet at Week 2; lower lymphocytes at
Weeks 2 and 4". Built from the by-visit results (estimate = active minus control)."""

from __future__ import annotations

import re

import pandas as pd

from safety_reports.model import Column, DisplayTable, ReportContext, fmt_p

COLUMNS = ["study", "domain", "arm", "control", "parcat1", "paramcd", "param", "timepoint", "direction", "visits",
           "visit_labels", "n_visits", "min_p", "min_p_fdr", "statement", "finding_order"]


def parameter_phrase(param: str, timepoint: str | None = None) -> str:
    """'Platelet (10^9/L)' -> 'platelet'; a timepoint is added in brackets. Only plain capitalised words
    are lower-cased: abbreviations, single letters and names such as 'D-Dimer' keep their case
    ('Immunoglobulin A' -> 'immunoglobulin A')."""
    text = re.sub(r"\s*\([^()]*\)\s*$", "", str(param)).strip()
    words = [w.lower() if re.fullmatch(r"[A-Z][a-z]+", w) else w for w in text.split()]
    phrase = " ".join(words)
    if timepoint:
        phrase += f" ({str(timepoint).lower()})"
    return phrase


def visit_phrase(labels: list[str]) -> str:
    """['Week 2', 'Week 4', 'End of Treatment'] -> 'Weeks 2 and 4 and End of Treatment'."""
    groups: list[tuple[str | None, list[str]]] = []
    for label in labels:
        m = re.fullmatch(r"(\w+)\s+(\d+(?:\.\d+)?)", str(label))
        if m and groups and groups[-1][0] == m.group(1):
            groups[-1][1].append(m.group(2))
        elif m:
            groups.append((m.group(1), [m.group(2)]))
        else:
            groups.append((None, [str(label)]))
    parts = []
    for word, items in groups:
        if word is None:
            parts.append(items[0])
        elif len(items) == 1:
            parts.append(f"{word} {items[0]}")
        else:
            parts.append(f"{word}s {_join(items)}")
    if len(parts) > 1 and any(" and " in p for p in parts):
        return ", ".join(parts[:-1]) + ", and " + parts[-1]
    return _join(parts)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def compute(by_visit: dict[str, pd.DataFrame], ctx: ReportContext) -> pd.DataFrame:
    """by_visit: domain code ('LB', 'VS') -> by-visit result frame."""
    control = ctx.cfg.arms.control
    rows = []
    order = 0
    for domain, frame in by_visit.items():
        if frame is None or frame.empty:
            continue
        f = frame.loc[frame["flag"].astype(bool) & frame["p_value"].notna()].copy()
        if f.empty:
            continue
        if "timepoint" not in f.columns:
            f["timepoint"] = ""
        f["timepoint"] = f["timepoint"].fillna("")
        f["direction"] = ["higher" if e > 0 else "lower" if e < 0 else "different" for e in f["estimate"]]
        f["armn"] = f["arm"].map(ctx.cfg.arms.order_of)
        sort = ["armn", "parcat1", "paramcd"] + (["timepointn"] if "timepointn" in f.columns else []) + ["direction"]
        for (arm, parcat1, paramcd, param, timepoint, direction), g in f.sort_values(sort + ["visitn"]).groupby(
                ["arm", "parcat1", "paramcd", "param", "timepoint", "direction"], sort=False):
            labels = g.sort_values("visitn")["visit"].tolist()
            visits = visit_phrase(labels)
            statement = f"{direction} {parameter_phrase(param, timepoint or None)} at {visits}"
            order += 1
            rows.append(dict(study=ctx.study, domain=domain, arm=arm, control=control, parcat1=parcat1,
                             paramcd=paramcd, param=param, timepoint=timepoint or None, direction=direction,
                             visits=visits, visit_labels="; ".join(labels), n_visits=len(labels),
                             min_p=float(g["p_value"].min()), min_p_fdr=float(g["p_fdr"].min()),
                             statement=statement, finding_order=order))
    out = pd.DataFrame(rows, columns=COLUMNS)
    if not out.empty:
        out["_armn"] = out["arm"].map(ctx.cfg.arms.order_of)
        out = out.sort_values(["_armn", "finding_order"]).drop(columns="_armn").reset_index(drop=True)
        out["finding_order"] = range(1, len(out) + 1)
    return out


def sentences(result: pd.DataFrame, ctx: ReportContext) -> list[str]:
    """One sentence per active arm (in configuration order)."""
    arms = ctx.cfg.arms
    out = []
    for a in arms.actives:
        f = result.loc[result["arm"] == a].sort_values("finding_order") if not result.empty else result
        if f.empty:
            out.append(f"{a} vs {arms.control}: no parameter differed at the {ctx.cfg.alpha:g} level.")
        else:
            out.append(f"{a} vs {arms.control}: " + "; ".join(f["statement"]))
    return out


def basis(ctx: ReportContext) -> str:
    """Which p-value flags a difference (settings.findings_p), in words."""
    from safety_reports.by_visit import P_BASIS

    return P_BASIS[ctx.cfg.findings_p]


def _present(value) -> bool:
    """A non-blank text value: a stored NULL (None, or NaN once in a pandas column) prints as nothing."""
    return isinstance(value, str) and value.strip() != ""


def display(result: pd.DataFrame, ctx: ReportContext, tests: dict[str, str]) -> DisplayTable:
    rows = []
    for r in result.itertuples(index=False):
        rows.append({"arm": f"{r.arm} vs {r.control}", "domain": r.domain,
                     "param": str(r.param) + (f" - {r.timepoint}" if _present(r.timepoint) else ""),
                     "direction": r.direction, "visits": r.visits, "p": fmt_p(r.min_p),
                     "p_fdr": fmt_p(r.min_p_fdr)})
    columns = [Column("domain", "Domain", width=0.7), Column("param", "Parameter", align="l", width=3.0),
               Column("direction", "Change vs control", width=1.1), Column("visits", "Visits", align="l", width=2.4),
               Column("p", "Smallest p-value", width=1.0), Column("p_fdr", "Smallest FDR-adjusted p", width=1.0)]
    body = pd.DataFrame(rows, columns=["arm"] + [c.key for c in columns])
    test_text = "; ".join(f"{d}: {t}" for d, t in tests.items())
    return DisplayTable(
        name="t_significant_findings",
        title=f"Lab and vital-sign parameters that differ from control (p < {ctx.cfg.alpha:g})",
        columns=columns, body=body, group="arm", test=test_text,
        footnotes=sentences(result, ctx) + [
            "Direction: sign of the active-minus-control estimate of what each parameter's test compares (the "
            "change from baseline, or the value at the visit where so configured) at the flagged visits.",
            f"Flagged on the {basis(ctx)}; FDR: Benjamini-Hochberg within each parameter category of a domain, "
            "over its parameters, visits and active arms."],
        data=result)
