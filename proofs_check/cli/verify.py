"""``infgrad verify``: the symbolic, exact and property checks, one row per claim."""

from __future__ import annotations

import sys
import time
from typing import Sequence

import click

from .options import claim_ids, claims_option, json_option, seed_option


@click.command()
@claims_option("Claim ids to check (T1 ... T18); several may follow one --claim. Default: all "
               "symbolic, exact and property checks.")
@json_option
@seed_option
def verify(claims: Sequence[str], json_path: str | None, seed: int, more_claims: Sequence[str]) -> int:
    """Run the symbolic, exact and property checks; one row per claim.

    Exit 0 when every check passes, 1 when any fails or is inconclusive.

    \b
    Examples:
      infgrad verify
      infgrad verify --claim T2 T5 --json out.json
      infgrad verify --json - | jq '.claims[].status'
    """
    from ..claims.model import CheckContext
    from ..claims.registry import run_checks, select

    from ..report import document, exit_code, print_table, write_document

    ids = claim_ids(claims, more_claims)
    specs = select(ids or None, empirical=False)
    ctx = CheckContext(seed=seed, profile="quick")
    start = time.perf_counter()

    def started(spec):
        click.echo(f"running {spec.name} ...", err=True)

    results = run_checks(specs, ctx, on_start=started)
    # with --json -, standard output is the JSON alone and the table goes to stderr
    print_table(results, title=f"infgrad verify ({time.perf_counter() - start:.1f} s)",
                file=sys.stderr if json_path == "-" else None)
    if json_path:
        write_document(document(results, command=["infgrad", *sys.argv[1:]], seeds=[seed], device="cpu"), json_path)
    return exit_code(results, strict=True)
