"""Fuzz the reliability classes of the third round: links planted in every subfolder a command
writes, each field of a checkpoint, nested formulas, IDX headers, output formats and decimal
literals. Every answer keeps the contract of ``fuzz_support.run_and_check`` (no traceback, one
error line on exit 2, no file outside the output folder changed); the refusals listed per class
must be exit 2."""

from __future__ import annotations

import io
import math
import shutil
import struct
from fractions import Fraction

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.models.checkpoint import CHECKPOINT_NAME
from infgrad.proofs_check.cli.options import PLOT_SUFFIXES
from infgrad.theory.penalties import FormulaError, parse_penalty
from fuzz_support import OUTCOMES, run_and_check, write_summary

SHARED_FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TINY = ["--d", "4", "--r", "2", "--n", "30", "--kappa", "2", "--hidden", "4", "--steps", "4", "--batch-size",
        "8", "--log-every", "2", "--checkpoint-every", "2", "--quiet", "--device", "cpu"]
T4 = ["--d", "6", "--kappa", "4", "--r", "2"]


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzzrel")
    (tmp / "outside").mkdir()
    (tmp / "outside" / "keep.txt").write_text("keep")
    from infgrad.proofs_check.cli import main

    assert main(["train", *TINY, "--checkpoint", str(tmp / "good")]) == 0
    yield tmp
    write_summary()


def fresh(place, name):
    out = place / "out" / name
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return out


# -- links in every subfolder a command writes --------------------------------------------------

@pytest.mark.parametrize("where", ["checkpoint.pt", ".infgrad.lock", ".checkpoint.pt.0123456789abcdef.tmp"])
def test_a_link_in_the_checkpoint_folder_is_refused_or_never_followed(place, capsys, where):
    ck = fresh(place, "ck-link")
    (ck / where).symlink_to(place / "outside" / "keep.txt")
    run_and_check(["train", *TINY, "--checkpoint", str(ck)], capsys, place, place / "out",
                  must_fail=where != ".checkpoint.pt.0123456789abcdef.tmp", label=f"link at {where}")
    assert (place / "outside" / "keep.txt").read_text() == "keep"


@pytest.mark.parametrize("sub", ["data", "figures"])
def test_a_linked_subfolder_of_an_experiment_s_output_is_refused(place, capsys, sub, monkeypatch):
    from infgrad.proofs_check.cli import experiment as experiment_cli
    from infgrad.proofs_check.experiments import checks
    from infgrad.atomic import write_json

    def stub(ctx, seeds=None):
        write_json(ctx.out_dir / "data" / "experiment_beta.json", {"runs": []})
        write_json(ctx.out_dir / "figures" / "x.json", {})
        from infgrad.proofs_check.claims.model import result

        return result("T5", "empirical", "pass", {"rule": "stub"}, summary="stub")

    monkeypatch.setitem(checks.CHECK_OF, "beta", stub)
    monkeypatch.setattr(experiment_cli, "_draw", lambda name, out: [])
    out = fresh(place, f"exp-{sub}")
    (out / sub).symlink_to(place / "outside")
    run_and_check(["experiment", "beta", "--out", str(out), "--quiet"], capsys, place, place / "out",
                  must_fail=True, label=f"link at {sub}/")


def test_a_linked_claims_folder_of_a_report_is_refused(place, capsys, monkeypatch):
    from infgrad.proofs_check.claims import registry
    from infgrad.proofs_check.claims.model import result
    from infgrad.proofs_check.report import run as report_run

    spec = registry.CheckSpec("T1", ("T1",), "symbolic", "x:y")
    monkeypatch.setattr(registry, "select", lambda ids, empirical: [spec])
    monkeypatch.setattr(registry.CheckSpec, "load", lambda self: (lambda ctx: result("T1", "symbolic", "pass", {})))
    monkeypatch.setattr(report_run, "draw_figures", lambda out_dir: [])
    out = fresh(place, "report-claims")
    (out / "claims").symlink_to(place / "outside")
    run_and_check(["report", "--out", str(out), "--quiet", "--device", "cpu"], capsys, place, place / "out",
                  must_fail=True, label="link at claims/")
    assert sorted(p.name for p in (place / "outside").iterdir()) == ["keep.txt"]


# -- every field of a checkpoint -------------------------------------------------------------------

FIELDS = ["step", "lr", "applied_lr", "rollbacks_in_a_row", "generator", "adam.step", "adam.exp_avg",
          "adam.exp_avg_sq", "history.step", "history.loss", "history.kl_per_dim", "config.kappa", "config.seed",
          "model"]
MUTATIONS = ["drop", "type", "nan", "huge", "negative", "dtype", "shape"]
HARMLESS = {(f, m) for f in ("history.loss", "history.kl_per_dim") for m in ("nan", "huge", "negative")} | \
    {(f, m) for f in ("model", "adam.exp_avg") for m in ("huge", "negative")} | {("adam.exp_avg_sq", "huge"), ("lr", "huge")}


