//! The chart's geometry, as plain functions: the value range and its round gridlines, the
//! mapping to viewBox coordinates, the runs of points between gaps, the band and line paths,
//! and es-AR number labels.

use shared::iot::dto::{ChartPoint, ChartRange, ChartSeries};

/// The viewBox: wide and short, so a phone shows it at full width and a desktop in two columns.
pub(super) const WIDTH: f64 = 600.0;
pub(super) const HEIGHT: f64 = 200.0;
/// Margins: the x labels need the bottom; the y labels sit inside the plot, over their line.
pub(super) const LEFT: f64 = 4.0;
pub(super) const RIGHT: f64 = 4.0;
pub(super) const TOP: f64 = 6.0;
pub(super) const BOTTOM: f64 = 22.0;

/// What to draw, in viewBox coordinates.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Drawing {
    /// Value gridlines: y and label.
    pub(super) grid: Vec<(f64, String)>,
    /// Min–max band polygons (`points` attributes), one per run of points without a gap.
    pub(super) bands: Vec<String>,
    /// Average polylines, one per run.
    pub(super) lines: Vec<String>,
    /// Lone points (a run of one point has no line to show it).
    pub(super) dots: Vec<(f64, f64)>,
}

/// Maps seconds from the chart's start and values to viewBox coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scale {
    span: f64,
    lo: f64,
    hi: f64,
}

impl Scale {
    fn new(span: i64, (lo, hi): (f64, f64)) -> Self {
        let hi = if hi > lo { hi } else { lo + 1.0 };
        Self { span: span.max(1) as f64, lo, hi }
    }

    fn x(&self, secs: i64) -> f64 {
        LEFT + (secs as f64 / self.span).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        TOP + ((self.hi - value) / (self.hi - self.lo)).clamp(0.0, 1.0) * (HEIGHT - TOP - BOTTOM)
    }
}

/// The whole drawing, or `None` when the series has no points.
pub(super) fn draw(series: &ChartSeries) -> Option<Drawing> {
    let binary = series.kind.is_binary();
    let range = value_range(&series.points, binary)?;
    let scale = Scale::new(series.span, range);
    let step = bucket_seconds(series.span, &series.points);
    let grid = if binary {
        // On/off kinds: the two states in words ("Abierta", "Cerrada"...).
        [0, 1].into_iter().map(|v| (scale.y(f64::from(v)), series.kind.format(v))).collect()
    } else {
        let (ticks, tick_step) = y_ticks(range.0, range.1);
        let decimals = step_decimals(tick_step);
        ticks
            .into_iter()
            .map(|v| (scale.y(v), with_unit(&shared::format::decimal(v, decimals), &series.unit)))
            .collect()
    };
    let mut drawing = Drawing { grid, bands: Vec::new(), lines: Vec::new(), dots: Vec::new() };
    for run in runs(&series.points, step) {
        let upper = trace(run, &scale, step, binary, |p| p.max);
        let lower = trace(run, &scale, step, binary, |p| p.min);
        drawing.bands.push(points_attr(upper.iter().chain(lower.iter().rev())));
        let avg = trace(run, &scale, step, binary, |p| p.avg);
        match avg.as_slice() {
            [only] => drawing.dots.push(*only),
            _ => drawing.lines.push(points_attr(avg.iter())),
        }
    }
    Some(drawing)
}

/// The x labels inside the chart, at their place (`tick.0 / span` of the width).
pub(super) fn x_ticks(series: &ChartSeries) -> Vec<(f64, String)> {
    let scale = Scale::new(series.span, (0.0, 1.0));
    series
        .ticks
        .iter()
        .filter(|(at, _)| (0..=series.span).contains(at))
        .map(|(at, text)| (scale.x(*at), text.clone()))
        .collect()
}

/// The values' range padded by 5% (a flat line gets a band around it); on/off kinds always
/// 0–1. `None` for no points.
fn value_range(points: &[ChartPoint], binary: bool) -> Option<(f64, f64)> {
    let values = points.iter().flat_map(|p| [p.min, p.avg, p.max]).filter(|v| v.is_finite());
    let (lo, hi) = values.fold(None, |acc: Option<(f64, f64)>, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })?;
    if binary {
        return Some((-0.05, 1.05));
    }
    let pad = if hi - lo > 1e-9 * hi.abs().max(1.0) {
        (hi - lo) * 0.05
    } else if lo.abs() > 1e-9 {
        lo.abs() * 0.05
    } else {
        1.0
    };
    Some((lo - pad, hi + pad))
}

/// A bucket's length: the range's (the server buckets by it), else the closest two points'.
fn bucket_seconds(span: i64, points: &[ChartPoint]) -> i64 {
    if let Some(range) = ChartRange::ALL.into_iter().find(|r| r.seconds() == span) {
        return range.step_seconds();
    }
    points.windows(2).map(|w| w[1].x - w[0].x).filter(|dx| *dx > 0).min().unwrap_or((span / 60).max(1))
}

