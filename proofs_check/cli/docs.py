"""``docs/cli.md`` from the commands' own ``--help``: ``python -m infgrad.proofs_check.cli.docs PATH``
writes it, ``... PATH --check`` exits 1 when PATH differs from what the commands say now.

The help is rendered at a fixed width (``WIDTH``) so the file does not depend on the terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import click

WIDTH = 100
HEADER = """# The command line

Every command's `--help`, generated from the commands themselves by
`python -m infgrad.proofs_check.cli.docs docs/cli.md` (a test fails when this file is stale;
run that command after changing an option). Exit codes: 0 success, 1 a check failed,
2 bad usage or input, 3 a request contradicting a theorem's hypotheses, 130 interrupted
(Ctrl-C or SIGTERM: a command's worker processes end with it, and a sweep's cells resume).
"""


def _sections(command: click.Command, path: list[str], parent: click.Context | None) -> list[str]:
    """The section of ``command`` (its help at ``WIDTH``), then those of its visible subcommands."""
    # make_context applies the command's context_settings (the group's -h), as running it does
    ctx = command.make_context(path[-1], [], parent=parent, resilient_parsing=True, terminal_width=WIDTH,
                               max_content_width=WIDTH)
    out = ["", f"## {' '.join(path)}", "", "```text", command.get_help(ctx).rstrip(), "```"]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                out += _sections(sub, [*path, name], ctx)
    return out


def render() -> str:
    """The Markdown page: the group's help, then each visible command's, in the group's order."""
    from .app import cli

    return HEADER + "\n".join(_sections(cli, ["infgrad"], None)) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m infgrad.proofs_check.cli.docs", description=__doc__.splitlines()[0])
    p.add_argument("path", type=Path, help="the Markdown file (docs/cli.md)")
    p.add_argument("--check", action="store_true", help="exit 1 when the file is stale instead of writing it")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.exists() else ""
        if current != text:
            print(f"{args.path} is stale: run python -m infgrad.proofs_check.cli.docs {args.path}", file=sys.stderr)
            return 1
        return 0
    from infgrad.atomic import write_text

    write_text(args.path, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
