"""`dqlint cost`: training cost, inference cost with and without fine-tuning, and the breakeven.

The click function only parses arguments; :mod:`dqlint.commands.cost` builds and renders the
estimate. Errors (an unknown model, an unreadable price table or input) are DqlintErrors:
``dqlint.cli.main`` prints them as one line and exits with code 2.
"""

from __future__ import annotations

from typing import Any

import click


@click.command("cost")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--model", metavar="NAME", help="Model to fine-tune (default: token-length's model, gpt-4o-mini).")
@click.option("--epochs", type=click.IntRange(1), default=None, help="Training epochs (default: the provider's rule for the set size).")
@click.option("--requests-per-month", type=click.FloatRange(0), default=None, metavar="N", help="Calls per month in production.")
@click.option("--few-shot-tokens", type=click.IntRange(0), default=None, metavar="N",
              help="Tokens the prompted base model gets on every call besides the example's own prompt.")
@click.option("--prompt", "prompt_file", metavar="FILE", help="…or a file holding that few-shot/system prompt (its tokens are counted).")
@click.option("--output-tokens", type=click.FloatRange(0), default=None, metavar="N", help="Tokens per reply (default: the data's mean reply).")
@click.option("--price-table", metavar="FILE", help="Your own price table (TOML, shaped like the built-in one).")
@click.option("--price", "prices", multiple=True, metavar="KEY=USD",
              help="A price per 1M tokens: training, base-input, base-output, fine-tuned-input, fine-tuned-output (repeatable).")
@click.option("--test", "test_paths", multiple=True, metavar="PATH", help="Test split (not costed; keeps train what it is).")
@click.option("--eval", "eval_paths", multiple=True, metavar="PATH", help="Validation split (not costed).")
@click.option("--field", "field_names", multiple=True, metavar="KEY=NAME", help="Field name override, as for `dqlint check`.")
@click.option("--config", "config_path", metavar="FILE", help="Config file (default: nearest dqlint.toml / pyproject.toml).")
@click.option("--isolated", is_flag=True, help="Ignore config files.")
@click.option("--exact-tokens", is_flag=True, help="Count every training example's tokens (default: a sample of large sets).")
@click.option("-f", "--format", "fmt", type=click.Choice(["terminal", "json", "markdown"]), default="terminal", show_default=True)
def cost(**kwargs: Any) -> int:
    """Is fine-tuning worth it? Estimate from the training split of PATH...: the training cost,
    the monthly inference cost with few-shot prompting and with the fine-tuned model, and the
    breakeven (with ±50 % traffic). Every figure is an estimate and shows its inputs.

    \b
    Examples:
      dqlint cost train.jsonl --requests-per-month 100000 --few-shot-tokens 1200
      dqlint cost train.jsonl --requests-per-month 5000 --prompt few_shot.txt --model gpt-4.1-mini
      dqlint cost train.jsonl --requests-per-month 5000 --model my-llama \\
          --price training=2 --price base-input=0.2 --price base-output=0.6 \\
          --price fine-tuned-input=0.2 --price fine-tuned-output=0.6
    """
    from dqlint.commands.cost import render_cost, run_cost

    request = build_cost_request(**kwargs)
    click.echo(render_cost(run_cost(request), kwargs["fmt"]), nl=False)
    return 0


def build_cost_request(
    *,
    paths: tuple[str, ...],
    test_paths: tuple[str, ...],
    eval_paths: tuple[str, ...],
    prices: tuple[str, ...],
    field_names: tuple[str, ...],
    config_path: str | None,
    isolated: bool,
    few_shot_tokens: int | None,
    prompt_file: str | None,
    fmt: str,
    exact_tokens: bool = False,
    **settings: Any,
) -> Any:
    from dqlint.cli.main import key_value
    from dqlint.cli.sample import fields_option
    from dqlint.commands.cost import CostRequest
    from dqlint.data.sources import InputSpec
    from dqlint.engine.config import Config, load_config
    from dqlint.errors import UsageError
    from dqlint.toolkit.cost import CostSettings

    if few_shot_tokens is not None and prompt_file is not None:
        raise UsageError("give --few-shot-tokens N or --prompt FILE, not both")
    config = Config() if isolated else load_config(config_path)
    given: dict[str, float] = {}
    for setting in prices:
        key, value = key_value(setting, "--price", "KEY=USD")
        try:
            given[key] = float(value)
        except ValueError:
            raise UsageError(f"--price {setting!r}: {value!r} is not a number (USD per 1M tokens)") from None
    inputs = [InputSpec(p) for p in paths] or [InputSpec(p) for p in config.inputs.get("train", ())]
    inputs += [InputSpec(p, split="test") for p in test_paths]
    inputs += [InputSpec(p, split="validation") for p in eval_paths]
    from dataclasses import replace

    config = replace(config, fields=fields_option(field_names, config_path, isolated))
    if exact_tokens:
        config = config.with_rule_setting("token-length", "exact-tokens", True)
    merged = CostSettings.from_config(config).overridden(
        few_shot_tokens=few_shot_tokens, prompt_file=prompt_file, prices=given or None, **settings
    )
    return CostRequest(inputs=inputs, settings=merged, config=config)
