"""SLOs and error budgets: objectives on catalog services, their figures, the budget policy."""
