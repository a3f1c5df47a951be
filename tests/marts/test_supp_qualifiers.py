"""Every supplemental qualifier a study sends arrives in its parent's staging model: a SUPPAE with a
QNAM the project has never seen (AESOSP) becomes a column of stg_ae on the records it points at, and
a QNAM that would collide with a parent variable stops the build with a message instead of being
renamed or dropped."""

from __future__ import annotations

import duckdb

EXTRA = "AESOSP"
EXTRA_LABEL = "OTHER MEDICALLY IMPORTANT SAE SPEC"


def _small_warehouse(dbt_warehouse, db, extra_qnam: str) -> list[tuple]:
    """10 pilot subjects' DM, AE and SUPPAE, plus `extra_qnam` on two of their AE records."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{dbt_warehouse.path}' as pilot (read_only)")
        con.execute("create schema raw")
        con.execute("create table raw.dm as select * from pilot.raw.dm order by USUBJID limit 10")
        con.execute("create table raw.ae as select * from pilot.raw.ae where USUBJID in (select USUBJID from raw.dm)")
        con.execute("create table raw.cfg_study as select * from pilot.raw.cfg_study")
        con.execute("create table raw.suppae as select * from pilot.raw.suppae "
                    "where USUBJID in (select USUBJID from raw.dm)")
        targets = con.execute("select USUBJID, AESEQ from raw.ae order by USUBJID, cast(AESEQ as integer) "
                              "limit 2").fetchall()
        for n, (usubjid, aeseq) in enumerate(targets):
            con.execute("""insert into raw.suppae
                select * replace (? as QNAM, ? as QLABEL, ? as QVAL)
                from raw.suppae where USUBJID = ? and IDVAR = 'AESEQ' and trim(IDVARVAL) = ? limit 1""",
                        [extra_qnam, EXTRA_LABEL, f" DETAIL {n} ", usubjid, aeseq])
        return [(u, int(s)) for u, s in targets]
    finally:
        con.close()


def test_an_unforeseen_qnam_becomes_a_column_of_stg_ae(dbt_warehouse, tmp_path):
    db = tmp_path / "supp.duckdb"
    targets = _small_warehouse(dbt_warehouse, db, EXTRA)

    result = dbt_warehouse.dbt("run", "--select", "stg_ae", warehouse=db, tmp=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]

    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = dict(con.execute("""select column_name, data_type from information_schema.columns
                                      where table_schema = 'staging' and table_name = 'stg_ae'""").fetchall())
        assert columns["aesosp"] == "VARCHAR"
        assert columns["aetrtem"] == "VARCHAR"  # the known qualifier is still there
        got = con.execute("select usubjid, aeseq, aesosp from staging.stg_ae where aesosp is not null "
                          "order by usubjid, aeseq").fetchall()
        assert got == [(u, s, f"DETAIL {n}") for n, (u, s) in enumerate(targets)]
        (n_ae, n_rows, n_trtem) = con.execute(
            "select (select count(*) from raw.ae), count(*), count(aetrtem) from staging.stg_ae").fetchone()
        assert n_rows == n_ae and n_trtem > 0
    finally:
        con.close()


def test_a_qnam_that_repeats_a_parent_variable_stops_the_build(dbt_warehouse, tmp_path):
    db = tmp_path / "clash.duckdb"
    _small_warehouse(dbt_warehouse, db, "AESEV")

    result = dbt_warehouse.dbt("run", "--select", "stg_ae", warehouse=db, tmp=tmp_path)
    assert result.returncode != 0
    assert "QNAM AESEV repeats a variable of the parent domain" in result.stdout
