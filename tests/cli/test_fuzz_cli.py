"""Fuzz every command's options with hypothesis: numbers at the edges (0, negatives, NaN, inf,
1e12, 10**30), malformed strings and arbitrary text, one or two options at a time.

Every answer must keep the contract of ``fuzz_support.run_and_check``. A value that no option of
its kind accepts (NaN, inf, a word, an empty string, a negative; for integer options also 1e12,
1.5 and 10**30) must be refused with exit 2. Work that a valid request would start (checks,
experiments, figures) is replaced by stubs; ``train`` and ``counterexample`` run for real at tiny
sizes. The formula options of ``counterexample`` are fuzzed by the Theorem 4 tests.
"""

from __future__ import annotations

import os

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.proofs_check.claims import registry
from infgrad.proofs_check.claims.model import result
from infgrad.proofs_check.cli.app import cli
from infgrad.proofs_check.cli.options import OutputPath, TableType
from fuzz_support import run_and_check, write_summary

ALWAYS_BAD = ["nan", "inf", "-inf", "NaN", "abc", "", " ", "-1", "-1e12", "1,2,x", "0x1F", "1_000", "１"]
BAD_FOR_INTS = ["1e12", "1.5", str(10**30), str(-10**30), "1e400"]
MAYBE = ["0", "1", "2", "1e-300", "0.5", "10", "1000000000000", "1e12", str(10**30)]
# never a real system path: an atomic writer renames over its target, and as root that would
# replace the device itself; a FIFO in the fuzz folder stands in for every non-regular file
BAD_PATHS = ["{tmp}/afile/x", "{tmp}/fifo", "{tmp}/" + "x" * 300]
NOT_A_FILE, NOT_A_FOLDER = "{tmp}/out", "{tmp}/afile"


def stub_result(ctx=None, seeds=None):
    return result("T3", "empirical", "pass", {"rule": "stub", "size": {"seeds": 1}}, summary="stub")


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "afile").write_text("I am a file, not a folder")
    os.mkfifo(tmp / "fifo")
    (tmp / "out" / "data").mkdir(parents=True)
    (tmp / "out" / "data" / "x.json").write_text("{}")
    yield tmp
    write_summary()


@pytest.fixture
def stubs(monkeypatch):
    from infgrad.proofs_check.experiments import checks
    from infgrad.proofs_check.report import run as report_run

    monkeypatch.setattr(registry, "run_checks", lambda specs, ctx, **kw: [stub_result()])
    monkeypatch.setattr(registry, "select", lambda ids, empirical: [])
    monkeypatch.setattr(report_run, "draw_figures", lambda out_dir: [])
    for name in list(checks.CHECK_OF):
        monkeypatch.setitem(checks.CHECK_OF, name, stub_result)


BASE = {
    "verify": ["verify", "--claim", "T6"],
    "counterexample": ["counterexample", "--h", "atan(3*u)", "--d", "6", "--kappa", "4", "--r", "2"],
    "train": ["train", "--d", "4", "--r", "2", "--n", "30", "--kappa", "2", "--hidden", "4", "--steps", "2",
              "--batch-size", "8", "--log-every", "1", "--checkpoint-every", "1", "--quiet", "--device", "cpu"],
    "experiment": ["experiment", "linear", "--out", "{tmp}/out", "--device", "cpu", "--quiet"],
    "figures": ["figures", "--out", "{tmp}/out"],
    "report": ["report", "--out", "{tmp}/out", "--quiet", "--device", "cpu"],
}
# formula bounds and the output files of counterexample belong to the Theorem 4 commands' own tests
SKIP = {("counterexample", flag) for flag in ("--h", "--g", "--json", "--report", "--plot")}


def options(name: str) -> list[click.Option]:
    cmd = cli.commands[name]
    return [p for p in cmd.params if isinstance(p, click.Option) and not p.is_flag
            and (name, p.opts[0]) not in SKIP and p.opts[0] not in ("--help", "-h")]


def kind(opt: click.Option) -> str:
    t = opt.type
    if isinstance(t, OutputPath) or isinstance(t, click.Path):
        return "path"
    if isinstance(t, TableType):
        return {"ints": "int", "bytes": "int"}.get(t.row.kind, t.row.kind)
    return {"integer": "int", "float": "float", "choice": "choice"}.get(t.name, "str")


@st.composite
def option_values(draw, name: str):
    """One or two (flag, value, must_fail) triples for command ``name``."""
    picked = draw(st.lists(st.sampled_from(options(name)), min_size=1, max_size=2, unique_by=lambda o: o.name))
    out = []
    for opt in picked:
        k = kind(opt)
        if k == "path":
            folder = isinstance(opt.type, OutputPath) and opt.type.directory
            value, bad = draw(st.sampled_from([*BAD_PATHS, NOT_A_FILE if not folder else NOT_A_FOLDER])), True
        else:
            value = draw(st.sampled_from(ALWAYS_BAD + BAD_FOR_INTS + MAYBE) | st.text(max_size=12),
                         label=opt.opts[0])
            bad = value in ALWAYS_BAD or (k == "int" and value in BAD_FOR_INTS)
            if not isinstance(opt.type, TableType) and value in ("1_000", "0x1F"):
                bad = False       # click's own INT reads 1_000 as Python does (the Theorem 4 options)
            if k in ("choice", "str") and value.strip() in ("", " "):
                bad = k == "choice"
            elif k in ("choice", "str"):
                bad = False       # a word may name a choice or a data set: only the contract is checked
        out.append((opt.opts[0], value, bad))
    return out


# the fixtures hold only stubs and a folder, the same for every input
SHARED_FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("name", list(BASE))
@SHARED_FIXTURES
@given(data=st.data())
def test_every_option_of_every_command_answers_bad_values_in_one_line(name, data, place, stubs, capsys):
    picked = data.draw(option_values(name))
    args = [a.replace("{tmp}", str(place)) for a in BASE[name]]
    for flag, value, _ in picked:
        args += [flag, value.replace("{tmp}", str(place))]
    must_fail = any(bad for _, _, bad in picked)
    run_and_check(args, capsys, place, place / "out", must_fail=must_fail, label=name)


@pytest.mark.parametrize("name", list(BASE))
def test_every_base_request_of_the_fuzz_is_valid(name, place, stubs, capsys):
    """The fuzz changes one or two options of a request that succeeds, so a refusal is the fuzzed value's."""
    args = [a.replace("{tmp}", str(place)) for a in BASE[name]]
    assert run_and_check(args, capsys, place, place / "out", must_fail=False, label=name) == 0, \
        capsys.readouterr().err
