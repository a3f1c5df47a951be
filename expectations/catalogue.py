"""The rule catalogue: rules.yml expanded into one `Rule` per rule id and table.

A template with placeholders ({D}, {P}, {column}, and any key of the table's parameters)
becomes one rule per table it lists. Nothing here knows a study: values that come from a
study (arms, sponsor terminology, plausible ranges) are resolved when a suite is built.

The catalogue covers the raw feeds only. The marts are checked by their dbt tests (shown in
Dagster as the marts' asset checks), so a table outside the `raw` layer is refused here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
RULES_FILE = HERE / "rules.yml"
TERMINOLOGY_FILE = HERE / "terminology.yml"

SEVERITIES = ("ERROR", "WARN")

# How each check type is evaluated (see expectations/checks.py).
GX_NATIVE = {"required", "populated", "in_set", "min_length"}
GX_SQL = {"unique", "iso8601", "numeric", "max_length", "row", "unit_consistent", "plausible_range", "date_order"}
FALLBACK_SQL = {"exists_in", "cross_sql"}
CHECKS = GX_NATIVE | GX_SQL | FALLBACK_SQL

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CatalogueError(ValueError):
    pass


LAYERS = ("raw",)


@dataclass(frozen=True)
class Target:
    """A validated table: raw.<domain>, an SDTM feed as delivered (upper-case variable names)."""

    layer: str  # raw
    table: str  # lower case
    key: str | None  # SQL expression of the record key within a subject (None: one row per subject)

    @property
    def name(self) -> str:
        return f"{self.layer}.{self.table}"

    @property
    def subject_column(self) -> str:
        return "USUBJID"

    @property
    def study_column(self) -> str:
        return "STUDYID"

    @property
    def asset_key(self) -> list[str]:
        return [self.layer, self.table]


@dataclass(frozen=True)
class Rule:
    id: str
    target: str  # "raw.ae"
    check: str
    severity: str
    message: str
    reference: str | None
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def layer(self) -> str:
        return self.target.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.target.split(".", 1)[1]

    @property
    def engine(self) -> str:
        """gx (built-in expectation), gx-sql (UnexpectedRowsExpectation) or sql (fallback)."""
        if self.check in GX_NATIVE:
            return "gx"
        if self.check in GX_SQL:
            return "gx-sql"
        return "sql"

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    @property
    def check_name(self) -> str:
        """Dagster check name (letters, digits and underscores)."""
        return re.sub(r"[^A-Za-z0-9_]", "_", self.id)


def _fill(value: Any, subs: dict[str, str]) -> Any:
    """Substitute {name} placeholders known in subs; leave the others (e.g. {batch}) alone."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: str(subs[m.group(1)]) if m.group(1) in subs else m.group(0), value)
    if isinstance(value, list):
        return [_fill(v, subs) for v in value]
    if isinstance(value, dict):
        return {_fill(k, subs): _fill(v, subs) for k, v in value.items()}
    return value


def _instances(template: dict) -> list[tuple[str, dict]]:
    spec = template.get("for")
    if isinstance(spec, dict):
        return [(t, dict(p or {})) for t, p in spec.items()]
    if isinstance(spec, list):
        out = []
        for item in spec:
            item = dict(item)
            out.append((item.pop("table"), item))
        return out
    raise CatalogueError(f"template {template.get('id')}: `for` must map tables to parameters or list them")


def _expand(template: dict, targets: dict[str, Target]) -> list[Rule]:
    for key in ("id", "check", "severity", "message"):
        if key not in template:
            raise CatalogueError(f"rule {template.get('id', '?')}: missing `{key}`")
    if template["check"] not in CHECKS:
        raise CatalogueError(f"rule {template['id']}: unknown check {template['check']!r}")
    if template["severity"] not in SEVERITIES:
        raise CatalogueError(f"rule {template['id']}: severity must be one of {SEVERITIES}")
    rules = []
    for target_name, local in _instances(template):
        if target_name not in targets:
            raise CatalogueError(f"rule {template['id']}: unknown table {target_name}")
        target = targets[target_name]
        code = target.table.upper()
        subs = {"D": code, "P": code[4:] if code.startswith("SUPP") else code}
        subs.update({k: v for k, v in local.items() if isinstance(v, (str, int, float))})
        params = _fill({**dict(template.get("params") or {}), **local}, subs)
        rule_id = _fill(template["id"], subs)
        if _PLACEHOLDER.search(rule_id):
            raise CatalogueError(f"rule {template['id']}: unfilled placeholder in id {rule_id} for {target_name}")
        rules.append(Rule(
            id=rule_id,
            target=target_name,
            check=template["check"],
            severity=template["severity"],
            message=" ".join(_fill(template["message"], subs).split()),
            reference=template.get("reference"),
            params=params,
        ))
    return rules


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict[str, Target], tuple[Rule, ...]]:
    with open(path) as fh:
        doc = yaml.safe_load(fh)
    targets: dict[str, Target] = {}
    for layer, tables in (doc.get("tables") or {}).items():
        if layer not in LAYERS:
            raise CatalogueError(
                f"tables of layer {layer!r}: the rule catalogue checks raw feeds only "
                f"(marts are checked by their dbt tests)")
        for table, spec in (tables or {}).items():
            targets[f"{layer}.{table}"] = Target(layer=layer, table=table, key=(spec or {}).get("key"))
    rules: list[Rule] = []
    for template in doc.get("templates") or []:
        rules.extend(_expand(template, targets))
    seen: dict[tuple[str, str], Rule] = {}
    for r in rules:
        if (r.id, r.target) in seen:
            raise CatalogueError(f"rule id {r.id} is defined twice for {r.target}")
        seen[(r.id, r.target)] = r
    ids = [r.id for r in rules]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise CatalogueError(f"rule ids must be unique across tables: {sorted(dupes)}")
    return targets, tuple(rules)


def targets(path: Path = RULES_FILE) -> dict[str, Target]:
    return _load(str(path))[0]


def rules(path: Path = RULES_FILE) -> list[Rule]:
    return list(_load(str(path))[1])


def rules_for(target: str, path: Path = RULES_FILE) -> list[Rule]:
    return [r for r in rules(path) if r.target == target]


def rule(rule_id: str, path: Path = RULES_FILE) -> Rule:
    for r in rules(path):
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


@lru_cache(maxsize=1)
def cdisc_terminology() -> dict[str, dict]:
    with open(TERMINOLOGY_FILE) as fh:
        return (yaml.safe_load(fh) or {}).get("codelists", {})
