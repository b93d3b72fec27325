"""What ``infgrad report`` and ``infgrad figures`` do, apart from their options.

Layout of the output directory ``DIR``::

    DIR/claims/<check>.json   each check's cached results (the registry's cache; reused unless fresh)
    DIR/data/*.json           the raw results the checks saved for the figures
    DIR/figures/*.png|pdf     the figures, drawn from DIR/data only
    DIR/results.json          the JSON document (the command-line contract) plus profile, wall time and figure notes
    DIR/report.md             the report in Markdown (figures linked)
    DIR/report.html           the report as one self-contained page (figures embedded, no JavaScript)

Every file goes through the one atomic writer (``infgrad.atomic``); the three last as one set
(``publish``).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infgrad.atomic import WriteError
from infgrad.errors import BadInput
from infgrad.files import FileRefused
from infgrad.lazy import resolve

from ..claims.model import CheckContext, ClaimResult
from ..out_marks import refuse_foreign_out
from .html_page import html_page
from .markdown import markdown_page
from .model import FigureEntry, Report, build


def _draw_one(name: str, module_name: str, out_dir: Path) -> FigureEntry:
    """Draw one figure; raises only the output folder's WriteError (the command's exit 2): missing or
    unreadable data, an absent module or a crash becomes the entry's ``status`` (``drawn``, ``no data``, ``bad data``, ``absent``, ``crashed``)
    and ``note``."""
    data_dir, fig_dir = out_dir / "data", out_dir / "figures"
    try:
        module = resolve(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            return FigureEntry(name, (), "absent", f"module {module_name} is not there (yet)", module=module_name)
        return FigureEntry(name, (), "crashed", f"importing {module_name}: {type(exc).__name__}: {exc}",
                           module=module_name)
    except Exception as exc:  # noqa: BLE001 - a broken figure module is noted, never fatal
        return FigureEntry(name, (), "crashed", f"importing {module_name}: {type(exc).__name__}: {exc}",
                           module=module_name)
    claims = tuple(str(c) for c in getattr(module, "CLAIMS", ()))
    try:
        written = module.draw(data_dir, fig_dir)
    except FileNotFoundError as exc:
        return FigureEntry(name, claims, "no data", str(exc), module=module_name)
    except FileRefused as exc:  # not regular, too large, too deep or not JSON: the input is bad
        return FigureEntry(name, claims, "bad data", str(exc), module=module_name)
    except WriteError:  # the output folder refuses the file (a planted link, a full disk): the command's answer
        raise
    except Exception as exc:  # noqa: BLE001
        return FigureEntry(name, claims, "crashed", f"{type(exc).__name__}: {exc}", module=module_name)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    files = []
    for p in written or []:
        p = Path(p)
        try:
            files.append(str(p.resolve().relative_to(out_dir.resolve())))
        except ValueError:
            files.append(str(p))
    if not any(f.endswith(".png") for f in files):
        return FigureEntry(name, claims, "crashed", "draw() returned no PNG file", tuple(files), module_name)
    return FigureEntry(name, claims, "drawn", "", tuple(files), module_name,
                       caption=str(getattr(module, "CAPTION", "") or ""))


def draw_figures(out_dir: Path) -> list[FigureEntry]:
    """Draw every figure of ``figures.FIGURES`` from ``out_dir/data`` into ``out_dir/figures``
    (paths in the entries relative to ``out_dir``), under the shared style's matplotlib defaults,
    which are the caller's again afterwards (a notebook's own plots keep their settings)."""
    import matplotlib

    matplotlib.use("Agg")
    from infgrad import figures
    from infgrad.figures import style

    with matplotlib.rc_context(style.RC):
        return [_draw_one(name, module_name, Path(out_dir)) for name, module_name in figures.FIGURES.items()]


def _run_checks(specs, ctx, *, reuse: bool, quiet: bool, backend: str = "local",
                address: str = "auto") -> list[ClaimResult]:
    """Run the checks, symbolic first, with progress on stderr (``progress.py``). The checks run
    side by side in one process per usable core (each trains with one torch thread), the empirical
    ones handed out first, on CUDA too, where they share the GPU: each is launch-bound, so they
    overlap (on one H200 the whole full profile took 271 s of checks, its longest check 263 s; the
    checks' own times sum to 963 s). A check split into parts (T13) runs its parts as separate jobs.
    With ``backend="ray"`` every check (and part) is a task of the Ray cluster at ``address``, one
    runtime for the whole report."""
    from infgrad.pool import usable_cores

    from ..claims.executors import session
    from .progress import run_checks

    with session(backend, address):
        return run_checks(specs, ctx, reuse=reuse, quiet=quiet, workers=usable_cores(), backend=backend,
                          address=address)


def publish(out_dir: Path, files: dict[str, str | bytes]) -> dict[str, Path]:
    """Write the report's files (name relative to ``out_dir`` -> content) as one set, all new or
    all as they were (``infgrad.atomic.publish_files``). The one place the report writes its pages
    and results.json."""
    from infgrad.atomic import publish_files

    publish_files(Path(out_dir), files)
    return {name: Path(out_dir) / name for name in files}


def write_pages(report: Report, out_dir: Path) -> dict[str, Path]:
    """Write results.json, report.md and report.html into ``out_dir`` (one set, see ``publish``)."""
    doc = json.dumps(report.to_json(), indent=2, allow_nan=False) + "\n"
    return publish(out_dir, {"results.json": doc, "report.md": markdown_page(report),
                             "report.html": html_page(report, out_dir)})


@dataclass(frozen=True)
class ReportRun:
    report: Report
    json_path: Path
    md_path: Path
    html_path: Path


def run_report(*, profile: str, out: str, fresh: bool, seed: int, device: str, quiet: bool,
               claims: list[str] | None = None, backend: str = "local", address: str = "auto") -> ReportRun:
    """Run every check covering ``claims`` (default: all; reusing saved results unless ``fresh``),
    draw the figures, build the report model once and write results.json, report.md and
    report.html. ``device`` is resolved already (``cpu`` or ``cuda``, never ``auto``). ``backend``:
    ``local`` (this machine's process pool) or ``ray`` (the cluster at ``address``: ``auto``,
    ``local`` or ``HOST:PORT``)."""
    from ..claims import registry

    start = time.perf_counter()
    specs = registry.select(claims, empirical=True)   # before any work: an unknown id is exit 2
    refuse_foreign_out(out, "report")
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create --out directory {out!r}: {exc.strerror}") from exc
    ctx = CheckContext(seed=seed, profile=profile, out_dir=out_dir, device=device)
    if not quiet:
        from .images import missing_images_line

        line = missing_images_line(profile, claims)
        if line:
            print(line, file=sys.stderr, flush=True)
    results = _run_checks(specs, ctx, reuse=not fresh, quiet=quiet, backend=backend, address=address)
    if claims:  # a check covering a named claim and others (sparsity: T4, T14) reports the named ones
        wanted = {c.strip().upper() for c in claims}
        results = [r for r in results if r.claim in wanted]
    command = ["infgrad", "report", "--profile", profile, "--out", out, *(["--fresh"] if fresh else []),
               "--seed", str(seed), "--device", device, *(["--backend", "ray", "--address", address] if backend == "ray" else []),
               *(["--claim", *claims] if claims else [])]
    figures = draw_figures(out_dir)
    extra: dict[str, Any] = {"profile": profile, "reused": not fresh, "wall_seconds": time.perf_counter() - start}
    report = build(results, command=command, seeds=[seed], device=device, figures=figures, extra=extra)
    paths = write_pages(report, out_dir)
    return ReportRun(report, paths["results.json"], paths["report.md"], paths["report.html"])


def redraw_figures(out: str) -> list[FigureEntry]:
    """``infgrad figures``: redraw from ``out/data`` (BadInput when nothing was saved there)."""
    data_dir = Path(out) / "data"
    if not data_dir.is_dir() or not any(data_dir.glob("*.json")):
        raise BadInput(f"no saved data in {data_dir}; run `infgrad report --out {out}` first")
    return draw_figures(Path(out))
