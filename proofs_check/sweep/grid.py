"""A sweep's grid: the fields it varies, the values it holds fixed, and its seeds.

Given on the command line (``--grid beta=0.5,1,2 --grid kappa=8,16 --seeds 0-9``) or in a TOML file::

    seeds = "0-4"          # or a list, [0, 1, 2]
    [grid]
    beta = [0.5, 1, 2]     # a list: a swept field
    kappa = [8, 16]
    steps = 2000           # one value: held fixed
    hidden = [[64, 64], [128, 128]]

Every name is a :class:`infgrad.models.config.TrainConfig` field and every value is checked against
its row of the parameter table before any work. On the command line a field with one value is held
fixed; MLP widths are written with ``x`` between them (``--grid hidden=64x64,128x128``). The cells
are the Cartesian product of the swept fields' values, in the order given (first field slowest).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from infgrad import params
from infgrad.errors import BadInput
from infgrad.models.config import TrainConfig

__all__ = ["Grid", "parse_grid", "parse_seeds", "load_toml", "check_data", "FIELDS"]

FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name not in ("seed", "device"))
MAX_SEEDS = 1000
MAX_CELLS = 10_000   # each cell is a training pack; the cells are built and checked before any work


@dataclass(frozen=True)
class Grid:
    """``swept``: field -> its values (two or more); ``fixed``: field -> one value; ``seeds``."""

    swept: dict[str, tuple[Any, ...]]
    fixed: dict[str, Any]
    seeds: tuple[int, ...]

    def cells(self) -> list[dict[str, Any]]:
        """One dict of swept values per cell, the first swept field varying slowest."""
        names = list(self.swept)
        return [dict(zip(names, combo)) for combo in itertools.product(*self.swept.values())]

    def to_dict(self) -> dict[str, Any]:
        return {"swept": {k: list(v) for k, v in self.swept.items()}, "fixed": dict(self.fixed),
                "seeds": list(self.seeds)}


def _field(name: str) -> params.Param:
    name = name.strip().replace("-", "_")
    if name not in FIELDS:
        raise BadInput(f"--grid: unknown field {name!r}; the fields are {', '.join(FIELDS)}")
    return params.param(name)


def _parse_value(row: params.Param, text: str) -> Any:
    try:
        if row.kind == "ints":
            return row.parse(text.replace("x", ","))
        return row.parse(text)
    except params.BadValue as exc:
        raise BadInput(f"--grid {row.name}: {exc}") from None


def _check_value(row: params.Param, value: Any) -> Any:
    if row.none is not None and isinstance(value, str) and value.strip().lower() == row.none:
        return None                                    # gamma = "learn", as on the command line
    try:
        return row.check(list(value) if row.kind == "ints" and isinstance(value, (list, tuple)) else value)
    except params.BadValue as exc:
        raise BadInput(f"grid {row.name}: {exc}") from None


def parse_seeds(spec: str | Sequence[int]) -> tuple[int, ...]:
    """``"0-9"`` (inclusive), ``"0,3,7"``, ``"5"`` or a list of ints: distinct seeds, in order."""
    if isinstance(spec, str):
        out: list[int] = []
        for part in (p.strip() for p in spec.split(",")):
            a, sep, b = part.partition("-")
            try:
                lo, hi = params.param("seed").parse(a), params.param("seed").parse(b) if sep else None
            except params.BadValue:
                raise BadInput(f"--seeds must be a range A-B or a list A,B,...; got {spec!r}") from None
            if hi is not None and (hi < lo or hi - lo >= MAX_SEEDS):
                raise BadInput(f"--seeds range {part!r} must run upward over at most {MAX_SEEDS} seeds")
            out.extend(range(lo, hi + 1) if hi is not None else [lo])
    elif isinstance(spec, (list, tuple)):
        out = [_check_value(params.param("seed"), s) for s in spec]
    else:
        raise BadInput(f"seeds must be a range such as \"0-4\" or a list of integers; got {spec!r}")
    if not out or len(out) > MAX_SEEDS or len(set(out)) != len(out):
        raise BadInput(f"--seeds must name 1 to {MAX_SEEDS} distinct seeds; got {spec!r}")
    return tuple(out)


def _build(values: dict[str, list[Any]], seeds: tuple[int, ...]) -> Grid:
    swept = {k: tuple(v) for k, v in values.items() if len(v) > 1}
    fixed = {k: v[0] for k, v in values.items() if len(v) == 1}
    for k, v in swept.items():
        if len(set(v)) != len(v):
            raise BadInput(f"grid {k}: a value is repeated ({', '.join(map(str, v))})")
    n_cells = math.prod(len(v) for v in swept.values())
    if n_cells > MAX_CELLS:
        raise BadInput(f"the grid has {n_cells} cells ({' x '.join(f'{len(v)} {k}' for k, v in swept.items())}); "
                       f"a sweep takes at most {MAX_CELLS}")
    grid = Grid(swept, fixed, seeds)
    for cell in grid.cells():                          # every cell a valid config, before any work
        try:
            TrainConfig(**fixed, **cell)
        except ValueError as exc:
            where = " ".join(f"{k}={v}" for k, v in cell.items())
            raise BadInput(f"grid cell {where or '(the only one)'}: {exc}") from None
    return grid


def check_data(grid: Grid) -> None:
    """Each cell's data readable here (an image file's header), before any cell runs; a worker found
    an unreadable file only when its cell started, after the others had trained. For the local
    backend only: a Ray cluster's workers may hold files that this machine lacks."""
    from infgrad.models.data import DataError, data_shape

    seen = set()
    for cell in grid.cells():
        cfg = TrainConfig(**grid.fixed, **cell)
        key = (cfg.data, cfg.d, cfg.r, cfg.n, cfg.outliers)
        if key not in seen:
            seen.add(key)
            try:
                data_shape(cfg.data, d=cfg.d, r=cfg.r, n=cfg.n, outliers=cfg.outliers)
            except DataError as exc:
                raise BadInput(f"grid data={cfg.data}: {exc}") from None


