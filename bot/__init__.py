"""Composition root: configuration, the CLI and the platform adapters."""
