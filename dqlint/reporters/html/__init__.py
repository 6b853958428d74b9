"""The HTML reporter: one self-contained page (see :mod:`dqlint.reporters.html.page`)."""

from dqlint.reporters.html.page import FINDINGS_PER_RULE, render

__all__ = ["FINDINGS_PER_RULE", "render"]
