"""``infgrad counterexample`` and ``infgrad certificate check``: exit codes, one-line errors,
no side effects from malicious formulas, and the Fig. 2 figure from a certificate."""

import json

import pytest

from infgrad.proofs_check.cli import main

EXAMPLE = ["counterexample", "--h", "atan(3*u)", "--g", "u", "--d", "6", "--kappa", "4", "--r", "2"]


def test_the_example_writes_a_certificate_a_report_and_a_plot_that_check_verifies(tmp_path, capsys):
    cert, md, png = tmp_path / "cert.json", tmp_path / "cert.md", tmp_path / "cert.png"
    assert main(EXAMPLE + ["--json", str(cert), "--report", str(md), "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "family: lipschitz" in out and "case B;" in out and "verdict: strict" in out
    assert "kernel check: verified" in out and "trusted: sympy.is_increasing" in out
    assert cert.is_file() and png.stat().st_size > 10_000
    text = md.read_text()
    assert "## 4. (b) The competitor - case B" in text and "family **lipschitz**" in text and "cert.png" in text
    assert main(["certificate", "check", str(cert)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith(f"certificate {cert}: verified, verdict strict") for line in lines)
    assert lines[-1].startswith("  trusted: ")  # the kernel prints the steps it trusts


def test_a_certificate_with_one_rational_changed_exits_1(tmp_path, capsys):
    path = tmp_path / "cert.json"
    assert main(EXAMPLE + ["--json", str(path)]) == 0
    cert = json.loads(path.read_text())
    i, j, v = cert["witness"]["Z"]["entries"][3]  # a lipschitz certificate: the snake code
    num, _, den = v.partition("/")
    cert["witness"]["Z"]["entries"][3] = [i, j, f"{int(num) + 1}/{den or 1}"]
    path.write_text(json.dumps(cert))
    capsys.readouterr()
    assert main(["certificate", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAIL witness: Xhat = decoder(Z) exactly" in out and "REJECTED" in out


@pytest.mark.parametrize("content, message", [
    ("{not json", "cannot read certificate"),
    ('{"format": "something else"}', "is not an infgrad Theorem 4 certificate"),
    ('{"format": "infgrad-theorem4-certificate/4", "dims": {"d": 6}}', "malformed certificate"),
])
def test_an_unreadable_or_corrupt_certificate_exits_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["certificate", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and message in err and err.count("\n") == 1


def test_a_missing_certificate_file_exits_2(tmp_path, capsys):
    assert main(["certificate", "check", str(tmp_path / "none.json")]) == 2
    assert capsys.readouterr().err.startswith("infgrad: error: cannot read certificate")


@pytest.mark.parametrize("formula", [
    "__import__('os').system('touch pwned')",
    "u.__class__",
    "(lambda: 1)()",
    "'touch pwned'",
    "exec('open(\"pwned\", \"w\")')",
    "unknown_name + u",
])
@pytest.mark.parametrize("option", ["--h", "--g"])
def test_malicious_formulas_exit_2_and_touch_nothing(tmp_path, monkeypatch, capsys, formula, option):
    monkeypatch.chdir(tmp_path)
    h, g = (formula, "u") if option == "--h" else ("u", formula)
    args = ["counterexample", "--h", h, "--g", g, "--d", "6", "--kappa", "4", "--r", "2", "--json", "c.json",
            "--report", "c.md", "--plot", "c.png"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and err.count("\n") == 1  # refused at the option or by the parser
    assert option in err or "formula" in err  # names what was refused
    assert list(tmp_path.iterdir()) == []  # no pwned file, no certificate


@pytest.mark.parametrize("dims, message", [
    (["--d", "3", "--kappa", "4", "--r", "2"], "dimensions must satisfy d >= kappa > r > 0; got d=3, kappa=4, r=2"),
    (["--d", "6", "--kappa", "2", "--r", "2"], "dimensions must satisfy d >= kappa > r > 0; got d=6, kappa=2, r=2"),
    (["--d", "6", "--kappa", "4", "--r", "0"], "--r must be an integer in [1, 1000000]; got '0'"),
    (["--d", "6", "--kappa", "4", "--r", "2", "--n", "3"], "n must be an integer with r + 2 <= n <= 1000000; got n=3 (r=2)"),
])
def test_bad_dimensions_exit_2_with_the_allowed_range_in_one_line(capsys, dims, message):
    assert main(["counterexample", "--h", "u"] + dims) == 2
    assert capsys.readouterr().err == f"infgrad: error: {message}\n"


def test_log_exits_3_and_explains_that_h_of_zero_is_not_finite(capsys, tmp_path):
    assert main(["counterexample", "--h", "log(u)", "--d", "6", "--kappa", "4", "--r", "2",
                 "--json", str(tmp_path / "c.json")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: h(0) = h(log(u) at u=0) is not a finite real number")
    assert "l0 norm" in err and err.count("\n") == 1
    assert not (tmp_path / "c.json").exists()


def test_sqrt_reports_the_failed_hypothesis_but_still_certifies_in_theta_lip(capsys):
    assert main(["counterexample", "--h", "sqrt(u)", "--d", "6", "--kappa", "4", "--r", "2"]) == 0
    out = capsys.readouterr().out
    assert "the hypothesis of Theorem 4 fails" in out and "verdict: strict" in out and "family: lipschitz" in out


def test_a_tie_still_writes_a_certificate_and_exits_0_in_the_fixed_scale_fallback(tmp_path, capsys):
    path = tmp_path / "tie.json"
    assert main(["counterexample", "--h", "1", "--d", "6", "--kappa", "4", "--r", "2", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "verdict: tie" in out and "family: fixed-scale" in out
    assert main(["certificate", "check", str(path)]) == 0


def test_family_lipschitz_refuses_with_exit_3_where_it_cannot_certify(capsys):
    assert main(["counterexample", "--h", "1", "--d", "6", "--kappa", "4", "--r", "2", "--family", "lipschitz"]) == 3
    assert "Theta_Lip cannot certify" in capsys.readouterr().err


def test_the_figure_is_drawn_from_the_saved_certificate(tmp_path):
    from infgrad.figures import fig2_theorem4
    from infgrad.proofs_check.theorem4.generate.build import build

    data = tmp_path / "data"
    data.mkdir()
    for family in ("fixed-scale", "lipschitz"):
        cert, notes = build("atan(3*u)", "u", d=3, kappa=2, r=1, family=family)
        (data / fig2_theorem4.DATA_FILE).write_text(json.dumps(cert))
        (data / fig2_theorem4.NOTES_FILE).write_text(json.dumps(notes))
        paths = fig2_theorem4.draw(data, tmp_path / family)
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 5_000 for p in paths)
    with pytest.raises(FileNotFoundError):
        fig2_theorem4.draw(tmp_path / "empty", tmp_path / "fig")
