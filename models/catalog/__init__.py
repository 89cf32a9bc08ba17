"""The service catalog: services, owners, links, dependencies."""
