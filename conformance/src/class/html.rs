//! The class report as one self-contained HTML file: no CDN, no request of any kind, readable
//! offline. The matrix is plain HTML (it shows without JavaScript); a small inline script
//! makes the headers sort and a click on a cell (or Enter on it) open that test's story:
//! outcome, requirement, `Expected:`, `Actual:` and the transcript, from a JSON block
//! embedded in the page. Opening the page at `#cell=ROW,COL` clicks that cell on load, which
//! is how a headless browser checks it (`make check-class-html`).

use std::fmt::Write as _;

use serde::Serialize;

use super::matrix::{Matrix, points};
use crate::model::TranscriptLine;

/// A cell's story, as the page's script reads it.
#[derive(Serialize)]
struct Story<'a> {
    submission: &'a str,
    test: &'a str,
    requirement: &'a str,
    title: &'a str,
    outcome: &'a str,
    points: String,
    detail: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    transcript: &'a [TranscriptLine],
}

/// The CSS class of an outcome: its colour in the matrix.
fn class_of(outcome: &str) -> &'static str {
    match outcome {
        "passed" => "pass",
        "failed" => "fail",
        "failed in setup" => "setup",
        "intermittent" => "flaky",
        "not run" => "notrun",
        _ => "skip",
    }
}

/// The mark shown in a cell.
fn mark_of(outcome: &str) -> &'static str {
    match outcome {
        "passed" => "✓",
        "failed" => "✗",
        "failed in setup" => "S",
        "intermittent" => "~",
        "not run" => "–",
        _ => "·",
    }
}

