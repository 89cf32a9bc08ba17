"""The service catalog: services, owners, links, dependencies."""

from models.catalog import versions  # noqa: F401 - registers the catalog_version listener
