"""How dbt resources become Dagster assets: keys and groups follow the model's folder."""

from __future__ import annotations

from typing import Any, Mapping

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

CONFIG_TABLE_PREFIX = "cfg_"


class WarehouseTranslator(DagsterDbtTranslator):
    """Sources `raw.<table>` -> ["raw", <table>] (the ingestion assets; every `cfg_*` table comes from
    the one ["raw", "study_config"] asset); models -> [<layer folder>, <model>] in group <layer folder>."""

    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True))

    @staticmethod
    def _layer(props: Mapping[str, Any]) -> str:
        fqn = props.get("fqn") or []
        # fqn = [project, layer folder, ..., name]
        return fqn[1] if len(fqn) > 2 else "models"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            name = dbt_resource_props["name"]
            if name.startswith(CONFIG_TABLE_PREFIX):
                return dg.AssetKey(["raw", "study_config"])
            return dg.AssetKey([dbt_resource_props["source_name"], name])
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return self._layer(dbt_resource_props)
