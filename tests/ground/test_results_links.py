"""Every committed report page under docs/results links only files that are committed beside it
(the quick and full-v3-cpu pages linked PDF figures that were never committed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"
PAGES = sorted(RESULTS.glob("*/report.html"))


def local_targets(html: str) -> set[str]:
    """The href and src values that name a file of the page's own folder (no scheme, no anchor only)."""
    found = set(re.findall(r'(?:href|src)="([^"#?]+)', html))
    return {t for t in found if not re.match(r"^[a-z][a-z0-9+.-]*:", t) and not t.startswith("/")}


def test_the_link_finder_finds_a_planted_dead_link(tmp_path):
    page = '<a href="figures/a.pdf">a</a> <img src="figures/b.png"> <a href="https://x.org/y">y</a> <a href="#t">t</a>'
    assert local_targets(page) == {"figures/a.pdf", "figures/b.png"}


@pytest.mark.parametrize("page", PAGES, ids=[p.parent.name for p in PAGES])
def test_every_local_link_of_a_committed_report_page_resolves(page):
    missing = sorted(t for t in local_targets(page.read_text(encoding="utf-8")) if not (page.parent / t).exists())
    assert not missing, missing
