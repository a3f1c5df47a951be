"""One `dbt build` for the selected models: models and their data tests in dependency order.

Each refresh runs the models and the data tests that check data. dbt's unit tests and the tests of
the configuration tables (tag `config_table`; the typed study model validated those values when it
read them) check code and configuration, not a delivery: the test suite runs them."""


import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.warehouse import RunWarehouse
from orchestration.lib.dbt.project import dbt_database, dbt_project
from orchestration.lib.dbt.translator import WarehouseTranslator

REFRESH_EXCLUDE = "resource_type:unit_test tag:config_table"


@dbt_assets(
    manifest=dbt_project().manifest_path,
    exclude=REFRESH_EXCLUDE,
    project=dbt_project(),
    dagster_dbt_translator=WarehouseTranslator(),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: RunWarehouse):
    with dbt_database():
        # the exclusion of the decorator applies to a whole-project build; a subset run (a refresh of
        # what depends on changed feeds) selects its models explicitly, so unit tests are left out here
        yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()
