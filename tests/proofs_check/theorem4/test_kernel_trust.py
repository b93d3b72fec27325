"""What the kernel trusts: it prints its trusted base (Python, python-flint, sympy and the formula parser, with
versions) beside the symbolic steps; it imports nothing outside that base; a certificate it cannot check (a
Theta_Lip bound over a stored table) is a rejection, exit 1, not an unreadable file."""

from __future__ import annotations

import ast
import json
import platform
import subprocess
import sys
from pathlib import Path

import flint
import sympy

from infgrad.proofs_check.cli import main
from infgrad.proofs_check.theorem4 import kernel
from infgrad.proofs_check.theorem4.generate.build import build

ALLOWED = {"infgrad.theory.penalties", "sympy", "flint"}  # and the standard library, and the kernel itself


def test_a_verified_check_prints_the_trusted_base_with_versions(tmp_path, capsys):
    # before: only the symbolic steps (sympy.is_increasing, sympy.diff) were printed
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(build("u", "u", d=3, kappa=2, r=1, family="lipschitz")[0]))
    assert main(["certificate", "check", str(path)]) == 0
    trusted = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  trusted: ")]
    text = "\n".join(trusted)
    for name in (f"Python {platform.python_version()}", f"python-flint {flint.__version__}",
                 f"sympy {sympy.__version__}", "parse_penalty", "sympy.is_increasing"):
        assert name in text, (name, trusted)


def test_the_kernel_imports_only_the_standard_library_sympy_flint_and_the_formula_parser():
    found = set()
    for path in Path(kernel.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module)
    outside = {m for m in found if m.split(".")[0] not in sys.stdlib_module_names and m not in ALLOWED}
    assert not outside, outside


def test_a_theta_lip_certificate_over_a_stored_table_is_rejected_not_unreadable(tmp_path, capsys):
    # before: exit 2, "malformed certificate: AttributeError: 'Table' object has no attribute 'on'"
    cert = build("u", "u", d=3, kappa=2, r=1, family="lipschitz")[0]
    cert["penalties"]["h"], cert["tables"] = None, {"h": [[x, x, x] for x in ("0", "1/4", "5/4")]}  # h = u
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(cert))
    assert main(["certificate", "check", "--trust-table", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.err == "" and "FAIL the Theta_Lip bound has h as a formula" in captured.out


def test_importing_the_kernel_loads_no_other_infgrad_module_nor_numpy_or_torch():
    code = ("import json, sys, infgrad.proofs_check.theorem4.kernel; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('infgrad', 'numpy', 'torch', 'scipy'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    allowed = {"infgrad", "infgrad.errors", "infgrad.lazy", "infgrad.proofs_check", "infgrad.proofs_check.theorem4",
               "infgrad.theory", "infgrad.theory.penalties"}
    assert [m for m in loaded if m not in allowed and not m.startswith("infgrad.proofs_check.theorem4.kernel")] == []
