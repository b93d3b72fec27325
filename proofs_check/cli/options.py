"""Options shared by several subcommands, defined once, and click types read from the parameter table.

Every numeric or choice option is ``table_option(name)``: its type, range, help and example come
from ``infgrad.params.PARAMS``, so a range is written in one place only. A value out of range is
refused while the command line is parsed, before any work, with the table's message
("--kappa must be an integer in [1, 2147483647]; got '0'"). Output paths are checked writable at
the same moment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from infgrad.atomic import confine
from infgrad.params import PARAMS, BadValue, Param

from infgrad.errors import BadInput


class TableType(click.ParamType):
    """A click type that parses and checks a value with one row of the parameter table."""

    def __init__(self, row: Param) -> None:
        self.row = row
        self.name = row.kind

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return self.row.parse(value) if isinstance(value, str) else self.row.check(value)
        except BadValue as exc:
            raise BadInput(str(exc)) from None

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        row = self.row
        if row.kind == "choice":
            return "[" + "|".join(row.choices) + "]"
        base = {"int": "INT", "float": "FLOAT", "ints": "INT,...", "bytes": "SIZE", "str": "NAME"}[row.kind]
        return f"{row.none}|{base}" if row.none else base


def table_option(name: str, *flags: str, default: Any = None, help: str | None = None, **kw: Any):
    """``click.option`` for the table row ``name``: flag ``--name-with-dashes``, the row's type, and
    help ending in the allowed range and an example."""
    row = PARAMS[name]
    unit = f" ({row.unit})" if row.unit else ""
    text = f"{help or row.help} Allowed: {row.range_text()}{unit}; e.g. {row.example}."
    if isinstance(default, tuple):
        kw.setdefault("show_default", ",".join(map(str, default)))
    elif default is None and row.none:
        kw.setdefault("show_default", row.none)
    else:
        kw.setdefault("show_default", default is not None)
    if default is not None:   # an explicit default=None is a value to click 8.3: --required never missing
        kw["default"] = default
    return click.option(*(flags or (row.flag, name)), type=TableType(row), help=text, **kw)


def _nearest_existing(path: Path) -> Path:
    for parent in (path, *path.parents):
        if os.path.lexists(parent):
            return parent
    return Path(".")


def check_writable(path: str, *, directory: bool, flag: str) -> str:
    """``path`` when a file (``directory=False``) or a directory could be written there: checked before
    any work, so a long run never ends in "cannot write". :class:`BadInput` says why not."""
    p = Path(path)
    base = _nearest_existing(p if directory else p.parent)
    if directory and p.exists() and not p.is_dir():
        why = "it is not a directory"
    elif not directory and p.is_dir():
        why = "it is a directory, not a file"
    elif not directory and p.exists() and not p.is_file():
        why = "it is not a regular file"
    elif not base.is_dir():
        why = f"{base} is not a directory"
    elif not os.access(base, os.W_OK | os.X_OK):
        why = f"no write permission in {base}"
    else:
        return path
    raise BadInput(f"cannot write {path} ({flag}): {why}")
    return path


class OutputPath(click.ParamType):
    """A file or directory the command will write, checked writable while parsing; ``suffixes``: the
    file name endings the writer can produce (``--plot p.xyz`` is refused before any work).
    ``-`` is standard output where the command writes there (``stdout``); elsewhere it is refused
    in one line, never taken as a file named ``-``."""

    name = "path"

    def __init__(self, directory: bool, suffixes: tuple[str, ...] = (), stdout: bool = False) -> None:
        self.directory, self.suffixes, self.stdout = directory, suffixes, stdout

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        flag = param.opts[0] if param is not None and param.opts else "path"
        if not os.fspath(value).strip():   # "$OUT" unset: not the working directory
            raise BadInput(f"{flag} {value!r}: an empty path; name a {'directory' if self.directory else 'file'}")
        if os.fspath(value) == "-":
            if self.stdout:
                return "-"
            what = "a directory" if self.directory else "a file name"
            raise BadInput(f"{flag} -: this option needs {what}; '-' (standard output) is not accepted here")
        if self.suffixes and Path(os.fspath(value)).suffix.lower() not in self.suffixes:
            raise BadInput(f"{flag} {value}: the file name must end in one of {', '.join(self.suffixes)}")
        path = check_writable(os.fspath(value), directory=self.directory, flag=flag)
        if self.directory and ctx is not None:  # every write under it: no link followed (infgrad.atomic)
            ctx.with_resource(confine(path))
        return path


def refuse_json_over(json_path: str | None, *, files: tuple[str, ...] = (), folders: tuple[str, ...] = ()) -> None:
    """:class:`BadInput` when ``--json`` names one of ``files`` or lies under one of ``folders``:
    what the same command writes there (a checkpoint, the raw runs) would be replaced by the JSON."""
    if json_path is None or json_path == "-":
        return
    target = os.path.realpath(json_path)
    for place in (*files, *folders):
        real = os.path.realpath(place)
        if target == real or (place in folders and target.startswith(real + os.sep)):
            raise BadInput(f"--json {json_path} names {place}{'' if place in files else '/...'}, which this command "
                           f"also writes; write the JSON elsewhere")


seed_option = table_option("seed", default=0)
seeds_option = table_option("seeds")
device_option = table_option("device", default="auto")
profile_option = table_option("profile", default="quick")
max_memory_option = table_option("max_memory")
json_option = click.option("--json", "json_path", type=OutputPath(directory=False, stdout=True), default=None,
                           help="Write the results as JSON to this file ('-': standard output, the table to stderr).")
json_file_option = click.option("--json", "json_path", type=OutputPath(directory=False), default=None,
                                help="Write the results as JSON to this file.")
quiet_option = click.option("--quiet", is_flag=True, help="No progress display.")


def claims_option(help: str):
    """``--claim ID ...``: several ids may follow one --claim (the ``more_claims`` argument it adds
    takes them; :func:`claim_ids` joins the two). ``registry.select`` refuses an unknown id (exit 2)."""
    def wrap(f):
        f = click.argument("more_claims", nargs=-1, metavar="", required=False)(f)
        return click.option("--claim", "claims", multiple=True, metavar="ID", help=help)(f)
    return wrap


def claim_ids(claims: Any, more_claims: Any) -> list[str]:
    """The ids of ``--claim A --claim B C`` (click gives B's followers as extra arguments)."""
    if more_claims and not claims:
        raise click.UsageError(f"unexpected argument {more_claims[0]!r}; name claims with --claim")
    return list(claims) + list(more_claims)


def out_option(help: str, **kw: Any):
    """``--out DIR``: the directory a command writes (checked writable before any work)."""
    return click.option("--out", "out", type=OutputPath(directory=True), help=help, **kw)


# what matplotlib's Agg canvas writes (FigureCanvasAgg.get_supported_filetypes; fixed, so no import here)
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".svgz", ".eps", ".ps", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")


class Formula(click.ParamType):
    """A penalty formula in u, parsed while the command line is (``theory.penalties.parse_penalty``:
    whitelist, nodes, depth, exact literals). A command taking formulas runs in a child process
    under a hard wall-clock and memory limit (``app.BOUNDED``, ``bounded.run_bounded``)."""

    name = "EXPR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from infgrad.theory.penalties import FormulaError, parse_penalty

        flag = param.opts[0] if param is not None and param.opts else "formula"
        try:
            parse_penalty(value)
        except FormulaError as exc:
            raise BadInput(f"{flag} {value!r}: {exc}") from None
        return value
