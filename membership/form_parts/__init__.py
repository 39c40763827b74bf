"""Forms of the registry pages, one module per area (units, workers, members)."""
