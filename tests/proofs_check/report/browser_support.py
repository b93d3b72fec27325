"""Headless Chromium for the report page: load it, measure its layout, take screenshots.

The report has no JavaScript; a probe copies the page beside itself (so that its relative figure
links resolve) with a test-only script appended that writes what it measured into the DOM, which
``--dump-dom`` returns. Run as a script, it writes the README's screenshots of a report::

    python3 tests/proofs_check/report/browser_support.py docs/results/full/report.html docs/screenshots
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VIEWPORT = (1280, 1600)

MEASURE = """
<script>
window.addEventListener("load", function () {
  var box = function (e) { var r = e.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width}; };
  var all = function (sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); };
  var out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({
    viewport: document.documentElement.clientWidth,
    page_width: document.documentElement.scrollWidth,
    images: all("img").map(function (i) {
      return {src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0, natural: i.naturalWidth,
              box: box(i), content: box(i.closest("section") || document.body)}; }),
    clause_tables: all("table.clauses").map(function (t) {
      return {box: box(t), scroll: t.scrollWidth, client: t.clientWidth}; }),
    text: document.body.innerText
  });
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser(profile_dir: Path, *args: str, width: int = VIEWPORT[0]) -> subprocess.CompletedProcess:
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("headless Chromium is not installed (Debian: apt-get install -y chromium)")
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={profile_dir / 'chromium-profile'}", "--virtual-time-budget=10000",
           f"--window-size={width},{VIEWPORT[1]}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def _beside(page: Path, name: str, extra_head: str = "", extra_body: str = "") -> Path:
    text = page.read_text(encoding="utf-8").replace("</head>", extra_head + "</head>", 1)
    copy = page.resolve().with_name(name)
    copy.write_text(text.replace("</body>", extra_body + "</body>", 1), encoding="utf-8")
    return copy


def measure(page: Path, profile_dir: Path, extra_head: str = "", width: int = VIEWPORT[0]) -> dict:
    """What the probe measured on ``page`` in a window ``width`` pixels wide (``extra_head``:
    test-only CSS)."""
    copy = _beside(page, ".measure.html", extra_head, MEASURE)
    try:
        done = browser(profile_dir, "--dump-dom", copy.as_uri(), width=width)
    finally:
        copy.unlink()
    match = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.S)
    if not match:
        raise AssertionError(f"no measurement in the DOM; stderr tail: {done.stderr[-500:]}")
    return json.loads(html.unescape(match.group(1)))


def only(selector: str) -> str:
    """CSS that shows only what ``selector`` picks (each a child of <body> or of a claim's section)."""
    return ("<style>body>*{display:none!important}" + selector + "{display:block!important}"
            "body{margin-top:0}</style>")


def screenshot(page: Path, out_png: Path, profile_dir: Path, extra_head: str = "", height: int = VIEWPORT[1]) -> Path:
    copy = _beside(page, ".shot.html", extra_head)
    try:
        browser(profile_dir, f"--window-size={VIEWPORT[0]},{height}", f"--screenshot={out_png}", copy.as_uri())
        # (a later --window-size wins over the default one)
    finally:
        copy.unlink()
    if not out_png.is_file():
        raise AssertionError("chromium wrote no screenshot")
    return out_png


SHOTS = {  # file -> (CSS, height): the top, one failed claim, one figure
    "report_top.png": ("", 1500),
    "report_failed_claim.png": (only("#T16"), 760),
    "report_figure.png": ("<style>body>*:not(#T12){display:none!important}#T12>*:not(figure)"
                          "{display:none!important}#T12{border:0}</style>", 560),
}


def main(page: str, out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, (css, height) in SHOTS.items():
            print(screenshot(Path(page), out / name, Path(tmp), css, height))


if __name__ == "__main__":
    main(*sys.argv[1:3])