/// Renders the page.
///
/// # Errors
///
/// Only if serialising the embedded stories fails (it does not for well-formed reports).
pub fn render(matrix: &Matrix) -> serde_json::Result<String> {
    let mut stories: Vec<Vec<Option<Story>>> = Vec::new();
    for row in &matrix.rows {
        let cells = (0..matrix.columns.len())
            .map(|c| {
                row.test(c).map(|t| Story {
                    submission: &row.name,
                    test: &t.id,
                    requirement: &t.requirement,
                    title: &t.title,
                    outcome: &t.outcome,
                    points: format!("{} of {}", points(t.points), points(t.max_points)),
                    detail: &t.detail,
                    expected: t.expected.as_deref(),
                    actual: t.actual.as_deref(),
                    transcript: &t.transcript,
                })
            })
            .collect();
        stories.push(cells);
    }
    // `<` escaped, so no text in a report can end the script element.
    let data = serde_json::to_string(&stories)?.replace('<', "\\u003c");
    let mut out = String::with_capacity(64 * 1024 + data.len());
    out.push_str(HEAD);
    let rows = matrix.rows.len();
    let mean = matrix
        .rows
        .iter()
        .map(|r| r.report.score.points)
        .sum::<f64>()
        / rows as f64;
    let max = matrix
        .rows
        .iter()
        .map(|r| r.report.score.max)
        .fold(0.0, f64::max);
    let problems = matrix.rows.iter().filter(|r| r.problem.is_some()).count();
    let _ = write!(
        out,
        "<h1>Class report</h1>\n<p id=\"summary\">{rows} submissions, {} tests; mean {} of {} \
         points; {problems} could not be tested. Click a cell for its story, a header to sort.</p>\n",
        matrix.columns.len(),
        points((mean * 100.0).round() / 100.0),
        points(max),
    );
    out.push_str(LEGEND);
    out.push_str("<div class=\"scroll\"><table id=\"matrix\">\n<thead><tr>");
    out.push_str("<th class=\"name\" data-sort=\"text\">submission</th>");
    out.push_str("<th data-sort=\"num\">points</th>");
    for g in &matrix.groups {
        let _ = write!(out, "<th class=\"group\" data-sort=\"num\">{}</th>", esc(g));
    }
    for c in &matrix.columns {
        let _ = write!(
            out,
            "<th class=\"test\" data-sort=\"num\" title=\"{} ({}): {}\"><span>{}</span></th>",
            esc(&c.id),
            esc(&c.requirement),
            esc(&c.title),
            esc(&c.id)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in matrix.rows.iter().enumerate() {
        let score = &row.report.score;
        let _ = write!(
            out,
            "<tr><th class=\"name\" data-v=\"{0}\">{0}{1}</th><td class=\"total\" data-v=\"{2}\">{3}/{4}</td>",
            esc(&row.name),
            row.problem.as_deref().map_or(String::new(), |p| format!(
                "<div class=\"problem\">{}</div>",
                esc(p)
            )),
            score.points,
            points(score.points),
            points(score.max)
        );
        for g in &matrix.groups {
            let (p, m) = row.group_points(g);
            let share = if m > 0.0 { p / m } else { 1.0 };
            let _ = write!(
                out,
                "<td class=\"group\" data-v=\"{share}\">{}/{}</td>",
                points(p),
                points(m)
            );
        }
        for (c, col) in matrix.columns.iter().enumerate() {
            match row.test(c) {
                Some(t) => {
                    let _ = write!(
                        out,
                        "<td class=\"cell {}\" tabindex=\"0\" data-r=\"{r}\" data-c=\"{c}\" \
                         data-v=\"{}\" title=\"{}: {}\">{}</td>",
                        class_of(&t.outcome),
                        t.points,
                        esc(&col.id),
                        esc(&t.outcome),
                        mark_of(&t.outcome)
                    );
                }
                None => out.push_str("<td class=\"cell absent\" data-v=\"-1\"></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n<tfoot><tr><th class=\"name\">passed by</th><td></td>");
    for _ in &matrix.groups {
        out.push_str("<td></td>");
    }
    for c in 0..matrix.columns.len() {
        match matrix.pass_rate(c) {
            Some(rate) => {
                let _ = write!(out, "<td class=\"rate\">{:.0}%</td>", rate * 100.0);
            }
            None => out.push_str("<td class=\"rate\">–</td>"),
        }
    }
    out.push_str("</tr></tfoot>\n</table></div>\n");
    out.push_str(
        "<section id=\"story\" hidden><h2 id=\"story-title\"></h2><dl id=\"story-facts\"></dl>\
         <h3>Transcript</h3><pre id=\"story-transcript\"></pre></section>\n",
    );
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"stories\">{data}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    Ok(out)
}

/// `text` escaped for HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

const HEAD: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 5px; text-align: center; }
th[data-sort] { cursor: pointer; background: #f3f3f3; }
th.test { vertical-align: bottom; height: 9em; }
th.test span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
th.name { text-align: left; white-space: nowrap; }
.problem { font-weight: normal; font-size: 12px; color: #8a1f11; max-width: 28em; white-space: normal; }
td.cell { cursor: pointer; min-width: 1.4em; }
td.pass { background: #b7e4b0; } td.fail { background: #f4a6a6; }
td.setup { background: #f7c58b; } td.flaky { background: #e6b3e6; }
td.notrun { background: #c9c9c9; } td.skip { background: #fff; color: #999; }
td.absent { background: repeating-linear-gradient(45deg, #fff, #fff 3px, #eee 3px, #eee 6px); }
td.selected { outline: 3px solid #1a4fd6; }
td.rate { font-size: 12px; }
.legend span { display: inline-block; padding: 1px 6px; margin-right: 4px; border: 1px solid #ccc; }
#story { margin-top: 1.5em; border-top: 2px solid #1a4fd6; padding-top: .5em; }
#story dt { font-weight: bold; margin-top: .4em; }
#story dd { margin-left: 1em; white-space: pre-wrap; font-family: ui-monospace, monospace; }
pre { background: #f7f7f7; padding: .5em; overflow-x: auto; }
</style></head><body>
"#;

const LEGEND: &str = "<p class=\"legend\"><span style=\"background:#b7e4b0\">✓ passed</span>\
<span style=\"background:#f4a6a6\">✗ failed</span><span style=\"background:#f7c58b\">S failed in setup</span>\
<span style=\"background:#e6b3e6\">~ intermittent</span><span style=\"background:#c9c9c9\">– not run</span>\
<span>· skipped</span></p>\n";

const SCRIPT: &str = r#"
(function () {
  const stories = JSON.parse(document.getElementById('stories').textContent);
  const table = document.getElementById('matrix');
  const story = document.getElementById('story');
  function fact(dl, name, value) {
    if (value === null || value === undefined || value === '') return;
    const dt = document.createElement('dt'); dt.textContent = name;
    const dd = document.createElement('dd'); dd.textContent = value;
    dl.append(dt, dd);
  }
  function open(cell) {
    const s = stories[+cell.dataset.r][+cell.dataset.c];
    if (!s) return;
    table.querySelectorAll('td.selected').forEach(function (c) { c.classList.remove('selected'); });
    cell.classList.add('selected');
    document.getElementById('story-title').textContent =
      s.submission + ' — ' + s.test + ' (' + s.requirement + '): ' + s.outcome;
    const dl = document.getElementById('story-facts');
    dl.replaceChildren();
    fact(dl, 'Test', s.title);
    fact(dl, 'Points', s.points);
    fact(dl, 'Expected', s.expected);
    fact(dl, 'Actual', s.actual);
    fact(dl, 'Explanation', s.detail);
    document.getElementById('story-transcript').textContent = s.transcript.length
      ? s.transcript.map(function (l) {
          const arrow = l.direction === 'sent' ? '→' : l.direction === 'received' ? '←' : '∙';
          return '+' + l.at_ms + 'ms ' + l.user + ' ' + arrow + ' ' + l.text;
        }).join('\n')
      : '(none: a transcript is kept for failures)';
    story.hidden = false;
  }
  table.addEventListener('click', function (e) {
    const cell = e.target.closest('td.cell');
    if (cell) open(cell);
  });
  table.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && e.target.matches('td.cell')) open(e.target);
  });
  table.querySelectorAll('thead th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      const body = table.tBodies[0];
      const down = th.dataset.dir !== 'down';
      th.dataset.dir = down ? 'down' : 'up';
      const key = function (row) {
        const c = row.children[col];
        return th.dataset.sort === 'num' ? parseFloat(c.dataset.v) : c.dataset.v || c.textContent;
      };
      const rows = Array.from(body.rows).sort(function (a, b) {
        const x = key(a), y = key(b);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return down ? -order : order;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  const want = /^#cell=(\d+),(\d+)$/.exec(location.hash);
  if (want) {
    const cell = table.querySelector('td[data-r="' + want[1] + '"][data-c="' + want[2] + '"]');
    if (cell) cell.click();
  }
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
