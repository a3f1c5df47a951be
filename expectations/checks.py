"""Compiling rules into Great Expectations expectations (or fallback SQL) for one study's table.

Three ways a rule is evaluated, chosen by its check type (catalogue.GX_NATIVE / GX_SQL /
FALLBACK_SQL):

- gx      built-in GX Core expectations (not null, in set, minimum length, column exists),
          which GX compiles to SQL and runs in DuckDB;
- gx-sql  `UnexpectedRowsExpectation`: SQL written here, run by GX against the batch. Used where
          GX 1.24 has no built-in that works on DuckDB: its regex expectations raise "Regex is
          not supported for dialect duckdb"; its compound-uniqueness expectation returns no
          failing rows on SQL sources; the type-aware comparisons (numeric text, dates at
          shared precision, window aggregates) have no built-in at all. The text-length rule
          is one query over every column rather than one built-in per column: GX's cost is
          per expectation, and a feed has dozens of columns;
- sql     the fallback, outside GX: rules that read a second table (subject in DM, visit in
          SV, onset after consent, supplemental parent exists). A GX batch is one data asset;
          these run as plain DuckDB SQL over the same batch query.

Every SQL form returns the same four columns, so findings look alike whatever ran them:
usubjid, record (the record key within the subject), variable, value.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from expectations.catalogue import Rule, Target, cdisc_terminology

if TYPE_CHECKING:
    from safety_warehouse.study_model import QualityConfig, StudyConfig

BATCH = "\x00batch\x00"  # placeholder for the batch in generated SQL
RECORD = "_record"  # batch column holding the record key
SYSTEM_COLUMNS = {"_load_id", RECORD}

ISO8601_REGEX = (
    r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])"
    r"(T([01][0-9]|2[0-3])(:[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?)?)?)?)?"
)
NUMBER_REGEX = r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?"


# --------------------------------------------------------------------------- study settings

@dataclass
class StudySettings:
    """What a study's validated configuration (safety_warehouse.study_model: study.yml and
    quality.yml, read once) contributes to its rules."""

    study: str
    studyid: str
    config: "StudyConfig"

    @property
    def quality(self) -> "QualityConfig":
        return self.config.quality

    def items(self, section: str) -> list[dict[str, Any]]:
        """The items of a study.yml section as mappings (a mapping section is one item)."""
        value = getattr(self.config, section, None)
        if value is None:
            raise ValueError(f"study.yml has no section {section!r} (referenced by a rule)")
        return [v.model_dump() for v in (value if isinstance(value, list) else [value])]

    def values(self, path: str) -> list[str]:
        """`arms.arm` -> the `arm` field of every item of study.yml's `arms` section."""
        section, _, fieldname = path.partition(".")
        out = []
        for item in self.items(section):
            v = item.get(fieldname)
            if v is not None and str(v) not in out:
                out.append(str(v))
        return out

    def codelist(self, name: str) -> list[str]:
        base = list((cdisc_terminology().get(name) or {}).get("values") or [])
        local = self.quality.terminology.get(name)
        if local is not None:
            if local.values is not None:
                base = list(local.values)
            base += [v for v in local.extend if v not in base]
        return [str(v) for v in base]

    def ranges(self, section: str, defaults: dict[str, dict] | None = None) -> dict[str, dict]:
        """Plausible ranges of a quality.yml section; a rule's `defaults` fill the entries the
        study does not set (a study's entry replaces the default entry as a whole)."""
        local = {k: r.model_dump() for k, r in (self.quality.plausible_ranges.get(section) or {}).items()}
        return {**dict(defaults or {}), **local}

    @property
    def max_findings(self) -> int:
        return self.quality.max_findings_per_rule


def load_settings(study: str, studyid: str | None = None) -> StudySettings:
    from safety_warehouse.study_model import load_study

    config = load_study(study)
    return StudySettings(study=study, studyid=studyid or config.studyid, config=config)


# --------------------------------------------------------------------------- SQL helpers

def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: list[Any]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")" if values else "(NULL)"


def resolve_values(sql: str, settings: StudySettings) -> str:
    """Fill placeholders with values from the study's configuration:
    `{values:section.field}` and `{codelist:NAME}` -> SQL lists;
    `{lookup:section.key.value(expr)}` -> CASE expr WHEN <key> THEN <value> ... END."""
    import re

    def repl(m: re.Match) -> str:
        kind, arg = m.group(1), m.group(2)
        return sql_list(settings.values(arg) if kind == "values" else settings.codelist(arg))

    def lookup(m: re.Match) -> str:
        section, key, value, expr = m.groups()
        whens = " ".join(f"WHEN {lit(i.get(key))} THEN {lit(i.get(value))}" for i in settings.items(section)
                         if i.get(key) is not None)
        return f"(CASE {expr} {whens} END)" if whens else "NULL"

    sql = re.sub(r"\{lookup:([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\(([^)]+)\)\}", lookup, sql)
    return re.sub(r"\{(values|codelist):([A-Za-z0-9_.]+)\}", repl, sql)


