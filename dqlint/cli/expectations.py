"""`dqlint expectations`: Great Expectations suites. `export` writes the schema dqlint inferred.

The click functions only parse arguments; :mod:`dqlint.commands.expectations_export` does the work.
Errors are DqlintErrors, printed by ``dqlint.cli.main`` as one line with exit code 2.
"""

from __future__ import annotations

import json
import sys

import click


@click.group("expectations")
def expectations() -> None:
    """Great Expectations suites: export the schema dqlint inferred.

    \b
    Run a suite with:  dqlint check PATH... --expectations suite.json
    """


@expectations.command("export")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--test", "test_paths", multiple=True, metavar="PATH", help="Test split (repeatable); its rows shape the suite too.")
@click.option("--eval", "eval_paths", multiple=True, metavar="PATH", help="Evaluation / validation split (repeatable).")
@click.option("-o", "--output", metavar="FILE", help="Suite file to write (JSON); default: standard output.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option("--name", default=None, help="Suite name (default: the output file's name, else 'dqlint').")
@click.option("--length-margin", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Widen the observed input/output length ranges by this fraction (0.1 = 10 %).")
@click.option("--field", "field_names", multiple=True, metavar="KEY=NAME", help="Field name override, as for `dqlint check`.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: nearest dqlint.toml / pyproject.toml).")
@click.option("--isolated", is_flag=True, help="Ignore config files.")
def export(
    paths: tuple[str, ...],
    test_paths: tuple[str, ...],
    eval_paths: tuple[str, ...],
    output: str | None,
    force: bool,
    name: str | None,
    length_margin: float,
    field_names: tuple[str, ...],
    config_path: str | None,
    isolated: bool,
) -> int:
    """Write the schema dqlint infers from PATH... as a GX 1.x Expectation Suite.

    The suite checks raw fields and their types, record formats, allowed labels and the
    input/output length ranges seen, on the same columns `--expectations` validates.

    \b
    Examples:
      dqlint expectations export train.jsonl -o suite.json
      dqlint check new_batch.jsonl --expectations suite.json
    """
    from dqlint.cli.sample import fields_option
    from dqlint.commands.expectations_export import export_suite
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec

    specs = [InputSpec(p) for p in paths]
    specs += [InputSpec(p, split="test") for p in test_paths]
    specs += [InputSpec(p, split="validation") for p in eval_paths]
    ds = load_inputs(specs, fields=fields_option(field_names, config_path, isolated))
    suite_name = name or (_stem(output) if output else "dqlint")
    suite = export_suite(ds, output, name=suite_name, length_margin=length_margin, force=force,
                         input_paths=[*paths, *test_paths, *eval_paths])
    if output is None:
        sys.stdout.write(json.dumps(suite, indent=2, ensure_ascii=False) + "\n")
    skipped = len(ds.problems)
    note = f" ({skipped} loading problem(s) ignored: those records shaped nothing)" if skipped else ""
    click.echo(f"Wrote {len(suite['expectations'])} expectations inferred from {len(ds):,} rows to {output or 'stdout'}{note}.", err=True)
    return 0


def _stem(path: str) -> str:
    import os

    base = os.path.basename(path)
    return base.split(".", 1)[0] or "dqlint"
