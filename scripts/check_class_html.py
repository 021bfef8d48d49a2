#!/usr/bin/env python3
"""The class report, checked in a real browser (`make check-class-html`).

Grades a small copy of the fixture class (fixtures/class/) with `conformance class`, opens
the HTML report in headless Chromium at `#cell=ROW,COL` (the page clicks that cell on load,
through its own click handler) and checks the DOM the browser made of it: the matrix has a
row per submission, the cell is selected, and the story panel shows that failure's test,
`Expected`, `Actual` and its transcript. A screenshot is left beside the report.

Needs Chromium (`apt-get install -y chromium`). Usage:
  python3 scripts/check_class_html.py --conformance target/debug/conformance [--keep DIR]
"""

import argparse
import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ["faithful", "echo", "double-leave", "crash-at-start", "skips-own-tests"]
FILTERS = ["join.single", "broadcast.no_echo", "leave.quit", "quit.not_broadcast"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check-class-html: Chromium not found; install it with `apt-get install -y chromium`")


def browser(binary, *args):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--window-size=1400,1400", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"check-class-html: {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conformance", required=True)
    parser.add_argument("--keep", help="leave the class, its reports and the screenshot here")
    args = parser.parse_args()
    binary = chromium()
    work = Path(args.keep or tempfile.mkdtemp(prefix="check-class-html-"))
    # mkdtemp makes it 0700: a jail would then see the submission alone, not the servers/
    # beside class/ that the fixture students run.
    work.chmod(0o755)
    shutil.rmtree(work / "class", ignore_errors=True)
    (work / "servers").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "fixtures/servers/seed_server.py", work / "servers")
    for student in STUDENTS:
        shutil.copytree(ROOT / "fixtures/class" / student, work / "class" / student)
    out = work / "out"
    command = [args.conformance, "class", str(work / "class"), "--regrade",
               "--server-cmd", "python3 {dir}/servidor.py --port {port}",
               "--profile", str(ROOT / "fixtures/class/teacher.toml"), "--out-dir", str(out)]
    for f in FILTERS:
        command += ["--filter", f]
    subprocess.run(command, check=True, timeout=600)
    page = out / "class.html"
    source = page.read_text(encoding="utf-8")
    # The first failing cell of the page, as the browser will be asked to click it.
    cell = re.search(r'class="cell fail"[^>]*data-r="(\d+)" data-c="(\d+)"[^>]*title="([^"]*)"', source)
    if not cell:
        sys.exit("check-class-html: the report has no failing cell to open")
    row, col, title = cell.group(1), cell.group(2), html.unescape(cell.group(3))
    url = f"{page.as_uri()}#cell={row},{col}"
    dom = browser(binary, "--dump-dom", url)
    shot = out / "class.png"
    browser(binary, f"--screenshot={shot}", url)
    story = dom[dom.find('<section id="story"'):]
    text = re.sub(r"<[^>]+>", "\n", story)
    failures = []
    rows = len(re.findall(r'<tr><th class="name" data-v=', dom))
    if rows != len(STUDENTS):
        failures.append(f"the matrix has {rows} rows, not {len(STUDENTS)}")
    if 'class="cell fail selected"' not in dom:
        failures.append("no cell is selected after the click")
    if not story.startswith('<section id="story">'):
        failures.append("the story panel is still hidden")
    test_id = title.split(":")[0]
    for wanted in (test_id, "Expected", "Actual", "Transcript", "connected"):
        if wanted not in text:
            failures.append(f"the story panel does not show {wanted!r}")
    if failures:
        sys.exit("check-class-html: " + "; ".join(failures) + f"\n(the page: {page})")
    heading = next(l for l in text.splitlines() if test_id in l)
    print(f"check-class-html: {rows} rows rendered; clicking cell ({row}, {col}) opened "
          f"\"{heading.strip()}\" with Expected, Actual and the transcript; screenshot {shot}")


if __name__ == "__main__":
    main()
