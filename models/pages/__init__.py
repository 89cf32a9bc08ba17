"""Pages: alert formats, ingest and attribution, page-load figures."""
