"""`dqlint baseline`: write today's findings to a baseline file (click only parses here)."""

from __future__ import annotations

from typing import Any

import click

from dqlint.cli.main import data_options


@click.command("baseline")
@data_options
@click.option("--select", metavar="IDS", help="Only these rules or criteria.")
@click.option("--ignore", metavar="IDS", multiple=True, help="Skip these rules or criteria.")
@click.option("--set", "settings", multiple=True, metavar="RULE.OPTION=VALUE", help="Set a rule option.")
@click.option("--field", "field_names", multiple=True, metavar="KEY=NAME", help="Field name override, as for `dqlint check`.")
@click.option("-o", "--output", default="dqlint-baseline.json", show_default=True, metavar="FILE", help="Baseline file to write (replaced).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def baseline(**kwargs: Any) -> int:
    """Record today's findings in FILE, so that `dqlint check --baseline FILE` blocks only new ones.

    \b
    Examples:
      dqlint baseline train.jsonl --test test.jsonl            # -> dqlint-baseline.json
      dqlint check train.jsonl --test test.jsonl --baseline dqlint-baseline.json
    """
    from dqlint.cli.main import CheckArgs, build_config, build_request, request_inputs
    from dqlint.commands.baseline import write_baseline

    args = CheckArgs(
        paths=kwargs["paths"], test_paths=kwargs["test_paths"], eval_paths=kwargs["eval_paths"],
        reference_paths=kwargs["reference_paths"], review=kwargs["review"], expectations=kwargs["expectations"],
        config_path=kwargs["config_path"], isolated=kwargs["isolated"], select=kwargs["select"], ignore=kwargs["ignore"],
        settings=kwargs["settings"], severities=(), field_names=kwargs["field_names"], formats=(), outputs=(),
        fail_on=None, exit_zero=False, max_findings=5, color=None, progress=None, no_cache=False,
        quiet=True, verbose=False, schema=kwargs["schema"],
    )
    config = build_config(args)
    request = build_request(args, config)
    document = write_baseline(request, kwargs["output"], protected=request_inputs(request))
    if not kwargs["quiet"]:
        n = len(document["findings"])
        click.echo(f"dqlint: wrote {kwargs['output']}: {n:,} finding(s) accepted "
                   f"(the check was {document['verdict_when_written'].upper()}); use it with --baseline {kwargs['output']}", err=True)
    return 0
