"""The package version (one definition, read by the top-level package and the CLI)."""

__version__ = "0.1.0"
