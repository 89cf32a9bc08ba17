"""SLOs and error budgets: objectives on catalog services, their figures, the budget policy."""

from models.slos import versions  # noqa: F401 - registers the catalog_version listener
