"""dbt models (staging, intermediate, marts) as Dagster assets; dbt tests as asset checks."""

import dagster as dg

from orchestration.defs.dbt.assets import warehouse_dbt_models
from orchestration.lib.dbt.project import WarehouseDbtCli, dbt_executable, dbt_project

defs = dg.Definitions(
    assets=[warehouse_dbt_models],
    resources={"dbt": WarehouseDbtCli(project_dir=dbt_project(), dbt_executable=dbt_executable())},
)
