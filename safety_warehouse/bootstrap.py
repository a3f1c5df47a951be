"""Load a study's configuration and every feed into `raw` without Dagster (development, tests)."""

from __future__ import annotations

import argparse

from safety_warehouse.raw_loader import LoadResult, load_feed
from safety_warehouse.studies import get_study, study_names
from safety_warehouse.study_config import publish_config
from safety_warehouse.warehouse import state_transaction


def load_study_raw(name: str) -> list[LoadResult]:
    study = get_study(name)
    results = []
    with state_transaction(on_wait=print) as con:
        publish_config(con, study.config)
        for feed in study.feeds().values():
            results.append(load_feed(con, feed, study.studyid))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("studies", nargs="*", help="study folders (default: all)")
    args = parser.parse_args()
    for name in args.studies or study_names():
        for r in load_study_raw(name):
            print(f"{r.study}.{r.domain}: {r.rows} rows ({r.action})")


if __name__ == "__main__":
    main()
