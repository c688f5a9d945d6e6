//! Summaries of repeated runs (median, min, max) and the markdown tables the bench prints.

use std::fmt::Write;

use crate::meter::Sample;

/// How a workload's rate is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Operations per second, printed in thousands (`252.1k`).
    PerSecond,
    /// Bytes per second, printed in GB/s (10^9).
    BytesPerSecond,
}

impl Unit {
    /// Formats one rate.
    pub fn format(self, rate: f64) -> String {
        match self {
            Unit::PerSecond => format!("{:.1}k", rate / 1e3),
            Unit::BytesPerSecond => format!("{:.2} GB/s", rate / 1e9),
        }
    }
}

/// Median, min and max of a row's runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The median rate (mean of the middle two for an even count).
    pub median: f64,
    /// The lowest rate.
    pub min: f64,
    /// The highest rate.
    pub max: f64,
    /// The median of allocations per operation (NaN: not measured, e.g. another process).
    pub allocs_per_op: f64,
    /// How many runs.
    pub runs: usize,
}

/// The median of `values` (sorted in place); `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

/// Summarises the runs of one row; `None` when there are none.
pub fn summarize(samples: &[Sample]) -> Option<Summary> {
    let mut rates: Vec<f64> = samples.iter().map(|s| s.rate).collect();
    let mut allocs: Vec<f64> = samples.iter().map(|s| s.allocs_per_op).collect();
    let median_rate = median(&mut rates)?;
    Some(Summary {
        median: median_rate,
        min: rates[0],
        max: rates[rates.len() - 1],
        allocs_per_op: median(&mut allocs).unwrap_or(0.0),
        runs: samples.len(),
    })
}

/// What a row of a table shows.
#[derive(Clone, Debug)]
pub enum Cell {
    /// Measured runs.
    Measured(Summary),
    /// Not run, with the reason (e.g. "n/a (not built)").
    Absent(String),
    /// Every run failed; the first error.
    Failed(String),
}

/// One printed row.
#[derive(Clone, Debug)]
pub struct Line {
    /// The implementation's label.
    pub label: String,
    /// Its result.
    pub cell: Cell,
    /// The label of the row that the extra ratio column compares this row against, if any.
    pub relative_to: Option<String>,
}

/// Renders a markdown table: one line per row, ratios to `baseline` (a label), and, when
/// `relative_header` is given, an extra column with each row's ratio to its `relative_to` row.
pub fn render(
    title: &str,
    unit: Unit,
    baseline: &str,
    relative_header: Option<&str>,
    lines: &[Line],
) -> String {
    let median_of = |label: &str| {
        lines
            .iter()
            .find_map(|l| match (&l.cell, l.label == label) {
                (Cell::Measured(s), true) => Some(s.median),
                _ => None,
            })
    };
    let base = median_of(baseline);
    let mut out = String::new();
    let _ = writeln!(out, "### {title}\n");
    let _ = write!(
        out,
        "| implementation | median | min | max | vs {baseline} | allocs/op |"
    );
    if let Some(h) = relative_header {
        let _ = write!(out, " {h} |");
    }
    out.push('\n');
    out.push_str("|---|---:|---:|---:|---:|---:|");
    if relative_header.is_some() {
        out.push_str("---:|");
    }
    out.push('\n');
    for line in lines {
        let _ = write!(out, "| {} |", line.label);
        match &line.cell {
            Cell::Measured(s) => {
                let ratio = base.map_or("–".to_string(), |b| format!("{:.2}×", s.median / b));
                let allocs = if s.allocs_per_op.is_nan() {
                    "–".to_string()
                } else {
                    format!("{:.2}", s.allocs_per_op)
                };
                let _ = write!(
                    out,
                    " {} | {} | {} | {} | {allocs} |",
                    unit.format(s.median),
                    unit.format(s.min),
                    unit.format(s.max),
                    ratio,
                );
                if relative_header.is_some() {
                    let rel = line
                        .relative_to
                        .as_deref()
                        .and_then(median_of)
                        .map_or("–".to_string(), |r| format!("{:.3}×", s.median / r));
                    let _ = write!(out, " {rel} |");
                }
            }
            Cell::Absent(why) | Cell::Failed(why) => {
                let _ = write!(out, " {why} | | | | |");
                if relative_header.is_some() {
                    out.push_str(" |");
                }
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(rate: f64) -> Sample {
        Sample {
            rate,
            allocs_per_op: 0.0,
            total_ops: 1,
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn summary_has_min_median_max() {
        let sum = summarize(&[s(5.0), s(1.0), s(3.0)]).unwrap();
        assert_eq!((sum.min, sum.median, sum.max, sum.runs), (1.0, 3.0, 5.0, 3));
    }

    #[test]
    fn table_shows_ratio_to_baseline_and_absent_rows() {
        let lines = vec![
            Line {
                label: "hand".into(),
                cell: Cell::Measured(summarize(&[s(200e3)]).unwrap()),
                relative_to: None,
            },
            Line {
                label: "other".into(),
                cell: Cell::Measured(summarize(&[s(100e3)]).unwrap()),
                relative_to: Some("hand".into()),
            },
            Line {
                label: "mt".into(),
                cell: Cell::Absent("n/a (not built)".into()),
                relative_to: None,
            },
        ];
        let t = render("t", Unit::PerSecond, "hand", Some("vs x"), &lines);
        assert!(
            t.contains("| hand | 200.0k | 200.0k | 200.0k | 1.00× | 0.00 | – |"),
            "{t}"
        );
        assert!(
            t.contains("| other | 100.0k | 100.0k | 100.0k | 0.50× | 0.00 | 0.500× |"),
            "{t}"
        );
        assert!(t.contains("| mt | n/a (not built) |"), "{t}");
    }
}