def batch_query(target: Target, columns: list[str], studyid: str, null_columns: list[str] = ()) -> str:
    """The rows of one study, blanks as NULL, the record key as `_record`."""
    cols = [c for c in columns if c not in SYSTEM_COLUMNS]
    inner = ", ".join(f"nullif(trim({q(c)}), '') AS {q(c)}" for c in cols)
    inner += "".join(f", CAST(NULL AS VARCHAR) AS {q(c)}" for c in null_columns)
    key = f"CAST({target.key} AS VARCHAR)" if target.key else "CAST(NULL AS VARCHAR)"
    return (f"SELECT *, {key} AS {RECORD} FROM (SELECT {inner} FROM {target.layer}.{q(target.table)} "
            f"WHERE {q(target.study_column)} = {lit(studyid)}) AS src")


def _select(target: Target, variable: str, value_sql: str, source: str = BATCH) -> str:
    return (f"SELECT {q(target.subject_column)} AS usubjid, {RECORD} AS record, "
            f"{lit(variable)} AS variable, CAST({value_sql} AS VARCHAR) AS value FROM {source}")


# --------------------------------------------------------------------------- compiled rules

@dataclass
class Compiled:
    rule: Rule
    expectations: list[Any] = field(default_factory=list)  # GX expectations (meta names the rule)
    sql: str | None = None  # gx-sql / fallback query, BATCH as the batch placeholder
    not_applicable: str | None = None  # why the rule was not evaluated for this table
    missing_columns: list[str] = field(default_factory=list)  # required columns the table lacks

    @property
    def engine(self) -> str:
        return self.rule.engine


def _columns_param(rule: Rule, present: dict[str, str], key: str = "columns") -> list[str]:
    spec = rule.params.get(key)
    if spec is None:
        return []
    if isinstance(spec, str):  # glob over the table's columns, e.g. "*DTC" or "*"
        return [c for c in present if c not in SYSTEM_COLUMNS and fnmatch.fnmatchcase(c, spec)]
    return list(spec)


def optional_columns(rules: list[Rule]) -> set[str]:
    out: set[str] = set()
    for r in rules:
        out.update(r.params.get("optional_columns") or [])
    return out


def compile_rule(rule: Rule, target: Target, present: dict[str, str], settings: StudySettings) -> Compiled:
    """present: the batch's columns (name -> DuckDB type), optional columns included as NULL."""
    import great_expectations as gx

    c = Compiled(rule=rule)
    p = rule.params
    meta = {"rule_id": rule.id, "severity": rule.severity}

    def need(cols: list[str]) -> bool:
        missing = [x for x in cols if x not in present]
        if missing:
            c.not_applicable = f"column(s) {', '.join(missing)} not in {target.name}"
            return False
        return True

    check = rule.check
    if check in ("required", "populated"):
        cols = _columns_param(rule, present)
        if check == "required":
            for col in cols:
                c.expectations.append(gx.expectations.ExpectColumnToExist(column=col, meta={**meta, "variable": col}))
            c.missing_columns = [x for x in cols if x not in present]
        cols = [x for x in cols if x in present]
        if not cols and check == "populated":
            c.not_applicable = f"none of {p.get('columns')} in {target.name}"
        for col in cols:
            c.expectations.append(gx.expectations.ExpectColumnValuesToNotBeNull(column=col, meta={**meta, "variable": col}))

    elif check == "in_set":
        col = p["column"]
        if not need([col]):
            return c
        if "codelist" in p:
            values = settings.codelist(p["codelist"])
        else:
            values = []
            for path in p["values"]:
                values += [v for v in settings.values(path) if v not in values]
        if not values:
            c.not_applicable = "no values configured (terminology or study configuration)"
            return c
        c.expectations.append(gx.expectations.ExpectColumnValuesToBeInSet(
            column=col, value_set=values, meta={**meta, "variable": col}))

    elif check == "min_length":
        cols = [x for x in _columns_param(rule, present) if x in present and present[x].upper().startswith("VARCHAR")]
        if not cols:
            c.not_applicable = "no text columns to check"
        for col in cols:
            c.expectations.append(gx.expectations.ExpectColumnValueLengthsToBeBetween(
                column=col, min_value=int(p["min"]), meta={**meta, "variable": col}))

    else:
        sql = _rule_sql(rule, target, present, settings, c)
        if sql is None:
            return c
        c.sql = sql
        if rule.engine == "gx-sql":
            escaped = sql.replace("{", "{{").replace("}", "}}").replace(BATCH, "{batch}")
            c.expectations.append(gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query=escaped,
                description=f"{rule.id}: {rule.message}",
                meta={**meta, "variable": p.get("variable")},
            ))
    return c


