"""Reading landed SDTM feeds (SAS XPORT, Parquet, CSV) and checking their structure.

A feed is read into an Arrow table whose every column is text, exactly as received:
character variables as they are, numeric variables in their shortest round-trip decimal
form (1.0 -> "1", 0.8 -> "0.8"), missing values as NULL. Casting is the staging layer's
job, so a study whose numeric variable arrives as text (CSV) lands the same way as one
whose XPT stores it as a number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import stat
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

SUPPORTED_SUFFIXES = {".xpt": "xport", ".parquet": "parquet", ".csv": "csv"}
XPORT_RECORD_BYTES = 80
# A feed is named after its dataset: SAS dataset names, letters and digits, at most 8 (ae, suppae, relrec).
FEED_NAME = re.compile(r"^[a-z][a-z0-9]{1,7}$")
# SDTMIG 4.1.2.1 / SAS V5 transport: a variable name is at most 8 characters, letters, digits and
# underscores, not starting with a digit.
VARIABLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")
# Key variables trimmed on every path (check, load, delete) so that a stray blank never splits a study.
TRIMMED_KEYS = ("STUDYID", "USUBJID")
DOMAIN_KEYS = ("DOMAIN", "RDOMAIN")


class FeedError(Exception):
    """A feed that may not be loaded. The message names the file, the column and the rule."""

    def __init__(self, file: Path | str, rule: str, message: str, column: str | None = None,
                 records: list[int] | None = None):
        from safety_warehouse.paths import relative_to_raw

        self.file = relative_to_raw(file, absolute_outside=True)
        self.rule = rule
        self.column = column
        self.records = records or []
        self.domain: str | None = None
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


@dataclass
class Delivery:
    """What a study's landing folder holds now: its feeds, the files that break a landing rule, and
    the files that are not feeds at all (documents, hidden files), which are left alone."""

    study: str
    folder: Path
    feeds: dict[str, FeedFile] = field(default_factory=dict)
    problems: list[FeedError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def problem_for(self, domain: str) -> FeedError | None:
        return next((p for p in self.problems if p.domain == domain), None)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(root.resolve())
        return True
    except (OSError, ValueError, RuntimeError):
        return False


def check_location(path: Path, raw_root: Path | None = None) -> None:
    """A feed is a regular file whose real location is inside the raw root (a symbolic link that
    leads elsewhere, or nowhere, is refused before a byte of it is read)."""
    from safety_warehouse.paths import raw_dir

    root = raw_root or raw_dir()
    if path.is_symlink() and not _inside(path, root):
        raise FeedError(path, "FEED-SYMLINK",
                        "is a symbolic link to a file outside the data folder (or to nothing); "
                        "copy the file into the study folder instead")
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise FeedError(path, "FEED-EXISTS", f"cannot be opened ({exc.strerror})") from exc
    if not stat.S_ISREG(mode):
        raise FeedError(path, "FEED-FILE-TYPE", "is not a regular file")


def scan_delivery(study_dir: Path, raw_root: Path | None = None) -> Delivery:
    """Every file of a study folder, sorted into feeds, problems and ignored files. Never raises:
    a bad file is reported against its study, so other studies (and the definitions) still load."""
    from safety_warehouse.paths import raw_dir

    root = raw_root or raw_dir()
    delivery = Delivery(study=study_dir.name, folder=study_dir)
    if study_dir.is_symlink() and not _inside(study_dir, root):
        delivery.problems.append(FeedError(study_dir, "FEED-SYMLINK",
                                           "the study folder is a symbolic link to a folder outside the data folder"))
        return delivery
    if not study_dir.is_dir():
        return delivery
    claimed: dict[str, Path] = {}
    for path in sorted(study_dir.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            if path.is_dir() and not path.is_symlink():
                continue
            delivery.ignored.append(path.name)
            continue
        domain = path.stem.lower()
        problem = None
        if not FEED_NAME.match(domain):
            problem = FeedError(path, "FEED-FILE-NAME",
                                "is not named after an SDTM dataset (<dataset>.xpt, .parquet or .csv; the name "
                                "has 2 to 8 letters and digits, e.g. ae.xpt, suppae.xpt); rename or remove it")
        elif domain in claimed:
            problem = FeedError(path, "FEED-ONE-FILE-PER-DOMAIN",
                                f"domain {domain.upper()} is also supplied as {claimed[domain].name}; "
                                "a study folder holds one file per domain")
        else:
            try:
                check_location(path, root)
            except FeedError as exc:
                problem = exc
        if problem is not None:
            problem.domain = domain if FEED_NAME.match(domain) else None
            delivery.problems.append(problem)
            continue
        claimed[domain] = path
        delivery.feeds[domain] = FeedFile(study=study_dir.name, domain=domain, path=path)
    return delivery


def discover_feeds(study_dir: Path) -> dict[str, FeedFile]:
    """The study folder's feeds by domain; raises the first landing problem (see scan_delivery)."""
    delivery = scan_delivery(study_dir)
    if delivery.problems:
        raise delivery.problems[0]
    return delivery.feeds


