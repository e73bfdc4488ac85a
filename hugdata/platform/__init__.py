"""The Dagster code location: project partitions, resources, assets, checks, jobs, schedules and sensors."""