def _rule_sql(rule: Rule, target: Target, present: dict[str, str], settings: StudySettings,
              c: Compiled) -> str | None:
    p = rule.params
    check = rule.check

    def need(cols: list[str]) -> bool:
        missing = [x for x in cols if x not in present]
        if missing:
            c.not_applicable = f"column(s) {', '.join(missing)} not in {target.name}"
            return False
        return True

    if check == "unique":
        cols = p["columns"]
        if not need(cols):
            return None
        numeric = set(p.get("numeric") or [])

        def part(x: str) -> str:  # numeric columns: '1' and '1.0' are one value; non-numbers as text
            if x not in numeric:
                return q(x)
            n = f"TRY_CAST({q(x)} AS DOUBLE)"
            return f"{n}, CASE WHEN {n} IS NULL THEN CAST({q(x)} AS VARCHAR) END"

        shown = [x for x in cols if x not in (target.study_column, target.subject_column)] or cols
        value = " || '/' || ".join(f"coalesce(CAST({q(x)} AS VARCHAR), '(null)')" for x in shown)
        return (_select(target, cols[-1], value)
                + f" QUALIFY count(*) OVER (PARTITION BY {', '.join(part(x) for x in cols)}) > 1")

    if check == "iso8601":
        cols = _columns_param(rule, present)
        if not cols:
            c.not_applicable = f"no --DTC variables in {target.name}"
            return None
        parts = []
        for col in cols:
            x = q(col)
            parts.append(
                _select(target, col, x)
                + f" WHERE {x} IS NOT NULL AND NOT (regexp_full_match({x}, {lit(ISO8601_REGEX)})"
                f" AND (length({x}) < 10 OR TRY_CAST(left({x}, 10) AS DATE) IS NOT NULL))")
        return "\nUNION ALL\n".join(parts)

    if check == "max_length":  # one query for every text column (one expectation, not one per column)
        cols = [x for x in _columns_param(rule, present) if present.get(x, "").upper().startswith("VARCHAR")]
        if not cols:
            c.not_applicable = "no text columns to check"
            return None
        limit = int(p["max"])
        parts = [_select(target, col, f"left({q(col)}, 60) || '... (' || length({q(col)}) || ' characters)'")
                 + f" WHERE length({q(col)}) > {limit}" for col in cols]
        return "\nUNION ALL\n".join(parts)

    if check == "numeric":
        cols = [x for x in _columns_param(rule, present) if x in present]
        if not cols:
            c.not_applicable = f"none of {p.get('columns')} in {target.name}"
            return None
        parts = [
            _select(target, col, q(col))
            + f" WHERE {q(col)} IS NOT NULL AND NOT regexp_full_match({q(col)}, {lit(NUMBER_REGEX)})"
            for col in cols]
        return "\nUNION ALL\n".join(parts)

    if check == "row":
        if not need(list(p.get("columns") or [])):
            return None
        where = resolve_values(p["where"], settings)
        clause = "QUALIFY" if p.get("window") else "WHERE"
        return _select(target, p["variable"], p["value"]) + f" {clause} {where}"

    if check == "date_order":
        parts = []
        for start, end in p["pairs"]:
            if start not in present or end not in present:
                continue
            s, e = q(start), q(end)
            n = f"least(length({s}), length({e}))"
            parts.append(
                _select(target, end, f"{s} || ' > ' || {e}")
                + f" WHERE regexp_full_match({s}, '[0-9]{{4}}.*') AND regexp_full_match({e}, '[0-9]{{4}}.*')"
                f" AND left({e}, {n}) < left({s}, {n})")
        if not parts:
            c.not_applicable = f"no start/end pairs in {target.name}"
            return None
        return "\nUNION ALL\n".join(parts)

    if check == "unit_consistent":
        test, unit = p["test"], p["unit"]
        if not need([test, unit]):
            return None
        src = (f"(SELECT *, count(*) OVER (PARTITION BY {q(test)}, {q(unit)}) AS dq_n FROM {BATCH} "
               f"WHERE {q(unit)} IS NOT NULL) AS with_counts")
        return (_select(target, unit, f"{q(test)} || ' in ' || {q(unit)}", source=src)
                + f" QUALIFY {q(unit)} <> first_value({q(unit)}) OVER "
                f"(PARTITION BY {q(test)} ORDER BY dq_n DESC, {q(unit)})")

    if check == "plausible_range":
        # `test` given: one range per test code (LBTESTCD, ...); no `test`: the range of the
        # result variable itself (DM AGE), keyed by its name. `unit_scale` (optional): how many
        # of each unit make one of a common unit; results in another unit are then converted to
        # the range's unit. Without it, records in a unit other than the range's are not compared.
        test, result, unit = p.get("test"), p["result"], p.get("unit")
        if not need([x for x in (test, result) if x]):
            return None
        ranges = settings.ranges(p["section"], p.get("default_ranges"))
        if test is None:
            ranges = {result: ranges[result]} if result in ranges else {}
        if not ranges:
            c.not_applicable = f"no plausible ranges configured for {p['section']}"
            return None
        has_unit = unit is not None and unit in present
        scale = {str(k): float(v) for k, v in (p.get("unit_scale") or {}).items()}

        def per_range(sql_of) -> str:
            """SQL of sql_of(range) for the record's range."""
            if test is None:
                return sql_of(next(iter(ranges.values())))
            return "CASE " + q(test) + " " + " ".join(
                f"WHEN {lit(k)} THEN {sql_of(v)}" for k, v in ranges.items()) + " END"

        num = f"TRY_CAST({q(result)} AS DOUBLE)"
        unit_ok = "TRUE"
        if scale:
            for k, v in ranges.items():
                if str(v.get("unit")) not in scale:
                    raise ValueError(f"rule {rule.id}: the plausible range of {k} is in {v.get('unit')!r}, "
                                     f"not one of the units {sorted(scale)}")
            if has_unit:  # value in the range's unit; NULL (not compared) for a unit outside the scale
                u = q(unit)

                def converted(v: dict) -> str:
                    whens = " ".join(f"WHEN {u} = {lit(name)} THEN {num} * {lit(scale[str(v['unit'])])} / {lit(f)}"
                                     for name, f in scale.items())
                    return f"(CASE WHEN {u} IS NULL THEN {num} {whens} END)"

                num = per_range(converted)
        elif has_unit:
            unit_ok = per_range(lambda v: "TRUE" if v.get("unit") is None else
                                f"({q(unit)} IS NULL OR {q(unit)} = {lit(str(v['unit']))})")
        lo = per_range(lambda v: lit(float(v["low"])))
        hi = per_range(lambda v: lit(float(v["high"])))
        shown = f"CAST({q(result)} AS VARCHAR)" if test is None else f"{q(test)} || '=' || CAST({q(result)} AS VARCHAR)"
        if has_unit:
            shown += f" || coalesce(' ' || {q(unit)}, '')"
        in_scope = "TRUE" if test is None else f"{q(test)} IN {sql_list(list(ranges))}"
        src = f"(SELECT *, {num} AS dq_value FROM {BATCH}) AS with_value"
        return (_select(target, result, shown, source=src)
                + f" WHERE {in_scope} AND dq_value IS NOT NULL AND {unit_ok}"
                f" AND (dq_value < {lo} OR dq_value > {hi})")

    if check == "exists_in":
        ref = p["reference_table"]
        match: dict[str, str] = p["match"]
        if not need(list(match)):
            return None
        layer, _, table = ref.partition(".")

        def key(expr: str) -> str:  # text feeds: 3 and 3.0 are the same visit number
            return f"coalesce(CAST(TRY_CAST(trim({expr}) AS DOUBLE) AS VARCHAR), trim({expr}))"

        cond = " AND ".join(f"{key('r.' + q(theirs))} = {key('b.' + q(mine))}" for mine, theirs in match.items())
        when = f" AND ({p['when']})" if p.get("when") else ""
        return (f"SELECT b.{q(target.subject_column)} AS usubjid, b.{RECORD} AS record, "
                f"{lit(p['variable'])} AS variable, CAST({p['value']} AS VARCHAR) AS value "
                f"FROM {BATCH} AS b WHERE TRUE{when} AND NOT EXISTS "
                f"(SELECT 1 FROM {layer}.{q(table)} AS r WHERE {cond})")

    if check == "cross_sql":
        if not need(list(p.get("columns") or [])):
            return None
        sql = resolve_values(p["sql"], settings)
        return (f"SELECT {q(target.subject_column)} AS usubjid, {RECORD} AS record, variable, "
                f"CAST(value AS VARCHAR) AS value FROM ({sql.replace('{batch}', BATCH)}) AS cross_rule")

    raise ValueError(f"rule {rule.id}: no SQL form for check {check}")


def reference_tables(rule: Rule) -> list[str]:
    """Other tables a rule reads (fallback rules): their assets must be loaded first."""
    p = rule.params
    if rule.check == "exists_in":
        return [p["reference_table"]]
    if rule.check == "cross_sql":
        return list(p.get("reference_tables") or [])
    return []
