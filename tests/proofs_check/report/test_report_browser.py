"""The HTML report in a real browser: headless Chromium loads it, every figure decodes, the maths
renders as MathML, each claim has a <details> block, and no LaTeX string is visible.

Slow (starts a browser) and needs Debian's ``chromium`` package (``apt-get install -y chromium``);
skipped with a message when it is absent. The report itself has no JavaScript: the test loads a
copy with a test-only script appended that records, for every <img>, whether it loaded
(``complete && naturalWidth > 0``), and reads the verdict back with ``--dump-dom``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from infgrad.proofs_check.cli import main
from fake_project import install_fake_project

pytestmark = pytest.mark.slow

PROBE = """
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = "images=" + imgs.length + " loaded=" + ok.length +
    " sizes=" + imgs.map(function (i) { return i.naturalWidth + "x" + i.naturalHeight; }).join(",");
  document.body.appendChild(out);
});
</script>
"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("headless Chromium is not installed (Debian: apt-get install -y chromium); "
                "the browser check of report.html is skipped")


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


@pytest.fixture
def report_dir(tmp_path, monkeypatch) -> Path:
    install_fake_project(tmp_path, monkeypatch)
    out = tmp_path / "r"
    assert main(["report", "--out", str(out), "--quiet", "--device", "cpu"]) == 1
    return out


def test_every_figure_of_the_html_report_loads_in_headless_chromium(tmp_path, report_dir):
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page  # the report itself needs no JavaScript
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = browser(tmp_path, "--dump-dom", probe.as_uri())
    match = re.search(r'<pre id="probe">images=(\d+) loaded=(\d+) sizes=([\dx,]*)</pre>', done.stdout)
    assert match, f"no probe result in the DOM; stderr tail: {done.stderr[-500:]}"
    images, loaded = int(match.group(1)), int(match.group(2))
    assert images >= 1 and loaded == images
    for size in match.group(3).split(","):
        width, height = (int(v) for v in size.split("x"))
        assert width > 50 and height > 50


def test_a_screenshot_of_the_html_report_is_not_blank(tmp_path, report_dir):
    from matplotlib.image import imread

    shot = tmp_path / "shot.png"
    browser(tmp_path, "--window-size=1200,1600", f"--screenshot={shot}", (report_dir / "report.html").as_uri())
    assert shot.is_file(), "chromium wrote no screenshot"
    pixels = imread(shot)
    assert pixels.shape[0] == 1600 and pixels.shape[1] == 1200
    assert pixels[..., :3].std() > 0.02  # text and tables, not an empty page


def test_the_browser_probe_notices_an_image_that_does_not_decode(tmp_path, report_dir):
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    broken = page.replace('src="data:image/png;base64,', 'src="data:image/png;base64,AAAA', 1)
    probe = tmp_path / "broken.html"
    probe.write_text(broken.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = browser(tmp_path, "--dump-dom", probe.as_uri())
    match = re.search(r'<pre id="probe">images=(\d+) loaded=(\d+)', done.stdout)
    assert match and int(match.group(2)) == int(match.group(1)) - 1


READER = """
<script>
window.addEventListener("load", function () {
  var details = Array.prototype.slice.call(document.querySelectorAll("details"));
  details.forEach(function (d) { d.open = true; });  // read the folded evidence too
  var maths = Array.prototype.slice.call(document.getElementsByTagName("math"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.claim"));
  var out = document.createElement("pre");
  out.id = "reader";
  out.textContent = JSON.stringify({
    maths: maths.length,
    mathml_namespace: maths.every(function (m) { return m.namespaceURI === "http://www.w3.org/1998/Math/MathML"; }),
    rendered: maths.filter(function (m) { var r = m.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length,
    // a fraction laid out as MathML stacks numerator over denominator: taller than its numerator
    stacked: Array.prototype.slice.call(document.getElementsByTagName("mfrac")).map(function (f) {
      return f.getBoundingClientRect().height / f.firstElementChild.getBoundingClientRect().height; }),
    details_per_section: sections.map(function (s) { return [s.id, s.querySelectorAll("details").length]; }),
    text: document.body.innerText
  });
  document.body.appendChild(out);
});
</script>
"""


def read_in_browser(tmp_path: Path, page: str) -> dict:
    probe = tmp_path / "reader.html"
    probe.write_text(page.replace("</body>", READER + "</body>"), encoding="utf-8")
    done = browser(tmp_path, "--dump-dom", probe.as_uri())
    match = re.search(r'<pre id="reader">(.*?)</pre>', done.stdout, re.S)
    assert match, f"no reader result in the DOM; stderr tail: {done.stderr[-500:]}"
    return json.loads(html.unescape(match.group(1)))


def test_chromium_renders_the_maths_as_mathml_with_a_details_block_per_claim_and_no_latex(tmp_path, report_dir):
    from infgrad.proofs_check.claims.model import CLAIMS

    seen = read_in_browser(tmp_path, (report_dir / "report.html").read_text(encoding="utf-8"))
    assert seen["maths"] >= 1 and seen["mathml_namespace"]
    assert seen["rendered"] == seen["maths"], "every <math> element takes up space on the page"
    assert seen["stacked"] and min(seen["stacked"]) > 1.5, seen["stacked"]
    assert [sid for sid, _ in seen["details_per_section"]] == list(CLAIMS)
    assert all(n >= 1 for _, n in seen["details_per_section"])
    text = seen["text"]
    assert "S/(d*n)" not in text  # the fake check's gamma* is shown as MathML, not its plain form
    for mark in ("\\frac", "\\left", "^{", "\\gamma", "\\mathrm", "\\log"):
        assert mark not in text, f"raw LaTeX {mark!r} is visible"
    assert "pass when the residual reduces to 0 exactly" in text and "[0.1, 0.3]" in text


def test_the_reader_probe_would_see_raw_latex_if_a_page_showed_it(tmp_path, report_dir):
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    leaky = page.replace("</details>", "<code>\\frac{m^{2}}{2}</code></details>", 1)
    seen = read_in_browser(tmp_path, leaky)
    assert "\\frac{m^{2}}{2}" in seen["text"]  # inside a details block that the reader opened
