//! The class report as CSV, for a spreadsheet: one row per submission, a column per test
//! (the points it earned; empty when it was skipped or not in its run), then `points`,
//! `max` and `problem`. No timings, so the same grades give the same file.

use super::matrix::{Matrix, points};

/// Renders the CSV (RFC 4180: fields with a comma, quote or line break are quoted; lines end
/// with `\r\n`).
pub fn render(matrix: &Matrix) -> String {
    let mut out = String::new();
    let mut header = vec!["submission".to_owned()];
    header.extend(matrix.columns.iter().map(|c| c.id.clone()));
    header.extend(["points", "max", "problem"].map(str::to_owned));
    line(&mut out, &header);
    for row in &matrix.rows {
        let mut fields = vec![row.name.clone()];
        for c in 0..matrix.columns.len() {
            fields.push(match row.test(c) {
                Some(t) if t.outcome != "skipped" => points(t.points),
                _ => String::new(),
            });
        }
        fields.push(points(row.report.score.points));
        fields.push(points(row.report.score.max));
        fields.push(row.problem.clone().unwrap_or_default());
        line(&mut out, &fields);
    }
    out
}

fn line(out: &mut String, fields: &[String]) {
    let quoted: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_that_need_it_are_quoted() {
        assert_eq!(field("ana"), "ana");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\"\nnow"), "\"say \"\"hi\"\"\nnow\"");
    }
}
