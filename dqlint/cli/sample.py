"""`dqlint sample`: draw a seeded, label-stratified random sample and write a review sheet.

The click function only parses arguments; :func:`dqlint.commands.sample.sample` does the work. Errors
(an existing output file, an unreadable input) are DqlintErrors: ``dqlint.cli.main`` prints
them as one line and exits with code 2.
"""

from __future__ import annotations

import sys
from typing import Any

import click


@click.command("sample")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("-n", "--rows", type=click.IntRange(1), default=None, help="Rows in the random sample (default 200).")
@click.option("--margin", type=float, default=None, help="Size the sample for this margin of error instead, e.g. 0.03.")
@click.option("--expected-accuracy", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95, show_default=True,
              help="Accuracy assumed when sizing by --margin (0.5 = worst case).")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95, show_default=True,
              help="Confidence level for --margin.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed: the same seed draws the same sample.")
@click.option("--suspects", is_flag=True, help="Run the model checks: fill suggested_label and list suspects first (not counted in the estimate).")
@click.option("-o", "--output", metavar="FILE", help="Review sheet to write (.csv or .jsonl); default: CSV on stdout.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option("--field", "field_names", multiple=True, metavar="KEY=NAME", help="Field name override, as for `dqlint check`.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: nearest dqlint.toml / pyproject.toml).")
@click.option("--isolated", is_flag=True, help="Ignore config files.")
def sample(
    paths: tuple[str, ...],
    rows: int | None,
    margin: float | None,
    expected_accuracy: float,
    confidence: float,
    seed: int,
    suspects: bool,
    output: str | None,
    force: bool,
    field_names: tuple[str, ...],
    config_path: str | None,
    isolated: bool,
) -> int:
    """Draw a random sample of PATH... (stratified by label) to review by hand.

    \b
    Then fill the `correct` column (yes/no) and run:
      dqlint check PATH... --review FILE

    \b
    Examples:
      dqlint sample train.jsonl -n 200 -o review.csv
      dqlint sample train.jsonl --margin 0.03 --suspects -o review.csv
    """
    from dqlint.commands.sample import sample as draw_sample

    frame = draw_sample(
        list(paths), n=rows, margin=margin, seed=seed, suspects=suspects, output=output, force=force,
        confidence=confidence, expected_accuracy=expected_accuracy, fields=fields_option(field_names, config_path, isolated),
    )
    if output is None:
        from dqlint.toolkit.review_sheet import SHEET_COLUMNS

        sys.stdout.write(frame[SHEET_COLUMNS].to_csv(index=False))
    click.echo(_summary_line(frame.attrs.get("summary", {}), output, paths), err=True)
    return 0


def fields_option(field_names: tuple[str, ...], config_path: str | None, isolated: bool) -> Any:
    """The field mapping `dqlint check` would use, so both hash rows the same way."""
    from dqlint.cli.main import key_value
    from dqlint.data.formats import FieldMap
    from dqlint.engine.config import Config, load_config

    config = Config() if isolated else load_config(config_path)
    if not field_names:
        return config.fields
    table = config.fields.as_table()  # only what the config pinned: the rest is inferred per file
    for setting in field_names:
        key, value = key_value(setting, "--field", "KEY=NAME")
        table[key] = value
    return FieldMap.from_config(table)


def _summary_line(summary: dict[str, Any], output: str | None, paths: tuple[str, ...]) -> str:
    n, population = summary.get("random_rows", 0), summary.get("population", 0)
    strata = summary.get("strata") or {}
    labelled = len([s for s in strata if s])
    where = output or "stdout"
    text = f"Wrote {n:,} random rows of {population:,} to {where} (seed {summary.get('seed', 0)}"
    text += f", stratified over {labelled} labels)" if labelled else ")"
    margin = summary.get("margin")
    if margin:
        text += (f"; expected margin of error ±{100 * margin:.1f} points at {100 * summary.get('confidence', 0.95):g} % "
                 f"confidence if accuracy is near {100 * summary.get('expected_accuracy', 0.95):g} %")
    if summary.get("suspect_rows"):
        text += f"; plus {summary['suspect_rows']} model suspects listed first (section model-suspect, not counted)"
    text += f".\nFill `correct` (yes/no), then: dqlint check {' '.join(paths)} --review {output or 'REVIEW.csv'}"
    return text
