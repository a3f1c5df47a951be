"""A temporary workspace for the real command line: its own raw folder (a copy of the pilot's
feeds), study configuration, warehouse folder, outputs and Dagster instance."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from safety_warehouse import paths

PILOT = paths.PROJECT_ROOT / "data" / "raw" / "cdiscpilot01"
STUDY = "cdiscpilot01"
CLI = str(Path(sys.executable).parent / "safety-warehouse")


@dataclass
class Workspace:
    base: Path
    studies: list[str] = field(default_factory=lambda: [STUDY])

    @classmethod
    def create(cls, base: Path) -> "Workspace":
        ws = cls(base=base)
        shutil.copytree(PILOT, ws.raw / STUDY)
        shutil.copytree(paths.PROJECT_ROOT / "studies", ws.base / "studies")
        return ws

    @property
    def raw(self) -> Path:
        return self.base / "raw"

    @property
    def study_dir(self) -> Path:
        return self.raw / STUDY

    @property
    def warehouse(self) -> Path:
        return self.base / "warehouse"

    @property
    def state(self) -> Path:
        return self.warehouse / ".work" / "safety.duckdb"

    @property
    def published(self) -> Path:
        return self.warehouse / "published" / "safety.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.base / "dagster_home"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SAFETY_")}
        env.update(SAFETY_RAW_DIR=str(self.raw), SAFETY_STUDIES_DIR=str(self.base / "studies"),
                   SAFETY_WAREHOUSE_DIR=str(self.warehouse), SAFETY_OUTPUTS_DIR=str(self.base / "outputs"),
                   DAGSTER_HOME=str(self.dagster_home), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
                   GX_ANALYTICS_ENABLED="false")
        return env

    def cli(self, *args: str, timeout: float = 900, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([CLI, *args], env=self.env, cwd=self.base, capture_output=True, text=True,
                              timeout=timeout, input=input)

    def load(self, *studies: str) -> subprocess.CompletedProcess:
        """The real command line, loading only (delivery and raw domains, no checks): never published."""
        return self.cli("run", "--select", "raw", "--skip-checks", *studies)

    def query(self, sql: str, params: list | None = None, path: Path | None = None) -> list[tuple]:
        con = duckdb.connect(str(path or self.state), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def count(self, table: str, path: Path | None = None) -> int:
        return self.query(f"select count(*) from {table}", path=path)[0][0]

    def tables(self, schema: str, path: Path | None = None) -> set[str]:
        return {r[0] for r in self.query(
            "select table_name from information_schema.tables where table_schema = ?", [schema], path=path)}


def output(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr
