//! Reading a `[grading]` table: every key checked by hand, so that an error names the key
//! in full (`grading.weights.join`) and says what it must be.

use toml::{Table, Value};

use super::{Grading, GradingError, Visibility};

/// The keys a `[grading]` table may have.
const KEYS: &str = "total, visibility, weights, test_visibility";

/// The `[grading]` table of TOML `text`, with `name` for errors; `None` when it has none. In
/// a grading file of its own (`own_file`) any other top-level key is an error.
pub(super) fn grading_table(
    name: &str,
    text: &str,
    own_file: bool,
) -> Result<Option<(String, Table)>, GradingError> {
    let mut document: Table = toml::from_str(text).map_err(|e| GradingError::Syntax {
        path: name.to_owned(),
        message: e.to_string().trim_end().replace('\n', " "),
    })?;
    if own_file && let Some(other) = document.keys().find(|k| *k != "grading") {
        return Err(key_error(
            name,
            other,
            "unknown in a grading file, which holds only a [grading] table",
        ));
    }
    match document.remove("grading") {
        None => Ok(None),
        Some(Value::Table(table)) => Ok(Some((name.to_owned(), table))),
        Some(other) => Err(key_error(
            name,
            "grading",
            format!("must be a table ([grading]), not {}", other.type_str()),
        )),
    }
}

/// Checks a `[grading]` table.
pub(super) fn parse(name: &str, table: &Table) -> Result<Grading, GradingError> {
    let mut grading = Grading::default();
    for (key, value) in table {
        let full = format!("grading.{key}");
        match key.as_str() {
            "total" => {
                let total = number(name, &full, value)?;
                if total <= 0.0 {
                    return Err(key_error(name, &full, "must be more than 0"));
                }
                grading.total = Some(total);
            }
            "visibility" => grading.visibility = visibility(name, &full, value)?,
            "weights" => {
                for (test, weight) in entries(name, &full, value)? {
                    let weight = number(name, &format!("{full}.{test}"), weight)?;
                    grading.weights.push((test.clone(), weight));
                }
            }
            "test_visibility" => {
                for (test, v) in entries(name, &full, value)? {
                    let v = visibility(name, &format!("{full}.{test}"), v)?;
                    grading.test_visibility.push((test.clone(), v));
                }
            }
            _ => {
                return Err(key_error(
                    name,
                    &full,
                    format!("unknown key; a [grading] table has {KEYS}"),
                ));
            }
        }
    }
    Ok(grading)
}

fn key_error(name: &str, key: &str, message: impl Into<String>) -> GradingError {
    GradingError::Key {
        path: name.to_owned(),
        key: key.to_owned(),
        message: message.into(),
    }
}

/// A number of at least 0 (an integer or a finite float).
fn number(name: &str, key: &str, value: &Value) -> Result<f64, GradingError> {
    let n = match value {
        Value::Integer(i) => *i as f64,
        Value::Float(f) => *f,
        other => {
            return Err(key_error(
                name,
                key,
                format!("must be a number, not {}", other.type_str()),
            ));
        }
    };
    if !n.is_finite() || n < 0.0 {
        return Err(key_error(name, key, "must be a number of at least 0"));
    }
    if n > 1e9 {
        return Err(key_error(name, key, "must be at most 1000000000"));
    }
    Ok(n)
}

/// One of Gradescope's visibility values.
fn visibility(name: &str, key: &str, value: &Value) -> Result<Visibility, GradingError> {
    let known = || {
        Visibility::ALL
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = value.as_str().ok_or_else(|| {
        key_error(
            name,
            key,
            format!("must be one of {}, not {}", known(), value.type_str()),
        )
    })?;
    Visibility::ALL
        .iter()
        .find(|(n, _)| *n == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| key_error(name, key, format!("`{text}` is not one of {}", known())))
}

/// The entries of a sub-table (`[grading.weights]`), none with an empty name.
fn entries<'a>(name: &str, key: &str, value: &'a Value) -> Result<&'a Table, GradingError> {
    let table = value.as_table().ok_or_else(|| {
        key_error(
            name,
            key,
            format!(
                "must be a table of test ids, requirement ids or groups, not {}",
                value.type_str()
            ),
        )
    })?;
    if table.keys().any(|k| k.trim().is_empty()) {
        return Err(key_error(name, key, "has an empty name"));
    }
    Ok(table)
}
