"""``infgrad report``: every claim in one Markdown and one HTML report.

Layout of the output directory ``DIR``::

    DIR/claims/<check>.json   each check's cached results (the registry's cache; reused unless --fresh)
    DIR/data/*.json           the raw results the checks saved for the figures
    DIR/figures/*.png|pdf     the figures, drawn from DIR/data only
    DIR/results.json          the JSON document (DESIGN.md) plus profile, wall time and figure notes
    DIR/report.md             the report in Markdown (figures linked)
    DIR/report.html           the report as one self-contained page (figures embedded, no JavaScript)
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path
from typing import Any

import click

from ..errors import BadInput
from .options import device_option, out_option, profile_option, quiet_option, resolve_device, seed_option


def draw_figures(out_dir: Path) -> list[dict[str, Any]]:
    """Draw every figure of ``figures.FIGURES`` from ``out_dir/data`` into ``out_dir/figures``.

    Never raises for one figure: missing or unreadable data, an absent module or a crash is recorded
    in the entry's ``status`` (``drawn``, ``no data``, ``bad data``, ``absent``, ``crashed``) and ``note``.
    File paths in the entries are relative to ``out_dir``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import figures
    from models.files import FileRefused

    data_dir, fig_dir = out_dir / "data", out_dir / "figures"
    entries = []
    for name, module_name in figures.FIGURES.items():
        entry: dict[str, Any] = {"name": name, "module": module_name, "claims": [], "files": [],
                                 "status": "drawn", "note": ""}
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if module_name == missing or module_name.startswith(missing + "."):
                entry.update(status="absent", note=f"module {module_name} is not there (yet)")
            else:
                entry.update(status="crashed", note=f"importing {module_name}: {type(exc).__name__}: {exc}")
            entries.append(entry)
            continue
        except Exception as exc:  # noqa: BLE001 - a broken figure module is noted, never fatal
            entry.update(status="crashed", note=f"importing {module_name}: {type(exc).__name__}: {exc}")
            entries.append(entry)
            continue
        entry["claims"] = [str(c) for c in getattr(module, "CLAIMS", ())]
        try:
            written = module.draw(data_dir, fig_dir)
        except FileNotFoundError as exc:
            entry.update(status="no data", note=str(exc))
        except FileRefused as exc:  # not regular, too large, too deep or not JSON: the input is bad
            entry.update(status="bad data", note=str(exc))
        except Exception as exc:  # noqa: BLE001
            entry.update(status="crashed", note=f"{type(exc).__name__}: {exc}")
        else:
            files = []
            for p in written or []:
                p = Path(p)
                try:
                    files.append(str(p.resolve().relative_to(out_dir.resolve())))
                except ValueError:
                    files.append(str(p))
            entry["files"] = files
            if not any(f.endswith(".png") for f in files):
                entry.update(status="crashed", note="draw() returned no PNG file")
        finally:
            import matplotlib.pyplot as plt

            plt.close("all")
        entries.append(entry)
    return entries


def write_pages(doc: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``out_dir`` (atomically)."""
    from ..report_pages import html_page, markdown_page

    from models.atomic import write_text

    md = write_text(out_dir / "report.md", markdown_page(doc))
    return md, write_text(out_dir / "report.html", html_page(doc, out_dir))


def _progress_runner(specs, ctx, *, reuse: bool, quiet: bool):
    """Run the checks with a rich progress display on stderr (which check runs, how many done)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import registry

    console = Console(file=sys.stderr)
    if quiet:
        return registry.run_checks(specs, ctx, reuse=reuse)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        task = progress.add_task("starting", total=len(specs))

        def started(spec):
            progress.update(task, description=f"{spec.name} ({', '.join(spec.claims)}, {spec.method})")

        def done(spec, got):
            verdicts = ", ".join(f"{r.claim} {r.status}" for r in got)
            progress.console.print(f"  {spec.name}: {verdicts} ({sum(r.seconds for r in got):.1f} s)")
            progress.advance(task)

        results = registry.run_checks(specs, ctx, reuse=reuse, on_start=started, on_done=done)
        progress.update(task, description="checks done")
    return results


@click.command()
@profile_option
@out_option("Output directory: results.json, report.md, report.html, figures/, data/, claims/.", required=True)
@click.option("--fresh", is_flag=True, help="Recompute every check instead of reusing results saved in --out.")
@seed_option
@device_option
@quiet_option
def report(profile: str, out: str, fresh: bool, seed: int, device: str, quiet: bool) -> int:
    """Run every claim's checks and write one Markdown and one HTML report with figures.

    Saved results in --out (same seed and profile) are reused unless --fresh; a check that
    crashed last time is always rerun. Exit 0 when no
    claim fails, 1 when any fails (inconclusive claims are reported, not errors).

    \b
    Examples:
      infgrad report --profile quick --out r/
      infgrad report --profile full --out r-full/ --device cuda --fresh
    """
    from .. import registry
    from ..claims import CheckContext
    from ..report import document, exit_code, print_table, write_json

    start = time.perf_counter()
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create --out directory {out!r}: {exc.strerror}") from exc
    device = resolve_device(device)
    ctx = CheckContext(seed=seed, profile=profile, out_dir=out_dir, device=device)
    specs = registry.select(None, empirical=True)
    results = _progress_runner(specs, ctx, reuse=not fresh, quiet=quiet)
    command = ["infgrad", "report", "--profile", profile, "--out", out, *(["--fresh"] if fresh else []),
               "--seed", str(seed), "--device", device]
    extra: dict[str, Any] = {"profile": profile, "reused": not fresh,
                             "wall_seconds": time.perf_counter() - start, "figures": []}
    write_json(out_dir / "results.json", document(results, command=command, seeds=[seed], device=device,
                                                  extra=extra))
    extra["figures"] = draw_figures(out_dir)
    extra["wall_seconds"] = time.perf_counter() - start
    doc = document(results, command=command, seeds=[seed], device=device, extra=extra)
    write_json(out_dir / "results.json", doc)
    md, page = write_pages(doc, out_dir)
    print_table(results, title=f"infgrad report --profile {profile} ({extra['wall_seconds']:.1f} s)")
    for f in extra["figures"]:
        if f["status"] != "drawn":
            click.echo(f"figure {f['name']}: {f['status']}: {f['note']}", err=True)
    click.echo(f"wrote {out_dir / 'results.json'}, {md}, {page}")
    return exit_code(results, strict=False)
