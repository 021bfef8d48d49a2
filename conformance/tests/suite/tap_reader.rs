//! A strict reader of TAP version 14, as much of it as a flat stream uses: the version line
//! first, the plan exactly once (first or last), test points numbered 1, 2, … with `ok` or
//! `not ok`, a description after ` - ` with no unescaped `#` except before a `SKIP` or
//! `TODO` directive, YAML blocks (`  ---` … `  ...`) right after a test point, comments.
//! Anything else is an error naming the line.

/// One test point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub ok: bool,
    pub number: usize,
    pub description: String,
    /// `SKIP reason`, if any.
    pub skip: Option<String>,
    /// The YAML block's lines, without the two spaces of indentation.
    pub yaml: Vec<String>,
}

/// A whole stream.
#[derive(Debug)]
pub struct Stream {
    pub planned: usize,
    pub points: Vec<Point>,
    pub comments: Vec<String>,
}

/// Reads a TAP 14 stream, or says which line breaks the rules.
pub fn read(text: &str) -> Result<Stream, String> {
    let mut lines = text.lines().enumerate().peekable();
    match lines.next() {
        Some((_, "TAP version 14")) => {}
        other => return Err(format!("line 1 must be `TAP version 14`, is {other:?}")),
    }
    let mut planned = None;
    let mut points: Vec<Point> = Vec::new();
    let mut comments = Vec::new();
    while let Some((i, line)) = lines.next() {
        let at = |what: &str| format!("line {}: {what}: {line:?}", i + 1);
        if let Some(plan) = line.strip_prefix("1..") {
            if planned.is_some() {
                return Err(at("a second plan"));
            }
            if !points.is_empty() && lines.peek().is_some_and(|(_, l)| !l.starts_with('#')) {
                return Err(at("a plan between test points"));
            }
            planned = Some(plan.parse::<usize>().map_err(|_| at("a bad plan"))?);
        } else if let Some(comment) = line.strip_prefix('#') {
            comments.push(comment.trim().to_owned());
        } else if line == "  ---" {
            let Some(last) = points.last_mut() else {
                return Err(at("a YAML block before any test point"));
            };
            if !last.yaml.is_empty() {
                return Err(at("a second YAML block"));
            }
            loop {
                let Some((j, inner)) = lines.next() else {
                    return Err(at("a YAML block never closed with `  ...`"));
                };
                if inner == "  ..." {
                    break;
                }
                let Some(content) = inner.strip_prefix("  ") else {
                    return Err(format!("line {}: YAML not indented: {inner:?}", j + 1));
                };
                last.yaml.push(content.to_owned());
            }
            if last.yaml.is_empty() {
                return Err(at("an empty YAML block"));
            }
        } else if line.starts_with("ok ") || line.starts_with("not ok ") {
            points.push(point(line, points.len() + 1).map_err(|e| at(&e))?);
        } else {
            return Err(at("not TAP"));
        }
    }
    let planned = planned.ok_or("no plan")?;
    if planned != points.len() {
        return Err(format!(
            "planned {planned}, got {} test points",
            points.len()
        ));
    }
    Ok(Stream {
        planned,
        points,
        comments,
    })
}

/// One test point line, which must carry `number`.
fn point(line: &str, number: usize) -> Result<Point, String> {
    let (ok, rest) = match line.strip_prefix("not ok ") {
        Some(rest) => (false, rest),
        None => (true, &line[3..]),
    };
    let (n, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if n.parse::<usize>() != Ok(number) {
        return Err(format!("test point number {n}, expected {number}"));
    }
    let rest = rest
        .strip_prefix("- ")
        .ok_or("no ` - ` before the description")?;
    // The first `#` that is not escaped starts the directive.
    let mut escaped = false;
    let mut split = None;
    for (i, c) in rest.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '#' if !escaped => {
                split = Some(i);
                break;
            }
            _ => escaped = false,
        }
    }
    let (description, skip) = match split {
        Some(i) => {
            let directive = rest[i + 1..].trim_start();
            let reason = directive
                .strip_prefix("SKIP")
                .ok_or(format!("an unescaped `#` before {directive:?}"))?;
            (rest[..i].trim_end(), Some(reason.trim().to_owned()))
        }
        None => (rest, None),
    };
    if skip.is_some() && !ok {
        return Err("a SKIP on a `not ok`".to_owned());
    }
    Ok(Point {
        ok,
        number,
        description: description.to_owned(),
        skip,
        yaml: Vec::new(),
    })
}

/// The value of `key` in a YAML block whose values are double-quoted (JSON) strings,
/// numbers or flow maps; `None` when absent. A value that is not valid is an error.
pub fn yaml_value(yaml: &[String], key: &str) -> Option<Result<serde_json::Value, String>> {
    let prefix = format!("{key}: ");
    let line = yaml.iter().find(|l| l.starts_with(&prefix))?;
    let value = &line[prefix.len()..];
    Some(serde_json::from_str(value).map_err(|e| format!("{key}: {value:?}: {e}")))
}

#[test]
fn the_reader_is_strict() {
    let good =
        "TAP version 14\n1..2\nok 1 - a \\# b\nnot ok 2 - c\n  ---\n  x: \"y\"\n  ...\n# c\n";
    let stream = read(good).unwrap();
    assert_eq!(stream.points.len(), 2);
    assert_eq!(stream.points[0].description, "a \\# b");
    assert_eq!(
        yaml_value(&stream.points[1].yaml, "x"),
        Some(Ok("y".into()))
    );
    assert!(
        read("TAP version 14\nok 1 - a\n1..1\n").is_ok(),
        "a plan may come last"
    );
    for bad in [
        "TAP version 13\n1..0\n",
        "TAP version 14\n",
        "TAP version 14\n1..2\nok 1 - a\n",
        "TAP version 14\n1..1\n1..1\nok 1 - a\n",
        "TAP version 14\n1..1\nok 2 - a\n",
        "TAP version 14\n1..1\nok 1 a\n",
        "TAP version 14\n1..1\nok 1 - a # b\n",
        "TAP version 14\n1..1\nnot ok 1 - a # SKIP b\n",
        "TAP version 14\n1..1\nnot ok 1 - a\n  ---\n  x: 1\n",
        "TAP version 14\n1..1\nnot ok 1 - a\n  ---\n x: 1\n  ...\n",
        "TAP version 14\n1..1\nbanana\nok 1 - a\n",
        "TAP version 14\n  ---\n  ...\n1..0\n",
    ] {
        assert!(read(bad).is_err(), "{bad:?} was read");
    }
    let yaml = vec!["x: not json".to_owned()];
    assert!(yaml_value(&yaml, "x").unwrap().is_err());
}
