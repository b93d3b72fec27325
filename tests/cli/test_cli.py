"""The command-line contract: exit codes and one-line errors (docs/design.md)."""

import json

import pytest

from infgrad.proofs_check.claims.model import CLAIMS, ClaimResult, jsonable, result
from infgrad.proofs_check.cli import main
from infgrad.proofs_check.claims.registry import CHECKS, select


def test_unknown_claim_exits_2_with_one_line(capsys):
    assert main(["verify", "--claim", "T99"]) == 2
    err = capsys.readouterr().err
    assert err == "infgrad: error: unknown claim id 'T99'; known ids are T1 ... T18\n"


def test_unknown_option_exits_2_with_one_line(capsys):
    assert main(["verify", "--bogus"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["infgrad: error: No such option '--bogus'."]


def test_every_claim_has_a_check_and_every_check_a_claim():
    covered = {c for spec in CHECKS for c in spec.claims}
    assert covered == set(CLAIMS)
    assert len({spec.name for spec in CHECKS}) == len(CHECKS)


def test_report_selection_takes_every_method_of_a_named_claim():
    assert [s.name for s in select(["t3"], empirical=True)] == ["T3", "linear-trained"]
    assert [s.name for s in select(["T4", "T14"], empirical=True)] == ["T4", "sparsity"]


def test_verify_selection_skips_training_unless_a_claim_has_nothing_else():
    assert [s.name for s in select(["T3"], empirical=False)] == ["T3"]
    assert [s.name for s in select(["T3", "T12"], empirical=False)] == ["T3", "fixed-gamma"]
    assert [s.name for s in select(["T4"], empirical=False)] == ["T4"]
    assert [s.name for s in select(["T4", "T14"], empirical=False)] == ["T4", "sparsity"]
    assert all(s.method != "empirical" for s in select(None, empirical=False))


def test_claim_result_refuses_unknown_status():
    with pytest.raises(ValueError):
        ClaimResult("T1", "t", "ref", "symbolic", "passed")


def test_claim_result_round_trips_through_json():
    r = result("T2", "symbolic", "pass", {"x": float("inf"), "arr": (1, 2)}, summary="s")
    back = ClaimResult.from_json(json.loads(json.dumps(r.to_json())))
    assert back.claim == "T2" and back.status == "pass" and back.evidence == {"x": "inf", "arr": [1, 2]}


def test_jsonable_handles_numpy_and_sympy():
    np = pytest.importorskip("numpy")
    sp = pytest.importorskip("sympy")
    out = jsonable({"a": np.float64(1.5), "b": np.arange(3), "c": sp.Symbol("gamma") ** 2})
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": "gamma**2"}


def test_a_crashed_check_is_reported_inconclusive_and_never_cached(tmp_path, monkeypatch):
    from infgrad.proofs_check.claims import registry
    from infgrad.proofs_check.claims.model import CheckContext

    calls = []

    def boom(ctx):
        calls.append(1)
        raise RuntimeError("kaput")

    spec = registry.CheckSpec("T1", ("T1",), "symbolic", "x:y")
    monkeypatch.setattr(registry.CheckSpec, "load", lambda self: boom)
    ctx = CheckContext(out_dir=tmp_path)
    for _ in range(2):
        (res,) = registry.run_check(spec, ctx, reuse=True)
        assert res.status == "inconclusive" and "kaput" in res.evidence["error"]
    assert len(calls) == 2 and not (tmp_path / "claims" / "T1.json").exists()


def test_saved_results_are_reused_only_for_the_same_seed_and_profile(tmp_path, monkeypatch):
    from infgrad.proofs_check.claims import registry
    from infgrad.proofs_check.claims.model import CheckContext

    calls = []

    def fine(ctx):
        calls.append(ctx.seed)
        return result("T1", "symbolic", "pass", {"seed": ctx.seed})

    spec = registry.CheckSpec("T1", ("T1",), "symbolic", "x:y")
    monkeypatch.setattr(registry.CheckSpec, "load", lambda self: fine)
    registry.run_check(spec, CheckContext(seed=0, out_dir=tmp_path), reuse=True)
    registry.run_check(spec, CheckContext(seed=0, out_dir=tmp_path), reuse=True)
    registry.run_check(spec, CheckContext(seed=1, out_dir=tmp_path), reuse=True)
    assert calls == [0, 1]


def test_every_config_field_and_every_numeric_option_reads_its_range_from_the_one_table():
    """infgrad.params is the only place a range is written: TrainConfig validates each field
    against its row, and each numeric or choice option of every command is a TableType of the
    same row (the Theorem 4 options are folded in at the coordinator's merge)."""
    import dataclasses

    import click

    from infgrad.models.config import TrainConfig
    from infgrad.params import PARAMS
    from infgrad.proofs_check.cli.app import cli
    from infgrad.proofs_check.cli.options import TableType

    assert {f.name for f in dataclasses.fields(TrainConfig)} <= set(PARAMS)
    for name, cmd in cli.commands.items():
        if name in ("counterexample", "certificate"):
            continue
        for p in cmd.params:
            if isinstance(p, click.Option) and isinstance(p.type, (click.types._NumberParamTypeBase, click.Choice)):
                raise AssertionError(f"{name} {p.opts[0]} has its own range or choices, not the table's")
            if isinstance(p.type, TableType):
                assert p.type.row is PARAMS[p.type.row.name] and p.opts[0] == p.type.row.flag
                assert p.type.row.range_text() in " ".join((p.help or "").split())


def test_help_shows_each_range_and_an_example(capsys):
    assert main(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--kappa INT Latent dimension. Allowed: an integer in [1, 2147483647]; e.g. 8." in text
    assert "--max-memory SIZE" in text and "half of the memory available" in text


def test_experiment_help_names_every_experiment_it_runs(capsys):
    from infgrad.proofs_check.cli.experiment import NAMES
    from infgrad.proofs_check.experiments import EXPERIMENTS

    assert main(["experiment", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert set(NAMES) == set(EXPERIMENTS)
    assert all(f"{name} (" in text for name in NAMES), text    # each with the claims it judges
