"""``infgrad``: the command line (DESIGN.md, "Command-line contract").

One click group; each subcommand is imported only when it is called, so that
``infgrad verify`` does not pay for torch. Errors become one line on stderr:
exit 2 for bad usage or input, 3 when a request contradicts a theorem's
hypotheses, 1 when a check fails.
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import Sequence

import click

from . import __version__
from .cli_options import json_option, seed_option
from .errors import InfgradError

# name -> "module:attribute"; each module owns its command's options and help.
COMMANDS: dict[str, str] = {
    "verify": "proofs_check.cli:verify",
    "counterexample": "proofs_check.theorem4.commands:counterexample",
    "certificate": "proofs_check.theorem4.commands:certificate",
    "train": "proofs_check.commands_train:train",
    "experiment": "proofs_check.commands_experiment:experiment",
    "figures": "proofs_check.commands_report:figures",
    "report": "proofs_check.commands_report:report",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="infgrad")
def cli() -> None:
    """Check, claim by claim, the theory of "On the Value of Infinite Gradients in
    Variational Autoencoder Models" (Dai, Wenliang, Wipf, NeurIPS 2021).

    \b
    Examples:
      infgrad verify                      # symbolic, exact and property checks
      infgrad verify --claim T2 T5 --json out.json
      infgrad counterexample --h "atan(3*u)" --d 6 --kappa 4 --r 2
      infgrad train --data subspace --d 20 --r 3 --kappa 8 --steps 20000
      infgrad report --profile quick --out r/
    """


@cli.command()
@click.option("--claim", "claims", multiple=True, metavar="ID",
              help="Claim ids to check (T1 ... T18); several may follow one --claim. Default: all "
                   "symbolic, exact and property checks.")
@json_option
@seed_option
@click.argument("more_claims", nargs=-1, metavar="", required=False)
def verify(claims: Sequence[str], json_path: str | None, seed: int, more_claims: Sequence[str]) -> int:
    """Run the symbolic, exact and property checks; one row per claim.

    Exit 0 when every check passes, 1 when any fails or is inconclusive.

    \b
    Examples:
      infgrad verify
      infgrad verify --claim T2 T5 --json out.json
    """
    from .claims import CheckContext
    from .registry import run_checks, select
    from .report import document, exit_code, print_table, write_json

    ids = list(claims) + list(more_claims)
    if more_claims and not claims:
        raise click.UsageError(f"unexpected argument {more_claims[0]!r}; name claims with --claim")
    specs = select(ids or None, empirical=False)
    ctx = CheckContext(seed=seed, profile="quick")
    start = time.perf_counter()

    def started(spec):
        click.echo(f"running {spec.name} ...", err=True)

    results = run_checks(specs, ctx, on_start=started)
    print_table(results, title=f"infgrad verify ({time.perf_counter() - start:.1f} s)")
    if json_path:
        write_json(json_path, document(results, command=["infgrad", *sys.argv[1:]], seeds=[seed], device="cpu"))
    return exit_code(results, strict=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI, turn every expected error into one line on stderr."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="infgrad",
                        standalone_mode=False)
    except InfgradError as exc:
        click.echo(f"infgrad: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("infgrad: aborted", err=True)
        return 130
    except click.ClickException as exc:  # bad usage: one line, exit 2
        click.echo(f"infgrad: error: {exc.format_message()}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("infgrad: interrupted", err=True)
        return 130
    if isinstance(code, int):
        return code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
