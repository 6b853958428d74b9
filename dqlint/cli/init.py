"""`dqlint init`: write a config for the data found here and print the hooks that run it."""

from __future__ import annotations

import click


@click.command("init")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--target", metavar="PROVIDER", help="The provider the data is for (written as target = ...).")
@click.option("--pyproject", is_flag=True, help="Add a [tool.dqlint] table to pyproject.toml instead of writing dqlint.toml.")
@click.option("--force", is_flag=True, help="Replace an existing dqlint.toml.")
def init(paths: tuple[str, ...], target: str | None, pyproject: bool, force: bool) -> int:
    """Write dqlint.toml for the data files here (or PATHS) and print pre-commit and CI snippets.

    \b
    Examples:
      dqlint init                         # finds the data files under this folder
      dqlint init data/train.jsonl data/test.jsonl --pyproject
    """
    from dqlint.commands.init import init_config, snippets

    result = init_config(paths, target=target, pyproject=pyproject, force=force)
    click.echo(f"dqlint: wrote {result.path}:", err=True)
    click.echo(result.text, err=True)
    click.echo(snippets())
    return 0
