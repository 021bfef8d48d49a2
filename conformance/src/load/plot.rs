//! `--plot FILE.svg`: latency over the run (p50, p99 and max of each 100 ms bin) above the
//! latency distribution (a percentile plot, stretched towards the tail as HdrHistogram's are).

use std::path::Path;

use plotters::prelude::*;

use super::report::LoadReport;

const SIZE: (u32, u32) = (1000, 800);
/// Room right of the plots: the last x label is centred on the right edge of the axis, and
/// half of it would fall outside the picture ("99.999%").
const RIGHT_MARGIN: u32 = 48;

/// Writes the two plots of `report` to `path` as SVG.
pub fn write_svg(report: &LoadReport, path: &Path) -> Result<(), String> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    draw(report, &root).map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
    root.present()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;
/// Picks one figure of a time bin.
type BinValue = fn(&super::recorder::BinSummary) -> u64;

fn draw(report: &LoadReport, root: &Area<'_>) -> DrawResult {
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(SIZE.1 / 2);
    over_time(report, &top)?;
    distribution(report, &bottom)
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// The upper plot's title: the load, as the run was asked for. (Not the target: a spawned
/// server's address is a throwaway port.)
fn title(report: &LoadReport) -> String {
    let pace = match report.rate_per_sender {
        Some(rate) => format!("{rate} msg/s each"),
        None => "as fast as they can".to_owned(),
    };
    format!(
        "{} users, {} senders at {pace} — latency over the run",
        report.users, report.senders
    )
}

/// Latency per time bin: one line for p50, p99 and max.
fn over_time(report: &LoadReport, area: &Area<'_>) -> DrawResult {
    let bins: Vec<_> = report
        .timeline
        .iter()
        .filter(|b| b.deliveries > 0)
        .collect();
    let end = bins.last().map_or(1.0, |b| b.at_s + 0.1);
    let top = bins.iter().map(|b| ms(b.max_ns)).fold(0.1, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption(title(report), ("sans-serif", 18))
        .margin(12)
        .margin_right(RIGHT_MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..end, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the first message")
        .y_desc("latency (ms)")
        .draw()?;
    let series: [(&str, RGBColor, BinValue); 3] = [
        ("max", RED, |b| b.max_ns),
        ("p99", BLUE, |b| b.p99_ns),
        ("p50", GREEN, |b| b.p50_ns),
    ];
    for (label, color, value) in series {
        chart
            .draw_series(LineSeries::new(
                bins.iter().map(|b| (b.at_s, ms(value(b)))),
                &color,
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    Ok(())
}

/// Latency against percentile; x is `-log10(1 - q)`, so 90%, 99%, 99.9% are evenly spaced.
fn distribution(report: &LoadReport, area: &Area<'_>) -> DrawResult {
    let points: Vec<(f64, f64)> = report
        .distribution
        .iter()
        .map(|&(q, ns)| (-(1.0 - q).max(1e-5).log10(), ms(ns)))
        .collect();
    let top = points.iter().map(|p| p.1).fold(0.1, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(area)
        .caption("latency distribution", ("sans-serif", 18))
        .margin(12)
        .margin_right(RIGHT_MARGIN)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..5.0, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_labels(6)
        .x_label_formatter(&|x| percentile_label(*x))
        .draw()?;
    chart.draw_series(LineSeries::new(points, &BLUE))?;
    Ok(())
}

/// `0` → "0%", `1` → "90%", `2` → "99%", `3` → "99.9%".
fn percentile_label(x: f64) -> String {
    let q = (1.0 - 10f64.powf(-x)) * 100.0;
    let decimals = (x.round() as usize).saturating_sub(2);
    format!("{q:.decimals$}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_labels_read_as_nines() {
        assert_eq!(percentile_label(0.0), "0%");
        assert_eq!(percentile_label(1.0), "90%");
        assert_eq!(percentile_label(2.0), "99%");
        assert_eq!(percentile_label(3.0), "99.9%");
        assert_eq!(percentile_label(4.0), "99.99%");
    }
}
