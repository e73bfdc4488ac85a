"""The tenant registry: projects, their data sources and API keys, and the project partitions they own."""