def _mutate(v, how):
    if how == "type":
        return "x"
    if isinstance(v, torch.Tensor):
        if how == "dtype":
            return v.to(torch.int64) if v.is_floating_point() else v.to(torch.float32)
        if how == "shape":
            return v.reshape(-1)[:-1]
        return v.clone().fill_({"nan": math.nan, "huge": 1e30, "negative": -5.0}[how]) if v.is_floating_point() else None
    if isinstance(v, list):
        return v[:-1] if how == "shape" else [_mutate(x, how) for x in v] if how in ("nan", "huge", "negative") else None
    if how in ("nan", "huge", "negative") and isinstance(v, (int, float)):
        return {"nan": math.nan, "huge": 10**30 if isinstance(v, int) else 1e30, "negative": -5}[how]
    if how == "dtype" and isinstance(v, int):
        return float(v) + 0.5
    return None


@SHARED_FIXTURES
@given(field=st.sampled_from(FIELDS), how=st.sampled_from(MUTATIONS))
def test_a_mutated_checkpoint_field_is_refused_before_a_step_or_harmless(place, capsys, field, how):
    st_ = torch.load(place / "good" / CHECKPOINT_NAME, weights_only=True)
    *path, last = field.split(".")
    holder = st_
    for p in path:
        holder = holder[p]
    if how == "drop":
        del holder[last]
    elif field == "model":
        holder[last] = {k: _mutate(v, how) for k, v in holder[last].items()}
        if any(v is None for v in holder[last].values()):
            return
    else:
        new = _mutate(holder[last], how)
        if new is None or (isinstance(new, list) and None in new):
            return
        holder[last] = new
    ck = fresh(place, "ck-field")
    buf = io.BytesIO()
    torch.save(st_, buf)
    (ck / CHECKPOINT_NAME).write_bytes(buf.getvalue())
    run_and_check(["train", *TINY, "--checkpoint", str(ck), "--resume"], capsys, place, place / "out",
                  must_fail=(field, how) not in HARMLESS, label=f"checkpoint field {field} {how}")


# -- nested formulas -------------------------------------------------------------------------------

@st.composite
def nested(draw):
    funcs = draw(st.lists(st.sampled_from(["sin", "cos", "atan", "tanh", "exp", "sqrt", "log", "Abs"]),
                          min_size=1, max_size=38))
    inner = draw(st.sampled_from(["u", "u + 1", "3*u", "u**2"]))
    return "".join(f + "(" for f in funcs) + inner + ")" * len(funcs)


@settings(SHARED_FIXTURES, max_examples=max(3, settings.default.max_examples // 5))
@given(formula=nested())
def test_nested_formulas_end_within_the_budget_in_one_line(place, capsys, formula):
    run_and_check(["counterexample", "--h", formula, *T4, "--time-limit", "5"], capsys, place, place / "out",
                  must_fail=False,
                  label="nested formula")


# -- IDX headers -----------------------------------------------------------------------------------

@SHARED_FIXTURES
@given(dims=st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 9), min_size=1, max_size=255),
       payload=st.binary(max_size=64))
def test_idx_headers_of_any_rank_and_dimensions_are_answered_from_the_header(place, capsys, dims, payload):
    path = fresh(place, "idx") / "x-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload)
    bad = len(dims) > 4 or 0 in dims or math.prod(dims) != len(payload) or len(dims) < 2
    run_and_check(["train", *TINY, "--data", f"idx:{path}", "--max-memory", "1G"], capsys, place, place / "out",
                  must_fail=bad, label="idx header")


# -- output formats --------------------------------------------------------------------------------

@SHARED_FIXTURES
@given(suffix=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=0, max_size=5))
def test_an_unknown_plot_format_is_refused_before_any_work(place, capsys, suffix):
    name = f"p.{suffix}" if suffix else "p"
    if "." + suffix in PLOT_SUFFIXES:
        return   # a real format: the whole certificate would be built (the CLI tests draw one)
    out = fresh(place, "plot")
    run_and_check(["counterexample", "--h", "atan(3*u)", *T4, "--json", str(out / "c.json"), "--plot",
                   str(out / name)], capsys, place, place / "out", must_fail=True, label="plot format")
    assert not (out / "c.json").exists()


# -- decimal literals ------------------------------------------------------------------------------

@SHARED_FIXTURES
@given(mantissa=st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-10**6, max_value=10**6),
       exponent=st.integers(-500, 500))
def test_decimal_literals_are_exact_or_refused(mantissa, exponent):
    text = f"{mantissa}e{exponent}"
    try:
        expr = parse_penalty(f"{text}*u + u")
    except FormulaError as exc:
        OUTCOMES["literal: refused"] += 1
        assert "\n" not in str(exc)
        return
    OUTCOMES["literal: exact"] += 1
    coeff = expr.coeff(parse_penalty("u"))
    assert Fraction(int(coeff.p), int(coeff.q)) == Fraction(text) + 1