# sha256 of files already read by this process, by what their status says of their content: a run
# asks for a feed's digest when it plans the refresh, when it loads the feed and when it reads it
_DIGESTS: dict[str, tuple[tuple[int, int, int, int, int], tuple[str, int]]] = {}
_DIGESTS_KEPT = 512
_SETTLED_NS = 2_000_000_000


def file_digest(path: Path) -> tuple[str, int]:
    """(sha256, bytes) of the file. A file whose device, inode, size, modification and status-change
    times are those of the last time this process hashed it is not read again: any write changes its
    modification time and any replacement its inode or status-change time. As the clock of file times
    is coarse (milliseconds), a file changed in the last seconds is not remembered: a second write in
    the same tick would leave the same times."""
    st = Path(path).stat()
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    name = str(Path(path).resolve())
    known = _DIGESTS.get(name)
    if known is not None and known[0] == key:
        return known[1]
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    digest = (h.hexdigest(), size)
    after = Path(path).stat()
    settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > _SETTLED_NS
    if settled and (after.st_dev, after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == key:
        if len(_DIGESTS) >= _DIGESTS_KEPT:
            _DIGESTS.pop(next(iter(_DIGESTS)))
        _DIGESTS[name] = (key, digest)
    return digest


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


def _quoted_name(name: str) -> str:
    shown = name if len(name) <= 40 else name[:37] + "..."
    return repr(shown)


def check_variable_names(path: Path, names: list[str]) -> None:
    """Variable names are SDTM names, each once: nothing else may become a column (or reach SQL)."""
    seen: dict[str, int] = {}
    for i, raw in enumerate(names, start=1):
        name = str(raw).strip().upper()
        if not VARIABLE_NAME.match(name):
            raise FeedError(path, "FEED-VARIABLE-NAME",
                            f"variable {i} is named {_quoted_name(str(raw))}: an SDTM variable name has at most 8 "
                            "letters, digits or underscores and starts with a letter")
        if name in seen:
            raise FeedError(path, "FEED-VARIABLE-UNIQUE",
                            f"variable {name} appears twice (variables {seen[name]} and {i})", column=name)
        seen[name] = i


def _arrow_to_text(table: pa.Table, path: Path) -> pa.Table:
    cols = []
    check_variable_names(path, table.column_names)
    for name, col in zip(table.column_names, table.columns):
        t = col.type
        if pa.types.is_nested(t) or pa.types.is_dictionary(t) and pa.types.is_nested(t.value_type):
            raise FeedError(path, "FEED-VARIABLE-TYPE",
                            f"is a nested {t} column; SDTM variables are character or numeric values",
                            column=str(name).upper())
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
    return pa.table(cols, names=[str(n).strip().upper() for n in table.column_names])


def _read_xport(path: Path) -> pa.Table:
    import pyreadstat

    df, _meta = pyreadstat.read_xport(str(path))
    check_variable_names(path, [str(c) for c in df.columns])
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

    return _arrow_to_text(pq.read_table(path), path)


def _read_csv(path: Path) -> pa.Table:
    import pyarrow.csv as pacsv

    with open(path, "rb") as fh:
        header = fh.readline()
    try:
        text = header.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise FeedError(path, "FEED-ENCODING", f"header is not UTF-8 text ({exc.reason})") from exc
    names = next(csv.reader(io.StringIO(text)), [])
    check_variable_names(path, names)
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
        ),
    )
    return _arrow_to_text(table, path)


