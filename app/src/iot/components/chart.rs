//! One sensor's chart as plain SVG (no JavaScript library, so it renders on the server and
//! works without JavaScript): a shaded min–max band, the average as a line (as steps for on/off
//! kinds), the server's time labels and a few value gridlines with es-AR numbers. The geometry
//! is in plain functions in `chart/geometry.rs`, unit-tested there.

mod geometry;

use leptos::prelude::*;
use shared::iot::dto::ChartSeries;

use self::geometry::{BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, draw, fmt, x_ticks};

/// One sensor's chart over the range its series covers.
#[component]
pub fn Chart(
    /// The series to draw (points, labels, unit).
    series: ChartSeries,
) -> impl IntoView {
    let testid = format!("chart-{}-{}", series.kind.code(), series.channel);
    let points = series.points.len();
    let readings = match series.readings {
        1 => "1 lectura".to_owned(),
        n => format!("{} lecturas", shared::format::fixed(n, 0)),
    };
    let label = format!("{}: {} puntos", series.title, points);
    let drawing = draw(&series);
    let x_ticks = x_ticks(&series);
    view! {
        <figure class="card chart">
            <figcaption>
                <strong>{series.title}</strong>
                <span class="detail">{readings}</span>
            </figcaption>
            <svg
                class="chart-svg"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-label=label
                data-testid=testid
                data-points=points.to_string()
            >
                {x_axis(x_ticks)}
                {plot(drawing)}
            </svg>
        </figure>
    }
}

/// The time labels under the plot, with their ticks.
fn x_axis(x_ticks: Vec<(f64, String)>) -> impl IntoView {
    x_ticks
        .into_iter()
        .map(|(x, text)| {
            let anchor = if x < 30.0 {
                "start"
            } else if x > WIDTH - 30.0 {
                "end"
            } else {
                "middle"
            };
            view! {
                <line class="chart-tick" x1=fmt(x) x2=fmt(x) y1=fmt(HEIGHT - BOTTOM) y2=fmt(HEIGHT - BOTTOM + 4.0) />
                <text class="chart-label" x=fmt(x) y=fmt(HEIGHT - 6.0) text-anchor=anchor>
                    {text}
                </text>
            }
        })
        .collect_view()
}

/// The value gridlines, the min–max bands, the average lines and lone points; a note when the
/// range has no data.
fn plot(drawing: Option<geometry::Drawing>) -> impl IntoView {
    match drawing {
        Some(d) => {
            view! {
                {d
                    .grid
                    .into_iter()
                    .map(|(y, text)| {
                        let text_y = if y < TOP + 12.0 { y + 12.0 } else { y - 3.0 };
                        // Over its line, or under it when the line is the top edge.
                        view! {
                            <line class="chart-gridline" x1=fmt(LEFT) x2=fmt(WIDTH - RIGHT) y1=fmt(y) y2=fmt(y) />
                            <text class="chart-label" x=fmt(LEFT + 2.0) y=fmt(text_y)>
                                {text}
                            </text>
                        }
                    })
                    .collect_view()}
                {d.bands.into_iter().map(|p| view! { <polygon class="chart-band" points=p /> }).collect_view()}
                {d.lines.into_iter().map(|p| view! { <polyline class="chart-line" points=p /> }).collect_view()}
                {d
                    .dots
                    .into_iter()
                    .map(|(x, y)| view! { <circle class="chart-dot" cx=fmt(x) cy=fmt(y) r="3" /> })
                    .collect_view()}
            }
            .into_any()
        }
        None => view! {
            <text class="chart-empty" x=fmt(WIDTH / 2.0) y=fmt((HEIGHT - BOTTOM) / 2.0) text-anchor="middle">
                "Sin datos en este rango"
            </text>
        }
        .into_any(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use shared::iot::dto::ChartPoint;
    use shared::iot::sensor::SensorKind;

    use super::*;

    fn series(points: Vec<ChartPoint>) -> ChartSeries {
        ChartSeries {
            kind: SensorKind::Temperature,
            channel: 0,
            title: "Temperatura 1".into(),
            unit: "°C".into(),
            span: 3_600,
            points,
            ticks: vec![(0, "10:00".into()), (1_800, "10:30".into())],
            readings: 1_234,
        }
    }

    #[test]
    fn the_chart_renders_its_test_id_and_point_count() {
        let owner = Owner::new();
        owner.with(|| {
            let html = view! {
                <Chart series=series(
                    vec![
                        ChartPoint {
                            x: 0,
                            avg: 4.0,
                            min: 3.5,
                            max: 4.5,
                        },
                    ],
                ) />
            }
            .to_html();
            assert!(html.contains(r#"data-testid="chart-temperature-0""#), "{html}");
            assert!(html.contains(r#"data-points="1""#), "{html}");
            assert!(html.contains("viewBox=\"0 0 600 200\""), "{html}");
            assert!(html.contains("1.234 lecturas"), "{html}");
            let empty = view! { <Chart series=series(Vec::new()) /> }.to_html();
            assert!(empty.contains("Sin datos en este rango") && empty.contains(r#"data-points="0""#), "{empty}");
        });
    }
}
