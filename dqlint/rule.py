"""The rule API for plugin authors: ``from dqlint.rule import Rule, RuleResult, Finding, ...``.

This is the stable import path of the API defined in :mod:`dqlint.engine.rule`; built-in rules
use it exactly as a third-party plugin does.
"""

from dqlint.engine.options import max_findings_option, option
from dqlint.engine.rule import (
    RUNS_BLOCK,
    RUNS_DISTRIBUTED,
    RUNS_DRIVER,
    RUNS_SAMPLE,
    Block,
    CheckContext,
    Partial,
    Finding,
    Fix,
    Metric,
    Rule,
    RuleResult,
    Severity,
    Status,
    rows_by_block,
)

__all__ = ["RUNS_BLOCK", "RUNS_DISTRIBUTED", "RUNS_DRIVER", "RUNS_SAMPLE", "Block", "Partial", "CheckContext", "Finding", "Fix", "Metric", "Rule", "RuleResult", "Severity", "Status", "max_findings_option", "option", "rows_by_block"]
