"""``infgrad report``: every claim in one Markdown and one HTML report (the work is in
``proofs_check/report/run.py``; the output layout is described there)."""

from __future__ import annotations

import os
import sys
from typing import Sequence

import click

from infgrad.models.device import resolve_device

from infgrad.errors import BadInput

from .options import (claim_ids, claims_option, device_option, json_option, out_option, profile_option,
                      quiet_option, refuse_json_over, seed_option, table_option)


@click.command()
@profile_option
@out_option("Output directory: results.json, report.md, report.html, figures/, data/, claims/.", required=True)
@click.option("--fresh", is_flag=True, help="Recompute every check instead of reusing results saved in --out.")
@seed_option
@device_option
@table_option("backend", default="local",
              help="Where the checks run: local = this machine's process pool, one process per usable core; "
                   "ray = one Ray task per check (and per part of a split check such as T13).")
@click.option("--address", default="auto", show_default=True, metavar="auto|local|HOST:PORT",
              help="The Ray cluster (ray backend only): auto = the one this machine joined, local = start "
                   "one here.")
@quiet_option
@json_option
@claims_option("Report only these claims (T1 ... T18; several may follow one --claim), running "
               "every check that covers them. Default: all.")
def report(profile: str, out: str, fresh: bool, seed: int, device: str, backend: str, address: str, quiet: bool,
           json_path: str | None, claims: Sequence[str], more_claims: Sequence[str]) -> int:
    """Run every claim's checks and write one Markdown and one HTML report with figures.

    Saved results in --out (same seed and profile) are reused unless --fresh; a check that
    crashed last time is always rerun. A profile can thus be split across machines: run the
    claims that need no GPU with --claim on a CPU, then the whole report on a GPU into the same
    --out; the report names the checks that ran on another device. Exit 0 when no
    claim fails, 1 when any fails (inconclusive claims are reported, not errors).

    \b
    Examples:
      infgrad report --profile quick --out r/
      infgrad report --profile full --out r-full/ --device cuda --fresh
      infgrad report --profile full --out r-full/ --device cpu --claim T3 T4 T5 T11 T14 T17 T18
      infgrad report --profile full --out r-full/ --backend ray --address auto
    """
    from ..report import exit_code, print_table, write_document
    from ..report.run import run_report

    ids = claim_ids(claims, more_claims)
    refuse_json_over(json_path, files=(os.path.join(out, "report.md"), os.path.join(out, "report.html")),
                     folders=tuple(os.path.join(out, sub) for sub in ("claims", "data", "figures")))
    if backend == "local" and address != "auto":
        raise BadInput("--address is for --backend ray")
    if backend == "ray":
        from ..sweep.backends import _import_ray

        _import_ray()                                   # say how to install it before any work
    run = run_report(profile=profile, out=out, fresh=fresh, seed=seed, device=resolve_device(device), quiet=quiet,
                     claims=ids or None, backend=backend, address=address)
    report = run.report
    to_stdout = json_path == "-"  # then standard output holds the JSON alone
    print_table(report, title=f"infgrad report --profile {profile} ({report.extra['wall_seconds']:.1f} s)",
                file=sys.stderr if to_stdout else None)
    for f in report.undrawn:
        click.echo(f"figure {f.name}: {f.status}: {f.note}", err=True)
    click.echo(f"wrote {run.json_path}, {run.md_path}, {run.html_path}", err=to_stdout)
    if json_path:
        write_document(report.to_json(), json_path)
    return exit_code(report, strict=False)
