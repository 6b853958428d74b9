"""`dqlint clean`: write a cleaned copy and every dropped record with its reasons.

The click function only parses arguments; :func:`dqlint.commands.clean.clean` does the work. Errors
(an existing output, an output that is an input) are DqlintErrors: ``dqlint.cli.main`` prints
them as one line and exits with code 2.
"""

from __future__ import annotations

from typing import Any

import click

DEFAULT_OUTPUT = "{dir}/{stem}.clean{ext}"


@click.command("clean")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--test", "test_paths", multiple=True, metavar="PATH", help="Test split (repeatable): checked for leakage and cleaned too.")
@click.option("--eval", "eval_paths", multiple=True, metavar="PATH", help="Evaluation / validation split (repeatable).")
@click.option("-o", "--output", metavar="PATH",
              help="Cleaned copy: a file for one input, a folder for several, or a template with "
                   "{dir} {name} {stem} {ext}  [default: " + DEFAULT_OUTPUT + "; for one folder: <folder>.clean/]")
@click.option("--dropped", metavar="FILE", help="Where dropped records go (JSONL) [default: <stem>.dropped.jsonl, or dropped.jsonl, beside the output].")
@click.option("--force", is_flag=True, help="Replace output files that exist (inputs are never replaced).")
@click.option("--drop-rule", "drop_rules", multiple=True, metavar="IDS",
              help="Also drop every row these rules flag, e.g. sensitive-content (comma-separated, repeatable).")
@click.option("--leaked-from", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Drop leaked pairs from training (keeps the test set intact) or from the test split.")
@click.option("--keep-duplicates", is_flag=True, help="Do not drop exact and near duplicates.")
@click.option("--keep-leaked", is_flag=True, help="Do not drop leaked rows.")
@click.option("--keep-invalid", is_flag=True, help="Keep records with schema errors (unparseable records are always dropped).")
@click.option("--only", "only", multiple=True, metavar="WHAT",
              help="Apply only these fixes (repeatable or comma-separated): exact (exact duplicates), duplicate, leak, format, or a plugin's category.")
@click.option("--dry-run", is_flag=True, help="Write nothing: print what would be kept and dropped, and why.")
@click.option("--max-drop", "max_drop", type=click.FloatRange(0, 1), default=0.2, show_default=True,
              help="Refuse to drop more than this share of any split without --force.")
@click.option("--set", "settings", multiple=True, metavar="RULE.OPTION=VALUE", help="Set a rule option, e.g. near-duplicates.threshold=95.")
@click.option("--field", "field_names", multiple=True, metavar="KEY=NAME", help="Field name override, as for `dqlint check`.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: nearest dqlint.toml / pyproject.toml).")
@click.option("--isolated", is_flag=True, help="Ignore config files.")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr (default: on a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def clean(**kwargs: Any) -> int:
    """Write a cleaned copy of PATH... and, separately, every record it drops.

    Drops exact and near duplicates (keeping one per group), held-out rows leaked into
    training (from training by default), records with blocking format errors, and every row
    the --drop-rule rules flag. Same format out as in; original bytes kept. Inputs are never
    modified.

    \b
    Examples:
      dqlint clean train.jsonl                      # -> train.clean.jsonl, train.dropped.jsonl
      dqlint clean train.jsonl --test test.jsonl -o clean/
      dqlint clean data/                            # -> data.clean/ (copies and dropped.jsonl)
      dqlint clean data.csv -o data.clean.csv --drop-rule sensitive-content --force
    """
    from dqlint.cli.progress import StageReporter, progress_wanted
    from dqlint.commands.clean import clean as run_clean

    args = dict(kwargs)
    config = _config(args)
    drop_rules = [rule for value in args["drop_rules"] for rule in value.split(",") if rule.strip()]
    stages = StageReporter(show=progress_wanted(args["progress"], args["quiet"]), timings=False)
    try:
        result = run_clean(
            list(args["paths"]),
            test=list(args["test_paths"]) or None,
            eval=list(args["eval_paths"]) or None,
            output=args["output"] or default_output(args["paths"], args["test_paths"], args["eval_paths"]),
            dropped=args["dropped"],
            force=args["force"],
            drop_rules=[r.strip() for r in drop_rules],
            leaked_from=args["leaked_from"],
            duplicates=not args["keep_duplicates"],
            leakage=not args["keep_leaked"],
            format_errors=not args["keep_invalid"],
            only=[w.strip() for value in args["only"] for w in value.split(",") if w.strip()],
            dry_run=args["dry_run"],
            max_drop_share=args["max_drop"],
            config=config,
            progress=stages,
        )
    finally:
        stages.close()
    if not args["quiet"]:
        click.echo(summary_text(result))
    return 0


def default_output(paths: tuple[str, ...], test_paths: tuple[str, ...], eval_paths: tuple[str, ...]) -> str:
    """Beside each input file; for one folder, a sibling folder ``<folder>.clean/`` (cleaned
    copies and the dropped file inside the data folder would be read by the next check)."""
    import os

    from dqlint.errors import UsageError

    inputs = [*paths, *test_paths, *eval_paths]
    folders = [p for p in inputs if os.path.isdir(p)]
    if not folders:
        return DEFAULT_OUTPUT
    if len(inputs) == 1:
        return os.path.normpath(folders[0]) + ".clean" + os.sep
    raise UsageError(f"{folders[0]}: cleaning a folder with other inputs needs -o FOLDER/")


def _config(args: dict[str, Any]) -> Any:
    """The config `dqlint check` would build from the same flags."""
    from dqlint.cli.main import CheckArgs, build_config

    check_args = CheckArgs(
        paths=(), test_paths=(), eval_paths=(), reference_paths=(), review=None, expectations=None,
        config_path=args["config_path"], isolated=args["isolated"], select=None, ignore=(),
        settings=args["settings"], severities=(), field_names=args["field_names"], formats=(), outputs=(),
        fail_on=None, exit_zero=False, max_findings=5, color=None, progress=None, no_cache=True,
        quiet=True, verbose=False,
    )
    return build_config(check_args)


def summary_text(result: Any) -> str:
    """Counts per file and per reason, for a person reading the terminal."""
    lines = [] if result.written else ["dry run: nothing written"]
    keeps, drops = ("kept", "dropped") if result.written else ("would keep", "would drop")
    for path, (kept, dropped) in result.per_file.items():
        lines.append(f"{path}: {keeps} {kept:,} of {kept + dropped:,} records -> {result.outputs[path]}")
    lines.append(f"{drops} {result.dropped:,} record(s) -> {result.dropped_path}")
    width = max((len(rule) for rule in result.reasons), default=0)
    for rule, count in result.reasons.most_common():
        kinds = ", ".join(f"{kind} {n}" for kind, n in result.kinds.get(rule, {}).most_common())
        lines.append(f"  {rule:<{width}}  {count:>6,}  ({kinds})")
    for warning in result.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
