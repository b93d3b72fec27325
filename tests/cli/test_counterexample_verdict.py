"""``infgrad counterexample``: the kernel checks the bytes ``--json`` writes (read by its own reader),
and a strict verdict is worded by the route the kernel took (the added row beats each optimal sparse
representation by its own edit, not by the one competitor)."""

from infgrad.proofs_check.cli import main
from infgrad.proofs_check.theorem4 import kernel

ADDED_ROW = ["counterexample", "--h", "-atan(u)", "--g", "u", "--d", "5", "--kappa", "4", "--r", "2"]
BOUND = ["counterexample", "--h", "atan(3*u)", "--g", "u", "--d", "6", "--kappa", "4", "--r", "2"]


def test_the_kernel_reads_exactly_the_bytes_written(tmp_path, monkeypatch):
    seen = tmp_path / "seen"
    real = kernel.loads

    def spy(data: bytes, *a):
        seen.write_bytes(data)              # the check may run in a forked child: a file carries it back
        return real(data, *a)

    monkeypatch.setattr(kernel, "loads", spy)
    cert = tmp_path / "cert.json"
    assert main(BOUND + ["--json", str(cert)]) == 0
    assert seen.read_bytes() == cert.read_bytes()


def test_an_added_row_verdict_does_not_claim_the_competitor_beats_every_sparse_representation(tmp_path, capsys):
    md = tmp_path / "cert.md"
    assert main(ADDED_ROW + ["--report", str(md)]) == 0
    out = capsys.readouterr().out
    assert "kernel check: verified" in out and "verdict: strict" in out
    assert "proved strictly better than every optimal sparse representation" not in out
    why = [line for line in out.splitlines() if line.startswith("  why: ")]
    assert len(why) == 1 and "constant row" in why[0] and "every optimal sparse representation is beaten" in why[0]
    assert "Why (the kernel's own derivation): the competitor is the witness plus a constant row" in md.read_text()


def test_a_bound_verdict_gives_the_bound_as_its_reason(capsys):
    assert main(BOUND) == 0
    why = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  why: ")]
    assert why == ["  why: hi(L_competitor) < lo(L lower bound of every optimal sparse representation)"]
