//! The table `make bench` prints: each measurement as ratios of the reference server to its
//! peers measured in the same run, the absolute figures beside them, and the machine.

use std::fmt;

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    what: String,
    reference: f64,
    tokio: Option<f64>,
    seed: Option<f64>,
    target: String,
    met: bool,
    /// Whether the figure is a ratio by itself (no peers).
    ratio_only: bool,
}

impl Row {
    /// A figure of the reference beside its peers' (the target says which way is better).
    pub fn versus(
        what: &str,
        reference: f64,
        tokio: f64,
        seed: Option<f64>,
        target: &str,
        met: bool,
    ) -> Row {
        Row {
            what: what.to_owned(),
            reference,
            tokio: Some(tokio),
            seed,
            target: target.to_owned(),
            met,
            ratio_only: false,
        }
    }

    /// A figure of the reference alone, against a fixed target.
    pub fn absolute(what: &str, reference: f64, target: &str, met: bool) -> Row {
        Row {
            tokio: None,
            seed: None,
            ..Row::versus(what, reference, 0.0, None, target, met)
        }
    }

    /// A ratio of two measurements of the reference.
    pub fn agreement(what: &str, ratio: f64, target: &str, met: bool) -> Row {
        Row {
            ratio_only: true,
            ..Row::absolute(what, ratio, target, met)
        }
    }
}

/// The whole table.
#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
    /// Every load run delivered every message exactly once.
    pub exactly_once: bool,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }
}

fn figure(value: f64) -> String {
    match value {
        v if v >= 100.0 => format!("{v:.0}"),
        v if v >= 1.0 => format!("{v:.2}"),
        v => format!("{v:.3}"),
    }
}

fn ratio(reference: f64, peer: Option<f64>) -> String {
    match peer {
        Some(peer) if peer > 0.0 => format!("{:.2}×", reference / peer),
        Some(_) => "∞".to_owned(),
        None => "—".to_owned(),
    }
}

/// The machine: cores, CPU model, load average when the table was printed.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!("{cores} cores, {model}, load average {load}")
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\nmachine: {}", machine())?;
        writeln!(
            f,
            "| measure | ref ÷ tokio-peer | ref ÷ seed.py | reference | tokio-peer | seed.py | target | met |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|---|")?;
        for row in &self.rows {
            let reference = if row.ratio_only {
                format!("{:.2}×", row.reference)
            } else {
                figure(row.reference)
            };
            let peer = |p: Option<f64>| p.map_or("—".to_owned(), figure);
            writeln!(
                f,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                row.what,
                ratio(row.reference, row.tokio),
                ratio(row.reference, row.seed),
                reference,
                peer(row.tokio),
                peer(row.seed),
                row.target,
                if row.met { "yes" } else { "NO" }
            )?;
        }
        let verdict = if self.exactly_once {
            "every load run delivered every message exactly once"
        } else {
            "WARNING: some load run lost, duplicated or garbled messages (see the figures)"
        };
        writeln!(f, "{verdict}")
    }
}
