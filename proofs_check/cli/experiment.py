"""``infgrad experiment NAME``: one of the paper's empirical comparisons, several seeds.

Writes ``OUT/experiment_NAME.json`` (the claims' verdicts, evidence and environment: the JSON
document of docs/design.md), ``OUT/data/experiment_NAME.json`` (every run with its trajectories, which
the figures draw) and the matching figures under ``OUT/figures/``.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import click

from infgrad.models.device import resolve_device

from .options import (OutputPath, device_option, json_option, out_option, profile_option, quiet_option,
                      refuse_json_over, seed_option, seeds_option)

# experiment -> the figures drawn from its saved data
FIGURES_OF = {
    "sparsity": ("training_curves",),
    "beta": ("beta_sweep",),
    "fixed-gamma": ("fig4_fixed_gamma",),
    "linear": (),
    "outliers": ("fig1_outliers",),
    "digits": (),
    "stability": (),
}
NAMES = tuple(FIGURES_OF)


@click.command()
@click.argument("name", metavar="NAME")
@seeds_option
@profile_option
@out_option("Directory for the JSON results, the raw trajectories (OUT/data) and figures (OUT/figures).",
            default="experiments", show_default=True)
@device_option
@seed_option
@quiet_option
@json_option
@click.option("--checkpoint", "checkpoint_dir", type=OutputPath(directory=True), default=None, metavar="DIR",
              help="Save each pack of runs in DIR/<digest of its configs, data and start>/checkpoint.pt.")
@click.option("--resume", is_flag=True, help="Continue each pack from its checkpoint under DIR when present.")
def experiment(name: str, seeds: int | None, profile: str, out: str, device: str, seed: int,
               quiet: bool, json_path: str | None, checkpoint_dir: str | None, resume: bool) -> int:
    """Run one empirical comparison of the paper and judge its claims.

    NAME is one of: sparsity (T4, T14), beta (T5), fixed-gamma (T12, T16), linear (T3),
    outliers (T13), digits (T15), stability (T18). Each pass rule is stated in the output; results are the mean
    and spread over seeds. --json - writes the JSON document to standard output (the rest goes to
    stderr). Exit 0 when every claim passes, 1 when any fails or is inconclusive.

    \b
    Examples:
      infgrad experiment sparsity --seeds 2 --out exp/
      infgrad experiment fixed-gamma --profile full --device cuda --out exp/
      infgrad experiment beta --checkpoint ck/ --resume --out exp/
    """
    from infgrad import params
    from infgrad.models.checkpoint import CheckpointError
    from infgrad.models.config import BadConfig
    from infgrad.models.data import DataError

    from ..experiments.checks import CHECK_OF, data_file
    from ..claims.model import CheckContext
    from infgrad.errors import BadInput
    from infgrad.atomic import write_json

    from ..report import document, exit_code, print_table, write_document

    if name not in CHECK_OF:
        raise BadInput(f"unknown experiment {name!r}; choose one of {', '.join(NAMES)}")
    if resume and checkpoint_dir is None:
        raise BadInput("--resume needs --checkpoint DIR")
    refuse_json_over(json_path, folders=(str(Path(out) / "data"), str(Path(out) / "figures")))
    if seeds is not None:  # the runs use seeds seed, seed + 1, ..., seed + seeds - 1
        try:
            params.check("seed", seed + seeds - 1)
        except params.BadValue as exc:
            raise BadInput(f"experiment {name}: {exc}") from None
    dev = resolve_device(device)
    out = Path(out)
    ctx = CheckContext(seed=seed, profile=profile, out_dir=out, device=dev)
    if not quiet:
        click.echo(f"running experiment {name} ({profile} profile, device {dev}) ...", err=True)
    start = time.perf_counter()
    try:
        with _packs_saved(checkpoint_dir, resume):
            got = CHECK_OF[name](ctx, seeds=seeds)
    except (BadConfig, DataError, CheckpointError) as exc:  # e.g. --seed near its maximum and the profile's seeds
        raise BadInput(f"experiment {name}: {exc}") from None
    results = list(got) if isinstance(got, (list, tuple)) else [got]
    seconds = time.perf_counter() - start
    for r in results:
        r.seconds = seconds / len(results)
    to_stdout = json_path == "-"  # then standard output holds the JSON alone
    for r in results:
        click.echo(f"{r.claim} rule: {r.evidence.get('rule', '')}", err=to_stdout)
    print_table(results, title=f"infgrad experiment {name} ({seconds:.1f} s)", file=sys.stderr if to_stdout else None)
    used = [seed + i for i in range(int(results[0].evidence.get("size", {}).get("seeds", 1) or 1))]
    doc = document(results, command=["infgrad", *sys.argv[1:]], seeds=used, device=dev,
                   extra={"experiment": name, "profile": profile,
                          "data_file": str(data_file(out / "data", name))})
    path = write_json(out / f"experiment_{name}.json", doc)
    if json_path:
        write_document(doc, json_path)
    drawn = _draw(name, out)
    if not quiet:
        click.echo(f"wrote {path}" + (f" and {len(drawn)} figure files in {out / 'figures'}" if drawn else ""),
                   err=True)
    return exit_code(results, strict=True)


def _packs_saved(checkpoint_dir: str | None, resume: bool):
    """Each pack the experiment trains saved (and resumed) in its own folder under the checkpoint DIR."""
    if checkpoint_dir is None:
        return contextlib.nullcontext()
    from infgrad.models.checkpoint_packs import checkpointed_packs

    return checkpointed_packs(checkpoint_dir, resume)


def _draw(name: str, out: Path) -> list[Path]:
    """Draw the experiment's figures from the saved data; a drawing error is reported, not fatal."""
    from infgrad.figures import load

    drawn: list[Path] = []
    for fig in FIGURES_OF[name]:
        try:
            drawn += load(fig).draw(out / "data", out / "figures")
        except Exception as exc:  # noqa: BLE001 - the results are written; say what failed
            click.echo(f"figure {fig} not drawn: {type(exc).__name__}: {exc}", err=True)
    return drawn
