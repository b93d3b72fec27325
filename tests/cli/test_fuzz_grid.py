"""Fuzz a sweep's grid, the one input of ``infgrad sweep`` read before any work: TOML grid files
(``--config``) and ``--grid NAME=V1,V2`` options, with field names from the table and outside it
and values of every TOML type (nan, inf, huge integers, strings, booleans, nested lists, inline
tables). Reading a grid either gives a Grid whose every cell is a valid config or refuses it with
``BadInput``, never another exception (``seeds = 5`` was a TypeError; a deep array a
RecursionError; 4 million cells were built before any refusal); the command keeps the contract."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.errors import BadInput
from infgrad.models.config import TrainConfig
from infgrad.proofs_check.sweep.grid import FIELDS, MAX_CELLS, load_toml, parse_grid

from fuzz_support import OUTCOMES, run_and_check, write_summary

names = st.sampled_from(FIELDS) | st.sampled_from(["seed", "device", "Kappa", "", "hidden-x", "grid"]) | \
    st.text("abcdefghijklmnopqrstuvwxyz_-", min_size=1, max_size=8)


def toml_string(text: str) -> str:
    return json.dumps(text)   # a JSON string is a TOML basic string (same escapes, \uXXXX included)


scalars = st.one_of(
    st.integers(min_value=-2**63, max_value=2**63 - 1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: "nan" if math.isnan(x) else
                                                       ("inf" if x > 0 else "-inf") if math.isinf(x) else repr(x)),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.sampled_from(["learn", "auto", "mlp", "conv", "float64", "subspace", "0-4", "idx:/dev/zero", "", "1,2"]).map(
        toml_string),
    st.text(max_size=6).map(toml_string),
    st.just("1979-05-27"),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3).map(lambda v: "[" + ", ".join(v) + "]") |
                      st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2).map(
                          lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"), max_leaves=6)


@st.composite
def grid_files(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"seeds = {draw(values)}")
    lines.append("[grid]")
    seen = set()
    for name in draw(st.lists(names, max_size=4)):
        if name not in seen and name.replace("_", "").replace("-", "").isalnum():
            seen.add(name)
            lines.append(f"{name} = {draw(values)}")
    return "\n".join(lines) + "\n"


def check_grid(grid) -> None:
    cells = grid.cells()
    assert 1 <= len(cells) <= MAX_CELLS
    for cell in cells:
        TrainConfig(**grid.fixed, **cell)     # every cell a valid config


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=grid_files())
def test_a_fuzzed_grid_file_gives_a_valid_grid_or_bad_input(tmp_path, text):
    path = tmp_path / "grid.toml"
    path.write_text(text)
    try:
        grid = load_toml(path)
    except BadInput:
        OUTCOMES["grid file: refused"] += 1
        return
    OUTCOMES["grid file: read"] += 1
    check_grid(grid)


option_values = st.one_of(st.text(max_size=10), st.sampled_from(["1", "0", "-1", "nan", "inf", "1e309", "64x64", "learn",
                                                                 "1,1", "9" * 40, "x", " 2 ", "２"]))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(st.tuples(names, st.lists(option_values, min_size=1, max_size=3)), max_size=3),
       seeds=st.one_of(st.just("0"), st.text(max_size=6), st.sampled_from(["0-4", "5-0", "0-99999", "1,1", ""])))
def test_fuzzed_grid_options_give_a_valid_grid_or_bad_input(specs, seeds):
    try:
        grid = parse_grid([f"{n}={','.join(v)}" for n, v in specs], seeds)
    except BadInput:
        OUTCOMES["grid options: refused"] += 1
        return
    OUTCOMES["grid options: read"] += 1
    check_grid(grid)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=grid_files())
def test_the_sweep_command_keeps_the_contract_on_fuzzed_grid_files(tmp_path, capsys, text):
    """The command on the same files; ``steps = 0`` cannot be given (a field named twice is a TOML
    error), so a grid that reads runs only when it sets no steps: then it is refused here."""
    (tmp_path / "grid.toml").write_text(text)
    try:
        grid = load_toml(tmp_path / "grid.toml")
    except BadInput:
        run_and_check(["sweep", "--config", str(tmp_path / "grid.toml"), "--out", str(tmp_path / "sw"), "--quiet"],
                      capsys, tmp_path, tmp_path / "sw", must_fail=True, label="sweep grid file")
    else:
        assert grid.cells()   # a readable grid would train: the reading is what is fuzzed here
    write_summary()