def parse_grid(specs: Sequence[str], seeds: str | Sequence[int]) -> Grid:
    """The grid of ``--grid NAME=V1,V2,...`` options (a name given twice is refused)."""
    values: dict[str, list[Any]] = {}
    for spec in specs:
        name, sep, rest = spec.partition("=")
        if not sep or not rest.strip():
            raise BadInput(f"--grid must be NAME=V1,V2,...; got {spec!r}")
        row = _field(name)
        if row.name in values:
            raise BadInput(f"--grid {row.name} is given twice")
        values[row.name] = [_parse_value(row, t) for t in rest.split(",")]
    return _build(values, parse_seeds(seeds))


def load_toml(path: str | Path, seeds: str | None = None) -> Grid:
    """The grid of a TOML file (module docstring); ``seeds`` given on the command line wins."""
    from infgrad.files import FileRefused, read_toml

    try:
        doc = read_toml(path, "grid file")    # a regular file of UTF-8 TOML, bounded in size and depth
    except FileRefused as exc:
        raise BadInput(str(exc)) from None
    unknown = sorted(set(doc) - {"seeds", "grid"})
    if unknown or not isinstance(doc.get("grid", {}), dict):
        raise BadInput(f"grid file {path}: top-level keys are 'seeds' and a [grid] table; got {sorted(doc)}")
    values: dict[str, list[Any]] = {}
    for name, v in doc.get("grid", {}).items():
        row = _field(name)
        many = isinstance(v, list) and (row.kind != "ints" or (v and isinstance(v[0], list)))
        items = v if many else [v]
        if not items:
            raise BadInput(f"grid file {path}: {name} has no values")
        values[row.name] = [tuple(_check_value(row, x)) if row.kind == "ints" else _check_value(row, x)
                            for x in items]
    return _build(values, parse_seeds(seeds if seeds is not None else doc.get("seeds", "0")))
