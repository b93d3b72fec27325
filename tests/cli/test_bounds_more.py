"""Bounds where work can explode, each refused with one line and exit 2: the symbolic budget on
user formulas (nodes, depth; the wall clock: test_hard_limit.py), IDX rank/dimensions from the header, zero-sized data,
output formats before any work, exact decimal literals."""

from __future__ import annotations

import struct

import pytest

from infgrad.proofs_check.cli import main
from infgrad.theory.penalties import FormulaError, parse_penalty

from bounded_support import one_error_line

T4 = ["--d", "6", "--kappa", "4", "--r", "2"]


def test_a_formula_with_too_many_nodes_is_refused_naming_the_limit(capsys):
    wide = "+".join(["u"] * 200)
    assert main(["counterexample", "--h", wide, *T4]) == 2
    assert "syntax nodes, above the limit of 400" in one_error_line(capsys)


@pytest.mark.parametrize("text,value", [("1e-12*u", "u/1000000000000"), ("0.1*u", "u/10"),
                                        ("2.5e-3*u", "u/400"), ("1_000.5*u", "2001*u/2")])
def test_decimal_literals_are_read_exactly(text, value):
    assert str(parse_penalty(text)) == value


@pytest.mark.parametrize("text", ["1e-400*u", "1e-400", "u + 1e-330"])
def test_a_literal_beyond_the_floats_is_refused_not_rounded_to_zero(text, capsys):
    """1e-400 once became h = 0 without a word (the float literal underflows)."""
    with pytest.raises(FormulaError, match="read exactly, never rounded"):
        parse_penalty(text)
    assert main(["counterexample", "--h", text, *T4]) == 2
    assert "1e-" in one_error_line(capsys)


def test_a_plot_name_of_an_unknown_format_is_refused_before_any_work(tmp_path, capsys):
    cert = tmp_path / "cert.json"
    assert main(["counterexample", "--h", "atan(3*u)", *T4, "--json", str(cert), "--plot",
                 str(tmp_path / "p.xyz")]) == 2
    assert "--plot" in one_error_line(capsys) and not cert.exists()


def _idx(path, shape: tuple[int, ...], payload: bytes = b"") -> str:
    path.write_bytes(bytes([0, 0, 0x08, len(shape)]) + b"".join(struct.pack(">I", s) for s in shape) + payload)
    return f"idx:{path}"


@pytest.mark.parametrize("shape,message", [((1,) * 255, "claims 255 dimensions; infgrad reads at most 4"),
                                           ((10, 0), "holds no data"), ((0,), "holds no data"),
                                           ((2**32 - 1, 1), "above 2147483647")])
def test_idx_headers_beyond_the_limits_are_refused_from_the_header(tmp_path, capsys, shape, message):
    spec = _idx(tmp_path / "x-idx3-ubyte", shape, b"\0" if shape == (1,) * 255 else b"")
    assert main(["train", "--data", spec, "--steps", "1", "--quiet"]) == 2
    assert message in one_error_line(capsys)


def test_a_formula_whose_derivative_the_interval_arithmetic_cannot_evaluate_exits_2_in_one_line(capsys):
    """Found by the thorough fuzz: d/du Abs(sqrt(sin(u))) holds atan2, and the analysis's
    FormulaError escaped as a traceback."""
    assert main(["counterexample", "--h", "Abs(sqrt(sin(u)))", *T4]) == 2
    assert "cannot evaluate atan2 in interval arithmetic" in one_error_line(capsys)


@pytest.mark.parametrize("flag", ["--noise", "--lr", "--beta"])
def test_a_float_option_refuses_underscores_as_the_integer_options_do(capsys, flag):
    """Found by the thorough fuzz: --noise 1_000 was read as 1000 (Python's float), --steps 1_000 refused."""
    assert main(["train", flag, "1_000", "--steps", "1", "--quiet"]) == 2
    assert "1_000" in one_error_line(capsys)


@pytest.mark.parametrize("missing", ["--d", "--kappa", "--r"])
def test_a_missing_required_dimension_is_named_as_missing(capsys, missing):
    """click 8.3 took the explicit default=None as a value, so a missing --kappa reached the
    generator: "kappa must be an integer; got None" instead of click's "Missing option"."""
    args = {"--d": "6", "--kappa": "4", "--r": "2"}
    argv = ["counterexample", "--h", "u"] + [x for k, v in args.items() if k != missing for x in (k, v)]
    assert main(argv) == 2
    assert one_error_line(capsys) == f"infgrad: error: Missing option '{missing}'."


@pytest.mark.parametrize("seeds", [[], ["--seeds", "0-1"]])
def test_synthetic_data_that_overflow_float32_are_bad_input(capsys, seeds):
    """--noise 1e308 made the data inf in float32; training then "stayed non-finite after 40
    rollbacks" and exited 1, the code for a run that failed on good input."""
    argv = ["train", "--d", "4", "--r", "2", "--n", "40", "--kappa", "2", "--hidden", "4", "--steps", "1",
            "--batch-size", "8", "--log-every", "1", "--eval-samples", "8", "--mmd-samples", "8", "--quiet",
            "--noise", "1e308", *seeds]
    assert main(argv) == 2
    assert "non-finite" in one_error_line(capsys)