/// Splits the points where buckets are missing (the node was off): more than one empty bucket
/// in a row breaks the line instead of drawing a straight one across the gap.
fn runs(points: &[ChartPoint], step: i64) -> Vec<&[ChartPoint]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].x - points[i - 1].x > 2 * step {
            out.push(&points[start..i]);
            start = i;
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

/// One value of each point of a run, as viewBox points: at each bucket's middle, or for steps
/// held flat across the bucket and kept until the next one.
fn trace(
    run: &[ChartPoint],
    scale: &Scale,
    step: i64,
    steps: bool,
    value: impl Fn(&ChartPoint) -> f64,
) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(run.len() * if steps { 3 } else { 1 });
    let mut push = |p: (f64, f64)| {
        if out.last() != Some(&p) {
            out.push(p);
        }
    };
    for (i, p) in run.iter().enumerate() {
        let y = scale.y(value(p));
        if !steps {
            push((scale.x(p.x + step / 2), y));
            continue;
        }
        if i > 0 {
            push((scale.x(p.x), scale.y(value(&run[i - 1]))));
        }
        push((scale.x(p.x), y));
        push((scale.x(p.x + step), y));
    }
    out
}

/// `x,y x,y ...` with one decimal (the same text on the server and in the browser).
fn points_attr<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> String {
    points.map(|(x, y)| format!("{},{}", fmt(*x), fmt(*y))).collect::<Vec<_>>().join(" ")
}

/// A coordinate with one decimal.
pub(super) fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// Three or four round values between `lo` and `hi` (multiples of 1, 2, 2.5 or 5 times a power
/// of ten) and their step; two or five when no round step gives three or four.
fn y_ticks(lo: f64, hi: f64) -> (Vec<f64>, f64) {
    let range = hi - lo;
    if !range.is_finite() || range <= 0.0 {
        return (vec![lo], 1.0);
    }
    let base = 10f64.powf((range / 10.0).log10().floor());
    let ticks_for = |step: f64| -> Vec<f64> {
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        (first..=last).map(|i| i as f64 * step).collect()
    };
    let mut fallback = None;
    for step in (0..4).flat_map(|e| [1.0, 2.0, 2.5, 5.0].map(|m| m * base * 10f64.powi(e))) {
        let ticks = ticks_for(step);
        if (3..=4).contains(&ticks.len()) {
            return (ticks, step);
        }
        if fallback.is_none() && ticks.len() <= 5 && ticks.len() >= 2 {
            fallback = Some((ticks, step));
        }
    }
    fallback.unwrap_or_else(|| (vec![lo, hi], range))
}

