"""Pages: alert integrations and formats, pages and their hour classes, ingest, page load."""
