"""Safety data warehouse: Dagster code location."""
