"""One `dbt build` for the selected models: models, seeds and their tests in dependency order."""


import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.warehouse import RunWarehouse
from orchestration.lib.dbt.project import dbt_env, dbt_project
from orchestration.lib.dbt.translator import WarehouseTranslator


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=WarehouseTranslator(),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: RunWarehouse):
    dbt_env()
    yield from dbt.cli(["build"], context=context).stream()
