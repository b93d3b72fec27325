"""docs/claims.md's table of the real-image pilots says what their JSON files in
docs/results/pilots/ say (gamma, error share, the counts, dims for 90% of the KL, Eq. (3), wall).
The PCA column is not in the files and is not checked."""

from __future__ import annotations

import json
import math
from pathlib import Path

from markdown_table import table_rows

ROOT = Path(__file__).resolve().parents[2]
PILOTS = ROOT / "docs" / "results" / "pilots"
HEADER = "| n | kappa | decoder | gamma | error / variance | informative 0.05/0.5/2 |"


def _runs() -> dict[tuple[int, int, int, int], list[dict]]:
    """(n, kappa, decoder channels, steps) -> its runs (a repeat has the same numbers but its wall)."""
    out = {}
    for path in sorted(PILOTS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        key = (doc["n"], doc["kappa"], doc["architecture"]["dec_channels"], doc["schedule"]["steps"])
        out.setdefault(key, []).append(doc)
    return out


def _same(text: str, value: float) -> bool:
    """``text`` is ``value`` rounded to the digits it shows ("0.0123", "854", "7.7e-4")."""
    mantissa, _, exponent = text.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return math.isclose(float(text), value, abs_tol=0.5 * 10.0 ** (int(exponent or 0) - decimals))


def _wrong(run: dict, gamma: str, error: str, informative: str, by_var: str, dims90: str, energy: str,
           wall: str) -> list[str]:
    """The cells of a table row that ``run`` does not bear out."""
    spread, final = run["spread"], run["final"]
    said = {
        "gamma": _same(gamma, final["gamma"]),
        "error": _same(error.rstrip("%"), 100 * final["error_share"]),
        "informative": informative == "/".join(str(spread["informative"][k]) for k in ("0.05", "0.5", "2.0")),
        "by variance": by_var == "/".join(str(spread["active_by_var"][k]) for k in ("0.9", "0.5", "0.1")),
        "dims for 90%": int(dims90) == spread["dims_for_kl_share"]["0.9"],
        "Eq. (3)": _same(energy, final["loss"]),
        "wall": _same(wall.rstrip(" s"), run["wall_s"]),
    }
    return [name for name, ok in said.items() if not ok]


def table_mismatches(markdown: str) -> list[str]:
    runs, bad = _runs(), []
    rows = table_rows(markdown, HEADER)
    assert rows
    for n, kappa, decoder, gamma, error, informative, by_var, dims90, energy, _pca, wall in rows:
        channels = 64 if decoder.startswith("2x") else 32
        steps = 10000 if "10 000 steps" in decoder else 6000
        candidates = runs.get((int(n.replace(" ", "")), int(kappa), channels, steps), [])
        if not candidates:
            bad.append(f"no JSON for the row {n}, {kappa}, {decoder}")
            continue
        wrong = [_wrong(run, gamma, error, informative, by_var, dims90, energy, wall) for run in candidates]
        if all(wrong):
            bad += [f"{n}, {kappa}, {decoder}: {name}" for name in min(wrong, key=len)]
    return bad


CLAIMS_MD = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")


def test_the_pilot_table_matches_the_pilot_files():
    assert table_mismatches(CLAIMS_MD) == []


def test_a_planted_mismatch_in_the_pilot_table_is_found():
    for old, new in (("| 0.0112 | 2.4% | 61/28/16 |", "| 0.0112 | 2.4% | 31/28/16 |"),
                     ("| -4855 | 339 | 528 s |", "| -4855 | 339 | 582 s |"),
                     ("| 0.00077 | 0.44% |", "| 0.00079 | 0.44% |")):
        assert old in CLAIMS_MD
        assert table_mismatches(CLAIMS_MD.replace(old, new, 1)), new


def test_rounding_reads_the_digits_shown():
    assert _same("0.0123", 0.012327) and not _same("0.0124", 0.012327)
    assert _same("854", 854.06) and not _same("855", 854.06)
    assert _same("7.7e-4", 7.716e-4) and not _same("7.8e-4", 7.716e-4)
