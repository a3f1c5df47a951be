"""Reading landed SDTM feeds (SAS XPORT, Parquet, CSV) and checking their structure.

A feed is read into an Arrow table whose every column is text, exactly as received:
character variables as they are, numeric variables in their shortest round-trip decimal
form (1.0 -> "1", 0.8 -> "0.8"), missing values as NULL. Casting is the staging layer's
job, so a study whose numeric variable arrives as text (CSV) lands the same way as one
whose XPT stores it as a number.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

SUPPORTED_SUFFIXES = {".xpt": "xport", ".parquet": "parquet", ".csv": "csv"}
XPORT_RECORD_BYTES = 80


class FeedError(Exception):
    """A feed that may not be loaded. The message names the file, the column and the rule."""

    def __init__(self, file: Path | str, rule: str, message: str, column: str | None = None,
                 records: list[int] | None = None):
        self.file = str(file)
        self.rule = rule
        self.column = column
        self.records = records or []
        where = f" column {column}:" if column else ""
        recs = ""
        if self.records:
            shown = ", ".join(str(r) for r in self.records[:10])
            more = f" (+{len(self.records) - 10} more)" if len(self.records) > 10 else ""
            recs = f" [records {shown}{more}]"
        super().__init__(f"{self.file}: rule {rule}:{where} {message}{recs}")


@dataclass(frozen=True)
class FeedFile:
    study: str
    domain: str  # lower case, from the file name: "ae", "suppae"
    path: Path

    @property
    def format(self) -> str:
        return SUPPORTED_SUFFIXES[self.path.suffix.lower()]

    @property
    def is_supplemental(self) -> bool:
        return self.domain.startswith("supp") and len(self.domain) > 4


@dataclass
class ReadFeed:
    feed: FeedFile
    table: pa.Table
    sha256: str
    bytes: int
    columns: list[str] = field(default_factory=list)


def discover_feeds(study_dir: Path) -> dict[str, FeedFile]:
    """Every supported file in a study folder, keyed by domain. Two files for one domain is an error."""
    found: dict[str, FeedFile] = {}
    for path in sorted(study_dir.iterdir()):
        if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        domain = path.stem.lower()
        if domain in found:
            raise FeedError(path, "FEED-ONE-FILE-PER-DOMAIN",
                            f"domain {domain.upper()} is also supplied as {found[domain].path.name}")
        found[domain] = FeedFile(study=study_dir.name, domain=domain, path=path)
    return found


def file_digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


# --------------------------------------------------------------------------- reading

def _as_text(values: np.ndarray) -> pa.Array:
    """Float column -> shortest decimal text; integral values without a trailing .0; NaN -> NULL."""
    arr = np.asarray(values, dtype="float64")
    out = np.full(len(arr), None, dtype=object)
    present = ~np.isnan(arr)
    integral = present & (np.abs(arr) < 1e15)
    integral[integral] = arr[integral] == np.trunc(arr[integral])
    out[integral] = arr[integral].astype(np.int64).astype(str)
    fractional = present & ~integral
    out[fractional] = [repr(v) for v in arr[fractional].tolist()]  # repr is the shortest round-trip form
    return pa.array(out, type=pa.string())


def _arrow_to_text(table: pa.Table) -> pa.Table:
    cols = []
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            cols.append(col.cast(pa.string()))
        elif pa.types.is_floating(t):
            cols.append(_as_text(col.to_numpy(zero_copy_only=False)))
        elif pa.types.is_integer(t) or pa.types.is_boolean(t):
            cols.append(col.cast(pa.string()))
        elif pa.types.is_null(t):
            cols.append(pa.nulls(len(col), pa.string()))
        else:  # dates, timestamps: ISO text
            cols.append(col.cast(pa.string()))
    return pa.table(cols, names=[n.upper() for n in table.column_names])


def _read_xport(path: Path) -> pa.Table:
    import pyreadstat

    df, _meta = pyreadstat.read_xport(str(path))
    arrays, names = [], []
    for name in df.columns:
        s = df[name]
        if s.dtype.kind == "f":
            arrays.append(_as_text(s.to_numpy()))
        else:
            arrays.append(pa.array(s.astype("string"), type=pa.string(), from_pandas=True))
        names.append(str(name).upper())
    return pa.table(arrays, names=names)


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    return _arrow_to_text(pq.read_table(path))


def _read_csv(path: Path) -> pa.Table:
    import pyarrow.csv as pacsv

    with open(path, "rb") as fh:
        header = fh.readline()
    try:
        names = header.decode("utf-8").strip().lstrip("\ufeff").split(",")
    except UnicodeDecodeError as exc:
        raise FeedError(path, "FEED-ENCODING", f"header is not UTF-8 text ({exc.reason})") from exc
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n.strip().strip('"'): pa.string() for n in names},
            strings_can_be_null=False,
        ),
    )
    return _arrow_to_text(table)


_READERS = {"xport": _read_xport, "parquet": _read_parquet, "csv": _read_csv}


def read_feed(feed: FeedFile) -> ReadFeed:
    path = feed.path
    if not path.exists():
        raise FeedError(path, "FEED-EXISTS", "file does not exist")
    sha, size = file_digest(path)
    if size == 0:
        raise FeedError(path, "FEED-NOT-EMPTY", "file is empty (0 bytes)")
    if feed.format == "xport" and size % XPORT_RECORD_BYTES:
        # SAS XPORT v5 files are written in whole 80-byte records; anything else was cut in transfer
        raise FeedError(path, "FEED-READABLE",
                        f"is truncated: {size} bytes is not a whole number of {XPORT_RECORD_BYTES}-byte XPORT records")
    try:
        table = _READERS[feed.format](path)
    except FeedError:
        raise
    except UnicodeDecodeError as exc:
        raise FeedError(path, "FEED-ENCODING", f"text is not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except Exception as exc:  # every reader library has its own exception types
        if "utf8" in str(exc).lower().replace("-", ""):
            raise FeedError(path, "FEED-ENCODING", f"text is not valid UTF-8 ({str(exc).strip()[:200]})") from exc
        raise FeedError(path, "FEED-READABLE",
                        f"cannot be read as {feed.format} ({type(exc).__name__}: {str(exc).strip()[:300]})") from exc
    return ReadFeed(feed=feed, table=table, sha256=sha, bytes=size, columns=list(table.column_names))


# --------------------------------------------------------------------------- structure

@lru_cache(maxsize=1)
def _structure() -> dict:
    with open(Path(__file__).with_name("sdtm_structure.yml")) as fh:
        return yaml.safe_load(fh)


def structure_for(domain: str) -> dict:
    """The structural rules for a domain (lower-case name from the file), placeholders filled."""
    spec = _structure()
    code = domain.upper()
    if code.startswith("SUPP") and len(code) > 4:
        base, parent = dict(spec["supplemental"]), code[4:]
    else:
        base, parent = dict(spec["general"]), code
    base.update(spec.get("domains", {}).get(code, {}))

    def fill(v: str) -> str:
        return v.replace("{DOMAIN}", code).replace("{PARENT}", parent)

    return {
        "domain_column": base["domain_column"],
        "domain_value": fill(base["domain_value"]),
        "required": [fill(c) for c in base["required"]],
        "key": [fill(c) for c in base["key"]],
    }


def _row_numbers(mask: np.ndarray) -> list[int]:
    """1-based record numbers where mask is true."""
    return [int(i) + 1 for i in np.flatnonzero(mask)]


def check_structure(read: ReadFeed, studyid: str | None) -> None:
    """Raise FeedError on the first structural rule the feed breaks."""
    path, table = read.feed.path, read.table
    rules = structure_for(read.feed.domain)
    if table.num_rows == 0:
        raise FeedError(path, "FEED-NOT-EMPTY", "file holds no records")
    cols = set(table.column_names)
    for col in rules["required"]:
        if col not in cols:
            raise FeedError(path, "FEED-REQUIRED-COLUMN", "required variable is missing", column=col)
    for col in rules["required"]:
        trimmed = pc.utf8_trim_whitespace(table.column(col))
        missing = pc.or_kleene(pc.is_null(trimmed), pc.equal(trimmed, "")).fill_null(True).to_numpy(zero_copy_only=False)
        if missing.any():
            raise FeedError(path, "FEED-REQUIRED-VALUE", "required variable is blank",
                            column=col, records=_row_numbers(missing))

    dcol, expected = rules["domain_column"], rules["domain_value"]
    values = pc.utf8_upper(pc.utf8_trim_whitespace(table.column(dcol))).to_numpy(zero_copy_only=False)
    wrong = values != expected
    if wrong.any():
        seen = sorted(set(values[wrong]))[:5]
        raise FeedError(path, "FEED-DOMAIN-MATCHES-FILE",
                        f"value(s) {seen} do not match the file's domain {expected}",
                        column=dcol, records=_row_numbers(wrong))

    studies = pc.utf8_trim_whitespace(table.column("STUDYID")).to_numpy(zero_copy_only=False)
    if studyid is not None:
        wrong = studies != studyid
        if wrong.any():
            raise FeedError(path, "FEED-STUDYID-MATCHES-STUDY",
                            f"value(s) {sorted(set(studies[wrong]))[:5]} differ from the study's STUDYID {studyid}",
                            column="STUDYID", records=_row_numbers(wrong))
    elif len(set(studies)) > 1:
        raise FeedError(path, "FEED-ONE-STUDY", f"holds several STUDYID values {sorted(set(studies))[:5]}",
                        column="STUDYID")

    key = rules["key"]
    if key:
        keys = pa.table({k: pc.utf8_trim_whitespace(table.column(k)) for k in key}).to_pandas()
        dup = keys.duplicated(keep=False).to_numpy()
        if dup.any():
            first = keys[dup].iloc[0].tolist()
            raise FeedError(path, "FEED-KEY-UNIQUE",
                            f"key ({', '.join(key)}) is not unique, e.g. {tuple(first)}",
                            column=key[-1], records=_row_numbers(dup))
