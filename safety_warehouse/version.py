"""The code version stamped on every output: the project's git commit, else the package version."""

from __future__ import annotations

import hashlib
import subprocess
from functools import lru_cache
from importlib import metadata

from safety_warehouse.paths import PROJECT_ROOT

PACKAGE = "safety-warehouse"


@lru_cache(maxsize=1)
def code_version() -> str:
    """`git describe --always --dirty` of the project (a commit, `-dirty` and a hash of the changes
    when tracked files differ from it); without git, `<package> <version>`. Computed once per process."""
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=10, check=True)
        value = out.stdout.strip()
        if value.endswith("-dirty"):
            # one version per state of the working tree: the changes to tracked files, hashed
            diff = subprocess.run(["git", "-C", str(PROJECT_ROOT), "diff", "HEAD", "--no-ext-diff", "--binary"],
                                  capture_output=True, timeout=30, check=True).stdout
            value += "-" + hashlib.sha256(diff).hexdigest()[:12]
        if value:
            return f"git {value}"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"{PACKAGE} {metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:
        return "unknown"