_READERS = {"xport": _read_xport, "parquet": _read_parquet, "csv": _read_csv}


def _reader_message(exc: Exception) -> str:
    """What a reader library said, without the file content some of them quote (a CSV parse error
    repeats the offending line): the first two clauses of its first line, at most 160 characters."""
    first = (str(exc).strip().splitlines() or [""])[0]
    clauses = first.split(": ")
    text = ": ".join(clauses[:2])
    return text if len(text) <= 160 else text[:157] + "..."


def read_feed(feed: FeedFile) -> ReadFeed:
    path = feed.path
    if not path.exists() and not path.is_symlink():
        raise FeedError(path, "FEED-EXISTS", "file does not exist")
    check_location(path)
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
            raise FeedError(path, "FEED-ENCODING", f"text is not valid UTF-8 ({_reader_message(exc)})") from exc
        raise FeedError(path, "FEED-READABLE",
                        f"cannot be read as {feed.format} ({type(exc).__name__}: {_reader_message(exc)})") from exc
    table = normalise_keys(table, feed)
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


def _canonical_numbers(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Numeric text in canonical form ('1.0', ' 01' -> '1'); blanks -> NULL; and a mask of the
    non-blank values that are not numbers."""
    import pandas as pd

    text = pc.utf8_trim_whitespace(column.cast(pa.string()))
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    present = pc.is_valid(text).to_numpy(zero_copy_only=False)
    values = pd.to_numeric(pd.Series(text.to_numpy(zero_copy_only=False), dtype="object"),
                           errors="coerce").to_numpy(dtype="float64")
    return _as_text(values), present & np.isnan(values)


def _seq_columns(domain: str, names: list[str]) -> list[str]:
    rules = structure_for(domain)
    return [c for c in rules["key"] if c.endswith("SEQ") and c in names]


def normalise_keys(table: pa.Table, feed: FeedFile) -> pa.Table:
    """The one normalisation of keys, used by the structure check, the load and the delete alike:
    STUDYID and USUBJID trimmed, DOMAIN/RDOMAIN trimmed and upper case, --SEQ as canonical numeric
    text (SUPP-- IDVARVAL too, where IDVAR names a --SEQ). A --SEQ that is not a number is refused."""
    names = table.column_names
    for col in TRIMMED_KEYS:
        if col in names:
            table = table.set_column(names.index(col), col, pc.utf8_trim_whitespace(table.column(col)))
    for col in DOMAIN_KEYS:
        if col in names:
            table = table.set_column(names.index(col), col,
                                     pc.utf8_upper(pc.utf8_trim_whitespace(table.column(col))))
    for col in _seq_columns(feed.domain, names):
        canonical, bad = _canonical_numbers(table.column(col))
        if bad.any():
            raise FeedError(feed.path, "FEED-SEQ-NUMERIC", "--SEQ must be a number (SDTMIG 4.1.2.4)",
                            column=col, records=_row_numbers(bad))
        table = table.set_column(names.index(col), col, canonical)
    if feed.is_supplemental and {"IDVAR", "IDVARVAL"} <= set(names):
        idvar = pc.utf8_upper(pc.utf8_trim_whitespace(table.column("IDVAR").cast(pa.string())))
        is_seq = pc.ends_with(idvar, "SEQ").fill_null(False).to_numpy(zero_copy_only=False)
        if is_seq.any():
            canonical, bad = _canonical_numbers(table.column("IDVARVAL"))
            use = is_seq & ~bad
            original = pc.utf8_trim_whitespace(table.column("IDVARVAL").cast(pa.string()))
            merged = pc.if_else(pa.array(use), canonical, original.combine_chunks())
            table = table.set_column(names.index("IDVARVAL"), "IDVARVAL", merged)
    return table


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
