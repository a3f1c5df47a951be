"""The floor: raw feeds -> subject, event and findings tables -> the main safety tables, as plain SQL
in one DuckDB process, with nothing else (no orchestration, no quality checks, no rendering).

    python -m benchmarks.floor data/raw/cdiscpilot01 /tmp/floor.duckdb --json /tmp/floor.json

The SQL does the work the pipeline's core does: type the feeds, attach each subject's arm and first
and last dose, flag treatment-emergent events, take each parameter's baseline and the change from it,
and count and summarise: TEAE incidence by SOC and PT and arm, lab and vital-sign values and changes
by visit and arm, the normal-range shift table, demographics. It prints (and writes, with --json)
the seconds spent loading and computing."""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import duckdb

SQL = r"""
create or replace table subject as
with dose as (
    select usubjid, min(try_cast(left(exstdtc, 10) as date)) as trtsdt,
           max(try_cast(left(coalesce(nullif(exendtc, ''), exstdtc), 10) as date)) as trtedt
    from ex group by usubjid
)
select trim(dm.usubjid) as usubjid, dm.arm, try_cast(dm.age as double) as age, dm.sex, dm.race,
       dose.trtsdt, dose.trtedt
from dm join dose on dose.usubjid = dm.usubjid;

create or replace table big_n as select arm, count(*) as big_n from subject group by arm;

create or replace table teae as
select ae.usubjid, s.arm, coalesce(ae.aebodsys, 'Not coded') as soc, coalesce(ae.aedecod, 'Not coded') as pt,
       try_cast(left(ae.aestdtc, 10) as date) as astdt, ae.aeser, ae.aesev
from ae join subject as s on s.usubjid = ae.usubjid
where try_cast(left(ae.aestdtc, 10) as date) >= s.trtsdt;

create or replace table t_ae_soc_pt as
select soc, pt, t.arm, count(distinct usubjid) as n_subjects, count(*) as n_events,
       round(100.0 * count(distinct usubjid) / any_value(b.big_n), 1) as pct
from teae as t join big_n as b on b.arm = t.arm
group by grouping sets ((t.arm), (soc, t.arm), (soc, pt, t.arm));

create or replace table lab as
with l as (
    select usubjid, lbtestcd as paramcd, try_cast(visitnum as double) as avisitn, visit as avisit,
           try_cast(lbstresn as double) as aval, lbnrind as anrind, lbblfl as ablfl
    from lb
), b as (
    select usubjid, paramcd, any_value(aval) as base, any_value(anrind) as bnrind from l where ablfl = 'Y'
    group by usubjid, paramcd
)
select l.*, s.arm, b.base, b.bnrind, case when l.avisitn > bv.base_visitn then l.aval - b.base end as chg,
       l.avisitn > bv.base_visitn as postfl
from l join subject as s on s.usubjid = l.usubjid
left join b on b.usubjid = l.usubjid and b.paramcd = l.paramcd
cross join (select min(avisitn) as base_visitn from l where ablfl = 'Y') as bv;

create or replace table t_lab_by_visit as
select paramcd, avisitn, avisit, arm, count(*) as n, avg(aval) as mean, stddev_samp(aval) as sd,
       median(aval) as median, min(aval) as min, max(aval) as max, count(chg) as chg_n, avg(chg) as chg_mean,
       stddev_samp(chg) as chg_sd, median(chg) as chg_median, min(chg) as chg_min, max(chg) as chg_max
from lab group by all;

create or replace table t_lab_shift as
select paramcd, avisitn, arm, bnrind, anrind, count(distinct usubjid) as n
from lab where postfl group by all;

create or replace table vital as
with v as (
    select usubjid, vstestcd as paramcd, vstpt as atpt, try_cast(visitnum as double) as avisitn, visit as avisit,
           try_cast(vsstresn as double) as aval, vsblfl as ablfl
    from vs
), b as (
    select usubjid, paramcd, atpt, any_value(aval) as base from v where ablfl = 'Y' group by all
)
select v.*, s.arm, b.base, v.aval - b.base as chg
from v join subject as s on s.usubjid = v.usubjid
left join b on b.usubjid = v.usubjid and b.paramcd = v.paramcd and b.atpt is not distinct from v.atpt;

create or replace table t_vs_by_visit as
select paramcd, atpt, avisitn, avisit, arm, count(*) as n, avg(aval) as mean, stddev_samp(aval) as sd,
       median(aval) as median, min(aval) as min, max(aval) as max, avg(chg) as chg_mean, stddev_samp(chg) as chg_sd
from vital group by all;

create or replace table t_demographics as
select arm, count(*) as n, avg(age) as age_mean, stddev_samp(age) as age_sd, median(age) as age_median,
       count(*) filter (where sex = 'F') as n_female, count(*) filter (where sex = 'M') as n_male
from subject group by arm;
"""


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    if not re.fullmatch(r"[a-z][a-z0-9]{1,7}", path.stem.lower()):
        return 0  # not named after an SDTM dataset: not a feed
    name = f'"{path.stem.lower()}"'
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        con.execute(f"create or replace table {name} as select * from read_parquet(?)", [str(path)]).fetchall()
    elif suffix == ".csv":
        con.execute(f"create or replace table {name} as select * from read_csv(?, all_varchar = true)", [str(path)]).fetchall()
    elif suffix == ".xpt":
        import pyreadstat

        frame, _ = pyreadstat.read_xport(str(path))
        con.register("_frame", frame)
        con.execute(f"create or replace table {name} as select * from _frame").fetchall()
        con.unregister("_frame")
    else:
        return 0
    return con.execute(f"select count(*) from {name}").fetchall()[0][0]


def run(study_dir: Path, db: Path) -> dict:
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    rows = {p.stem.lower(): _load(con, p) for p in sorted(study_dir.iterdir()) if p.is_file() and not p.is_symlink()}
    t_load = time.perf_counter()
    for statement in (s.strip() for s in SQL.split(";")):
        if statement:
            con.execute(statement).fetchall()
    tables = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
              for t in ("t_ae_soc_pt", "t_lab_by_visit", "t_lab_shift", "t_vs_by_visit", "t_demographics")}
    con.close()
    t_end = time.perf_counter()
    return {"load_seconds": t_load - t0, "compute_seconds": t_end - t_load, "rows": rows, "tables": tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study_dir", type=Path)
    parser.add_argument("db", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.study_dir, args.db)
    print(f"floor: load {result['load_seconds']:.2f}s, compute {result['compute_seconds']:.2f}s, "
          f"{sum(result['rows'].values()):,} raw rows")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
