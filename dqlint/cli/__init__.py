"""The command line: click parses, builders assemble a request, the runner returns an exit code."""

from dqlint.cli.main import main

__all__ = ["main"]
