"""Upstream sources: the Federal Register API, the consolidated screening list, one HTTP client."""
