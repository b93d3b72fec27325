"""Theorem 4's dimension limits are rows of the parameter table (theorem4_d, _kappa, _r, _n), read by the
options of ``infgrad counterexample`` and by the generator's validation: a value outside a row's range is
exit 2 with one line, from the command line and from Python alike."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.errors import BadInput
from infgrad.params import PARAMS
from infgrad.proofs_check.cli import main
from infgrad.proofs_check.cli.app import cli
from infgrad.proofs_check.theorem4.generate.build import build

DIMS = {"d": 6, "kappa": 4, "r": 2, "n": 12}


def test_the_counterexample_options_are_the_table_rows():
    rows = {p.name: p.type.row for p in cli.commands["counterexample"].params if p.name in DIMS}
    assert rows == {name: PARAMS[f"theorem4_{name}"] for name in DIMS}
    assert all(row.flag == f"--{name}" for name, row in rows.items())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(DIMS)), high=st.booleans(), by=st.integers(1, 10**20))
def test_a_dimension_outside_its_row_is_exit_2_with_one_line(capsys, name, high, by):
    row = PARAMS[f"theorem4_{name}"]
    value = row.hi + by if high else row.lo - by
    capsys.readouterr()
    args = [a for k, v in DIMS.items() for a in (f"--{k}", str(value if k == name else v))]
    assert main(["counterexample", "--h", "u", "--family", "fixed-scale", *args]) == 2
    err = capsys.readouterr().err
    assert err == f"infgrad: error: --{name} must be an integer in [{row.lo}, {row.hi}]; got '{value}'\n", err
    with pytest.raises(BadInput) as api:  # the generator's own validation reads the same row
        build("u", "u", family="fixed-scale", **{**DIMS, name: value})
    assert "\n" not in str(api.value) and f"{name} must be an integer in [{row.lo}, {row.hi}]" in str(api.value)


def test_the_cli_message_names_the_flag_and_the_range(capsys):
    assert main(["counterexample", "--h", "u", "--d", str(10**6 + 1), "--kappa", "4", "--r", "2"]) == 2
    assert capsys.readouterr().err == "infgrad: error: --d must be an integer in [1, 1000000]; got '1000001'\n"


def test_the_largest_dimension_in_the_rows_is_accepted_by_the_validation():
    # d at its row's top passes the table; the generator then refuses on memory, not on the range
    with pytest.raises(BadInput, match="above the limit"):
        build("u", "u", family="fixed-scale", d=PARAMS["theorem4_d"].hi, kappa=10**5, r=10**5 - 1)
