"""A feed's sha256 is read once per process while the file stays as it was, and read again as soon
as anything about the file changes, however quickly it is rewritten."""

from __future__ import annotations

import hashlib
import os
import time

from safety_warehouse import feeds
from safety_warehouse.feeds import file_digest


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _age(path, seconds: float) -> None:
    past = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(past, past))


def test_settled_file_is_hashed_once(tmp_path, monkeypatch):
    f = tmp_path / "lb.csv"
    f.write_bytes(b"a,b\n1,2\n")
    _age(f, 60)  # the status-change time is now: only files settled on both times are remembered
    monkeypatch.setattr(feeds, "_SETTLED_NS", 0)
    reads = []
    real_open = open

    def counting_open(path, *args, **kwargs):
        reads.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert file_digest(f) == (_sha(b"a,b\n1,2\n"), 8)
    assert file_digest(f) == (_sha(b"a,b\n1,2\n"), 8)
    assert reads.count(str(f)) == 1


def test_same_size_rewrite_is_seen(tmp_path, monkeypatch):
    monkeypatch.setattr(feeds, "_SETTLED_NS", 0)
    f = tmp_path / "lb.csv"
    f.write_bytes(b"ALP,34\n")
    _age(f, 60)
    assert file_digest(f)[0] == _sha(b"ALP,34\n")
    f.write_bytes(b"ALP,35\n")  # same size, new modification time
    assert file_digest(f)[0] == _sha(b"ALP,35\n")


def test_replaced_file_is_seen_even_with_the_old_times(tmp_path, monkeypatch):
    monkeypatch.setattr(feeds, "_SETTLED_NS", 0)
    f, new = tmp_path / "lb.csv", tmp_path / "incoming.csv"
    f.write_bytes(b"ALP,34\n")
    _age(f, 60)
    first = file_digest(f)
    st = f.stat()
    new.write_bytes(b"ALP,35\n")
    os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(new, f)  # another inode, the same size and modification time
    assert file_digest(f) != first
    assert file_digest(f)[0] == _sha(b"ALP,35\n")


def test_file_changed_in_the_last_seconds_is_not_remembered(tmp_path):
    f = tmp_path / "lb.csv"
    f.write_bytes(b"ALP,34\n")
    file_digest(f)
    assert str(f.resolve()) not in feeds._DIGESTS
