"""The command line. Click functions only parse arguments; builders assemble a CheckRequest and
the output plan; ``run_check`` does the work; the exit code comes from the report.

Exit codes: 0 = go, 1 = no-go, 2 = the run could not be judged (usage, config or input error).
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
from dataclasses import dataclass, replace
from typing import Any, Sequence

import click

from dqlint import __version__
from dqlint.cli.progress import shown
from dqlint.data.profiles import PROFILES

PROFILE_NAMES = tuple(PROFILES)

# Sub-commands defined in other modules load only when used, keeping `dqlint --help` fast.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "sample": ("dqlint.cli.sample:sample", "Draw a random sample to review by hand (label accuracy)."),
    "clean": ("dqlint.cli.clean:clean", "Write a cleaned copy, and every dropped record with its reason."),
    "expectations": ("dqlint.cli.expectations:expectations", "Great Expectations suites: export the inferred schema."),
    "baseline": ("dqlint.cli.baseline:baseline", "Record today's findings so that only new ones block (--baseline)."),
    "init": ("dqlint.cli.init:init", "Write a config for the data found here and print pre-commit and CI snippets."),
    "cost": ("dqlint.cli.cost:cost", "Is fine-tuning worth it? Cost, savings, breakeven."),
}

FORMAT_BY_SUFFIX = {
    ".json": "json",
    ".sarif": "sarif",
    ".xml": "junit",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "terminal",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[name][0].split(":")
            try:
                return getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError):
                return None
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, cmd.get_short_help_str(60)) for name, cmd in sorted(self.commands.items())]
        rows += [(name, help_) for name, (_, help_) in LAZY_COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="dqlint")
def cli() -> None:
    """dqlint: a go / no-go verdict on whether a data set is ready for LLM fine-tuning.

    \b
    Examples:
      dqlint check train.jsonl --test test.jsonl
      dqlint check data/ --format json --output report.json
      dqlint rules
    """


# -- check -------------------------------------------------------------------------------------


def data_options(command: Any) -> Any:
    """The options that say what a check reads (data, splits, reference, review sheet, suite,
    schema, config): shared by every command that runs a check."""
    decorators = [
        click.argument("paths", nargs=-1, metavar="[PATH]..."),
        click.option("--test", "test_paths", multiple=True, metavar="PATH", help="Test split (repeatable)."),
        click.option("--eval", "eval_paths", multiple=True, metavar="PATH", help="Evaluation / validation split (repeatable)."),
        click.option("--reference", "reference_paths", multiple=True, metavar="PATH", help="Production sample to compare with."),
        click.option("--review", metavar="FILE", help="A filled-in review sheet from `dqlint sample`."),
        click.option("--expectations", metavar="FILE", help="A Great Expectations suite (JSON) to run."),
        click.option("--config", "config_path", metavar="FILE", help="Config file (default: nearest dqlint.toml / pyproject.toml)."),
        click.option("--isolated", is_flag=True, help="Ignore config files."),
        click.option("--schema", metavar="FILE", help="A JSON Schema every record must satisfy (rule json-schema)."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@cli.command("check")
@data_options
@click.option("--baseline", metavar="FILE", help="Accept the findings recorded in FILE (`dqlint baseline`); only new ones block.")
@click.option("--select", metavar="IDS", help="Only these rules (comma-separated rule ids or criteria, e.g. duplicates).")
@click.option("--extend-select", metavar="IDS", multiple=True, help="Add rules or criteria to the selection.")
@click.option("--ignore", metavar="IDS", multiple=True, help="Skip these rules (comma-separated rule ids or criteria).")
@click.option("--extend-ignore", metavar="IDS", multiple=True, help="Skip these too, on top of the config's ignore.")
@click.option("--set", "settings", multiple=True, metavar="RULE.OPTION=VALUE", help="Set a rule option.")
@click.option("--severity", "severities", multiple=True, metavar="RULE=LEVEL", help="error (blocks) or warning.")
@click.option("--field", "field_names", multiple=True, metavar="KEY=NAME", help="Pin a field: input, output, text, label, system, id or split (NAME may be a,b to join fields).")
@click.option("--target", type=click.Choice(list(PROFILE_NAMES)), default=None, help="Provider profile to check against (default: generic, or target in config).")
@click.option("-f", "--format", "formats", multiple=True, metavar="NAME",
              help="terminal, concise, json, markdown, sarif, junit, github, gitlab, html, statistics (repeatable).")
@click.option("--statistics", is_flag=True, help="Print counts per rule and finding kind instead of the report.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FILE", help="Write the report to FILE; pairs with --format in order (repeatable).")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default=None, help="What makes the exit code 1 (default: error).")
@click.option("--exit-zero", is_flag=True, help="Always exit 0 when the run could be judged.")
@click.option("--max-findings", type=click.IntRange(0), default=5, show_default=True, help="Findings shown per rule in terminal/markdown output.")
@click.option("--color/--no-color", default=None, help="Colour in terminal output (default: auto; honours NO_COLOR).")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr (default: on a terminal, off in CI).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option("--exact-tokens", is_flag=True, help="Count every example's tokens (default: a sample of large splits; over-limit checks are always exact).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("-v", "--verbose", is_flag=True, help="Print timings per stage on stderr.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default=None, help="Where the rules run: this process (local, the default) or a Ray cluster (pip install 'dqlint[ray]').")
@click.option("--address", metavar="ADDR", default=None, help="The Ray cluster for --engine ray: auto, or ray://HOST:10001 (default: start a local Ray instance).")
@click.option("-j", "--jobs", metavar="N", default=None, help="Processes the local engine runs the rules in: a number, or auto (the default: every CPU for a set of 20,000+ rows).")
def check_command(**kwargs: Any) -> int:
    """Check data sets (files, folders, hf://owner/name) and print a readiness report."""
    args = CheckArgs(**kwargs)
    return run_check_command(args)


@dataclass
class CheckArgs:
    paths: tuple[str, ...]
    test_paths: tuple[str, ...]
    eval_paths: tuple[str, ...]
    reference_paths: tuple[str, ...]
    review: str | None
    expectations: str | None
    config_path: str | None
    isolated: bool
    select: str | None
    ignore: tuple[str, ...]
    settings: tuple[str, ...]
    severities: tuple[str, ...]
    field_names: tuple[str, ...]
    formats: tuple[str, ...]
    outputs: tuple[str, ...]
    fail_on: str | None
    exit_zero: bool
    max_findings: int
    color: bool | None
    progress: bool | None
    no_cache: bool
    quiet: bool
    verbose: bool
    schema: str | None = None
    baseline: str | None = None
    extend_select: tuple[str, ...] = ()
    extend_ignore: tuple[str, ...] = ()
    statistics: bool = False
    target: str | None = None
    exact_tokens: bool = False
    engine: str | None = None
    address: str | None = None
    jobs: str | None = None


def run_check_command(args: CheckArgs) -> int:
    from dqlint.cli.progress import StageReporter, progress_wanted
    from dqlint.engine.check import run_check
    from dqlint.engine.verdict import exit_code

    config = build_config(args)
    request = build_request(args, config)
    formats = args.formats if not args.statistics else (*args.formats[: len(args.outputs)], "statistics")
    plan = build_output_plan(formats, args.outputs, request)
    stages = StageReporter(show=progress_wanted(args.progress, args.quiet), timings=args.verbose)
    request.progress = stages
    try:
        report = run_check(request)
    finally:
        stages.close()
    write_outputs(report, plan, args, request_inputs(request))
    return exit_code(report, exit_zero=args.exit_zero)


def build_config(args: CheckArgs) -> Any:
    from dqlint.data.formats import FieldMap
    from dqlint.engine.config import Config, load_config
    from dqlint.errors import UsageError

    config = Config() if args.isolated else load_config(args.config_path)
    if args.fail_on:
        config = replace(config, fail_on=args.fail_on)
    if args.select is not None:
        config = replace(config, select=_ids(args.select))
    if args.extend_select and config.select is not None:
        config = replace(config, select=tuple(config.select) + tuple(i for v in args.extend_select for i in _ids(v)))
    if args.ignore or args.extend_ignore:
        extra = tuple(i for v in (*args.ignore, *args.extend_ignore) for i in _ids(v))
        config = replace(config, ignore=tuple(config.ignore) + extra)
    if args.schema:
        config = replace(config, schema=args.schema)
    if args.baseline:
        config = replace(config, baseline=args.baseline)
    for setting in args.settings:
        key, value = key_value(setting, "--set", "RULE.OPTION=VALUE")
        rule_id, dot, option = key.partition(".")
        if not dot or not option:
            raise UsageError(f"--set {setting!r}: expected RULE.OPTION=VALUE")
        config = config.with_rule_setting(rule_id, option, _toml_value(value))
    for setting in args.severities:
        rule_id, level = key_value(setting, "--severity", "RULE=LEVEL")
        config = config.with_rule_setting(rule_id, "severity", level)
    if args.target:
        config = replace(config, target=args.target)
    if args.exact_tokens:
        config = config.with_rule_setting("token-length", "exact-tokens", True)
    if args.engine:
        config = replace(config, engine=args.engine)
    if args.address:
        config = replace(config, address=args.address)
    if args.jobs is not None:
        config = replace(config, jobs=_jobs_value(args.jobs))
    if config.address and config.engine != "ray":
        raise UsageError("--address (or address in config) names a Ray cluster: use it with --engine ray")
    if args.field_names:
        table = config.fields.as_table()
        for setting in args.field_names:
            key, value = key_value(setting, "--field", "KEY=NAME")
            table[key] = value
        config = replace(config, fields=FieldMap.from_config(table))
    return config


def _jobs_value(text: str) -> int | None:
    """``--jobs``: "auto" (None) or a whole number of processes, at least 1."""
    from dqlint.errors import UsageError

    if text.strip().lower() == "auto":
        return None
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise UsageError(f"--jobs {text!r}: expected auto or a whole number of processes of at least 1")
    return jobs


def build_request(args: CheckArgs, config: Any) -> Any:
    from dqlint.data.sources import STDIN, InputSpec
    from dqlint.engine.check import CheckRequest
    from dqlint.toolkit.cost import cost_sections

    inputs = [InputSpec(STDIN if p == "-" else p) for p in args.paths]
    test_paths, eval_paths, reference_paths = args.test_paths, args.eval_paths, args.reference_paths
    if not inputs:  # pre-commit runs with pass_filenames: false and takes inputs from config
        inputs = [InputSpec(p) for p in config.inputs.get("train", ())]
        test_paths = test_paths or config.inputs.get("test", ())
        eval_paths = eval_paths or config.inputs.get("eval", ())
    reference_paths = reference_paths or config.inputs.get("reference", ())
    inputs += [InputSpec(p, split="test") for p in test_paths]
    inputs += [InputSpec(p, split="validation") for p in eval_paths]
    return CheckRequest(
        inputs=inputs,
        config=config,
        reference=[InputSpec(p) for p in reference_paths],
        review=args.review,
        expectations=args.expectations,
        schema=args.schema,
        use_cache=not args.no_cache,
        sections=cost_sections(config),
    )


@dataclass(frozen=True)
class OutputTarget:
    format: str
    path: str | None  # None = stdout


def build_output_plan(formats: Sequence[str], outputs: Sequence[str], request: Any) -> list[OutputTarget]:
    """Pair --format and --output in order; an output without a format takes it from its suffix;
    at most one format goes to stdout; a report never overwrites an input."""
    from dqlint.errors import UsageError
    from dqlint.reporters import REPORTERS

    formats = list(formats)
    for path in outputs[len(formats):]:
        suffix = os.path.splitext(path)[1].lower()
        if suffix not in FORMAT_BY_SUFFIX:
            raise UsageError(f"--output {path}: give --format for it (cannot tell the format from {suffix or 'no suffix'!r})")
        formats.append(FORMAT_BY_SUFFIX[suffix])
    plan = [OutputTarget(fmt, outputs[i] if i < len(outputs) else None) for i, fmt in enumerate(formats)]
    if not plan:
        plan = [OutputTarget("terminal", None)]
    for target in plan:
        if target.format not in REPORTERS:
            raise UsageError(f"unknown format {target.format!r} (choose from {', '.join(REPORTERS)})")
    if sum(1 for t in plan if t.path is None) > 1:
        raise UsageError("only one --format can go to standard output: add --output FILE for the others")
    from dqlint.data.outputs import refuse_unsafe_output

    protected = request_inputs(request)
    seen: set[str] = set()
    for target in plan:
        if target.path is None:
            continue
        if os.path.realpath(target.path) in seen:
            raise UsageError(f"--output {target.path} is named twice: each format needs its own file")
        seen.add(os.path.realpath(target.path))
        # Reports replace their previous version (CI re-runs), but never an input.
        refuse_unsafe_output(target.path, protected, force=True, what="report")
    return plan


def request_inputs(request: Any) -> list[Any]:
    """Every file the run reads: data, reference, review sheet, expectation suite."""
    config = request.config
    sources = [s.source for s in [*request.inputs, *request.reference]]
    named = (request.review, request.expectations, request.schema, config.review, config.expectations, config.schema, config.baseline)
    return sources + [p for p in named if p]


def write_outputs(report: dict[str, Any], plan: Sequence[OutputTarget], args: CheckArgs, protected: Sequence[Any] = ()) -> None:
    from dqlint.errors import UsageError
    from dqlint.reporters import RenderOptions, render, render_bytes

    written: list[str] = []
    for target in plan:
        to_terminal = target.path is None and sys.stdout.isatty()
        color = args.color if args.color is not None else colour_wanted(to_terminal)
        width = shutil.get_terminal_size((110, 24)).columns if to_terminal else None
        options = RenderOptions(
            color=bool(color) and target.format == "terminal", max_findings=args.max_findings, verbose=args.verbose, width=width
        )
        if target.path is None:
            text = render(target.format, report, options)
            # click strips ANSI codes when stdout is not a terminal unless told the colour is wanted.
            click.echo(text, nl=not text.endswith("\n"), color=options.color)
            continue
        data = render_bytes(target.format, report, options)  # a file: UTF-8 bytes, no str copy
        try:
            with open(target.path, "wb") as fh:
                fh.write(data)
            del data
        except OSError as exc:
            raise UsageError(f"--output {target.path}: cannot write: {exc.strerror}") from None
        written.append(target.path)
    if written and not args.quiet and all(t.path is not None for t in plan):
        # Nothing went to the terminal: say what was decided and where it went.
        click.echo(shown(f"dqlint: {report['verdict'].upper()}: {report['summary']['reason']}"), err=True)
    for path in written if not args.quiet else ():
        click.echo(shown(f"dqlint: wrote {path}"), err=True)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        append_step_summary(os.environ["GITHUB_STEP_SUMMARY"], report, args.max_findings, protected)


def colour_wanted(to_terminal: bool) -> bool:
    """Colour on a terminal unless NO_COLOR is set; FORCE_COLOR asks for it anywhere (CI logs)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return to_terminal


def append_step_summary(path: str, report: dict[str, Any], max_findings: int, protected: Sequence[Any] = ()) -> None:
    """On GitHub Actions, add the Markdown report to the job's summary page. A summary that
    cannot be written is a warning: it must not change the verdict's exit code."""
    from dqlint.data.outputs import refuse_unsafe_output
    from dqlint.errors import UsageError
    from dqlint.reporters import RenderOptions, render

    try:
        refuse_unsafe_output(path, protected, force=True, what="step summary")
    except UsageError as exc:
        click.echo(shown(f"dqlint: warning: GITHUB_STEP_SUMMARY {exc}"), err=True)
        return
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(render("markdown", report, RenderOptions(max_findings=max_findings)) + "\n")
    except OSError as exc:
        click.echo(shown(f"dqlint: warning: GITHUB_STEP_SUMMARY {path}: cannot write: {exc.strerror}"), err=True)


def _ids(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def key_value(text: str, flag: str, shape: str) -> tuple[str, str]:
    from dqlint.errors import UsageError

    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise UsageError(f"{flag} {text!r}: expected {shape}")
    return key.strip(), value.strip()


def _toml_value(text: str) -> Any:
    """Read a --set value as TOML (numbers, booleans, lists, quoted strings), else a plain string."""
    from dqlint.engine.config import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


# -- rules -------------------------------------------------------------------------------------


@cli.command("rules")
@click.argument("ids", nargs=-1)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules_command(ids: tuple[str, ...], fmt: str) -> int:
    """List every rule with its documentation and option defaults."""
    from dqlint.commands.rules_doc import render_rules

    click.echo(render_rules(ids, fmt), nl=False)
    return 0


# -- entry point -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: one-line errors and exit code 2 for runs that cannot be judged."""
    from dqlint.errors import DqlintError

    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="dqlint", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("dqlint: aborted", err=True)
        code = 2
    except click.ClickException as exc:
        exc.show()
        code = 2
    except DqlintError as exc:
        click.echo(f"dqlint: error: {shown(str(exc))}", err=True)
        code = 2
    except KeyboardInterrupt:
        click.echo("dqlint: interrupted", err=True)
        code = 2
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # a bug in dqlint: one line, not a traceback, unless asked
        if os.environ.get("DQLINT_DEBUG"):
            raise
        click.echo(f"dqlint: internal error: {type(exc).__name__}: {shown(str(exc))} (set DQLINT_DEBUG=1 for the traceback)", err=True)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)