/// Decimals needed to print multiples of `step` exactly (at most 3).
fn step_decimals(step: f64) -> usize {
    (0..=3)
        .find(|d| {
            let scaled = step * 10f64.powi(*d);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .map_or(3, |d| d as usize)
}

fn with_unit(number: &str, unit: &str) -> String {
    if unit.is_empty() { number.to_owned() } else { format!("{number} {unit}") }
}

#[cfg(test)]
mod tests {
    use shared::iot::sensor::SensorKind;

    use super::*;

    fn point(x: i64, avg: f64, min: f64, max: f64) -> ChartPoint {
        ChartPoint { x, avg, min, max }
    }

    fn series(kind: SensorKind, points: Vec<ChartPoint>) -> ChartSeries {
        ChartSeries {
            kind,
            channel: 0,
            title: format!("{} 1", kind.label()),
            unit: kind.unit().to_owned(),
            span: 3_600,
            points,
            ticks: vec![(0, "10:00".into()), (1_800, "10:30".into()), (3_600, "11:00".into())],
            readings: 1_234,
        }
    }

    #[test]
    fn the_range_is_padded_five_percent() {
        let (lo, hi) = value_range(&[point(0, 5.0, 0.0, 10.0), point(60, 6.0, 2.0, 20.0)], false).unwrap();
        assert!((lo - -1.0).abs() < 1e-9 && (hi - 21.0).abs() < 1e-9, "{lo} {hi}");
    }

    #[test]
    fn a_flat_line_gets_room_around_it_and_no_points_no_range() {
        let (lo, hi) = value_range(&[point(0, 4.0, 4.0, 4.0)], false).unwrap();
        assert!(lo < 4.0 && hi > 4.0);
        let (lo, hi) = value_range(&[point(0, 0.0, 0.0, 0.0)], false).unwrap();
        assert_eq!((lo, hi), (-1.0, 1.0));
        assert_eq!(value_range(&[], false), None);
        assert_eq!(value_range(&[point(0, 0.3, 0.0, 1.0)], true), Some((-0.05, 1.05)));
    }

    #[test]
    fn the_scale_maps_the_span_to_the_plot_and_larger_values_higher() {
        let scale = Scale::new(3_600, (0.0, 10.0));
        assert_eq!(scale.x(0), LEFT);
        assert_eq!(scale.x(3_600), WIDTH - RIGHT);
        assert_eq!(scale.x(1_800), LEFT + (WIDTH - LEFT - RIGHT) / 2.0);
        assert_eq!(scale.y(10.0), TOP);
        assert_eq!(scale.y(0.0), HEIGHT - BOTTOM);
        assert!(scale.y(7.0) < scale.y(3.0));
        assert_eq!(scale.x(9_999), WIDTH - RIGHT, "clamped to the plot");
    }

    #[test]
    fn y_ticks_are_three_or_four_round_values_inside_the_range() {
        for (lo, hi) in
            [(-1.0, 21.0), (3.8, 4.2), (0.0, 1_000.0), (-5.3, 12.7), (95.0, 105.0), (0.0, 0.37), (1_234.0, 98_765.0)]
        {
            let (ticks, step) = y_ticks(lo, hi);
            assert!((3..=4).contains(&ticks.len()), "{lo}..{hi}: {ticks:?}");
            assert!(ticks.iter().all(|t| *t >= lo - 1e-9 && *t <= hi + 1e-9), "{lo}..{hi}: {ticks:?}");
            assert!(ticks.windows(2).all(|w| (w[1] - w[0] - step).abs() < 1e-9 * step.max(1.0)));
        }
        for i in 1..2_000 {
            let hi = f64::from(i) * 0.37;
            let (ticks, _) = y_ticks(-0.1 * hi, hi);
            assert!((2..=5).contains(&ticks.len()), "0..{hi}: {ticks:?}");
        }
        assert_eq!(step_decimals(2.5), 1);
        assert_eq!(step_decimals(0.05), 2);
        assert_eq!(step_decimals(500.0), 0);
    }

    #[test]
    fn a_gap_of_more_than_one_bucket_breaks_the_line() {
        let points =
            [point(0, 1.0, 1.0, 1.0), point(60, 1.0, 1.0, 1.0), point(180, 1.0, 1.0, 1.0), point(600, 1.0, 1.0, 1.0)];
        let lens: Vec<usize> = runs(&points, 60).iter().map(|r| r.len()).collect();
        assert_eq!(lens, [3, 1]);
        assert!(runs(&[], 60).is_empty());
    }

    #[test]
    fn averages_sit_mid_bucket_and_steps_hold_until_the_next_bucket() {
        let scale = Scale::new(600, (0.0, 1.0));
        let run = [point(0, 0.0, 0.0, 0.0), point(60, 1.0, 1.0, 1.0)];
        let line = trace(&run, &scale, 60, false, |p| p.avg);
        assert_eq!(line, [(scale.x(30), scale.y(0.0)), (scale.x(90), scale.y(1.0))]);
        let steps = trace(&run, &scale, 60, true, |p| p.avg);
        assert_eq!(
            steps,
            [
                (scale.x(0), scale.y(0.0)),
                (scale.x(60), scale.y(0.0)),
                (scale.x(60), scale.y(1.0)),
                (scale.x(120), scale.y(1.0)),
            ]
        );
        assert_eq!(points_attr([(1.0, 2.26), (3.0, 4.0)].iter()), "1.0,2.3 3.0,4.0");
    }

    #[test]
    fn the_drawing_has_a_band_and_a_line_per_run_and_labels_with_unit() {
        let s = series(
            SensorKind::Temperature,
            vec![point(0, 4.0, 3.5, 4.5), point(60, 5.0, 4.5, 5.5), point(1_200, 6.0, 6.0, 6.0)],
        );
        let d = draw(&s).unwrap();
        assert_eq!(d.bands.len(), 2);
        assert_eq!(d.lines.len(), 1);
        assert_eq!(d.dots.len(), 1, "the lone point is a dot");
        assert!((3..=4).contains(&d.grid.len()));
        assert!(d.grid.iter().all(|(_, label)| label.ends_with(" °C") && !label.contains('.')), "{:?}", d.grid);
        assert_eq!(draw(&series(SensorKind::Temperature, Vec::new())), None);
    }

    #[test]
    fn on_off_kinds_are_steps_labelled_in_words() {
        let s = series(SensorKind::Door, vec![point(0, 0.0, 0.0, 0.0), point(60, 1.0, 1.0, 1.0)]);
        let d = draw(&s).unwrap();
        let labels: Vec<&str> = d.grid.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["Cerrada", "Abierta"]);
        assert_eq!(d.lines.len(), 1);
        assert_eq!(d.lines[0].split(' ').count(), 4, "flat, up, flat: {}", d.lines[0]);
    }

    #[test]
    fn x_ticks_are_placed_by_their_share_of_the_span() {
        let xs: Vec<f64> = x_ticks(&series(SensorKind::Power, Vec::new())).into_iter().map(|(x, _)| x).collect();
        assert_eq!(xs, [LEFT, LEFT + (WIDTH - LEFT - RIGHT) / 2.0, WIDTH - RIGHT]);
    }
}
