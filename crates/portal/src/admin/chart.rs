//! The traffic chart as an SVG document, written by hand: a few lines,
//! a grid and text, with no script and no external reference, so it is
//! the same markup inline in the dashboard and as `/admin/traffic.svg`.
//!
//! One line per [`Series`] (the colour-blind-safe Okabe–Ito palette;
//! "other" dashed grey, drawn underneath), hours along the x axis with a
//! line and a date at each UTC midnight and ticks every six hours,
//! requests per hour on a y axis rounded to 1, 2, 2.5 or 5 times a power
//! of ten, the last 24 hours shaded so that an overnight jump stands out,
//! and a legend with each line's total. The lines join whole hours only:
//! the hour in progress is a dot per series at the right edge, so that
//! its partial count does not read as a collapse. Every text is escaped;
//! each path and dot carries `data-series` (the country code or `other`)
//! for tests and for people reading the source.

use super::traffic::{SeriesName, Traffic};
use crate::escape_html;
use crate::pages::date;
use std::fmt::Write as _;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = WIDTH - 16.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 320.0;
const LEGEND_TOP: f64 = 372.0;
const LEGEND_PER_ROW: usize = 4;

const PALETTE: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];
const OTHER: &str = "#6b6b6b";

/// The chart's words, in the visitor's language.
#[derive(Clone, Copy, Debug)]
pub struct Labels<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The y axis: "requests per hour".
    pub axis: &'a str,
    /// Over the shaded part: "last 24 hours".
    pub last_day: &'a str,
    pub other: &'a str,
    /// For the country code `unknown`.
    pub unknown: &'a str,
    /// Over the dots of the hour in progress: "this hour so far".
    pub in_progress: &'a str,
}

/// `1234` as `1.2k`, `2500000` as `2.5M`.
pub fn compact(n: u64) -> String {
    let scaled = |n: u64, unit: f64, suffix: &str| {
        let text = format!("{:.1}", n as f64 / unit);
        format!("{}{suffix}", text.trim_end_matches(".0"))
    };
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => scaled(n, 1e3, "k"),
        _ => scaled(n, 1e6, "M"),
    }
}

/// The y axis: a step of 1, 2, 2.5 or 5 times a power of ten, and the
/// top (a multiple of it) at or above `peak`, for about four gridlines.
fn axis(peak: u64) -> (u64, u64) {
    let rough = (peak.max(1) as f64 / 4.0).max(1.0);
    let power = 10f64.powi(rough.log10().floor() as i32);
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power)
        .ceil() as u64;
    let top = peak.max(1).div_ceil(step) * step;
    (step, top)
}

fn name_text<'a>(name: &'a SeriesName, labels: &Labels<'a>) -> &'a str {
    match name {
        SeriesName::Country(code) if code == "unknown" => labels.unknown,
        SeriesName::Country(code) => code,
        SeriesName::Other => labels.other,
    }
}

/// The chart of `traffic`, whose hour `current_hour` is in progress.
pub fn svg(traffic: &Traffic, current_hour: i64, labels: &Labels<'_>) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let hours = traffic.hours.max(2);
    let x = |i: usize| LEFT + (RIGHT - LEFT) * i as f64 / (hours - 1) as f64;
    let (step, top) = axis(traffic.peak());
    let y = |n: u64| BOTTOM - (BOTTOM - TOP) * n as f64 / top as f64;

    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"traffic-title traffic-desc\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\" fill=\"#1a1a1a\">\
         <title id=\"traffic-title\">{}</title><desc id=\"traffic-desc\">{}</desc>",
        escape_html(labels.title),
        escape_html(labels.description),
    );
    out.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");

    // The last 24 hours and the hour in progress, shaded.
    let day_start = usize::try_from(current_hour - 24 - traffic.first_hour)
        .unwrap_or(0)
        .min(hours - 1);
    let _ = write!(
        out,
        "<rect class=\"last-day\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" \
         fill=\"#eef2f7\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#444444\">{}</text>",
        x(day_start),
        RIGHT - x(day_start),
        BOTTOM - TOP,
        x(day_start) + 4.0,
        TOP - 6.0,
        escape_html(labels.last_day),
    );

    // Value gridlines and labels.
    let _ = write!(
        out,
        "<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"11\" fill=\"#444444\">{}</text>",
        TOP - 6.0,
        escape_html(labels.axis)
    );
    let mut value = 0;
    while value <= top {
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"#d0d0d0\"/>\
             <text class=\"value-label\" x=\"{1:.1}\" y=\"{2:.1}\" text-anchor=\"end\">{3}</text>",
            y(value),
            LEFT - 6.0,
            y(value) + 4.0,
            compact(value),
        );
        value += step;
    }

    // Hours: a line and the date at each UTC midnight, ticks every six.
    for i in 0..traffic.hours {
        let hour = traffic.first_hour + i as i64;
        let hour_of_day = hour.rem_euclid(24);
        if hour_of_day == 0 {
            let day = date(hour * 3600);
            // A date at the right edge ends there rather than overflow.
            let (label_x, anchor) = if x(i) + 40.0 > WIDTH {
                (x(i) - 3.0, "end")
            } else {
                (x(i) + 3.0, "start")
            };
            let _ = write!(
                out,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{TOP}\" y2=\"{1:.1}\" stroke=\"#9a9a9a\"/>\
                 <text class=\"day-label\" x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"{4}\" \
                 font-weight=\"600\">{5}</text>",
                x(i),
                BOTTOM + 22.0,
                label_x,
                BOTTOM + 32.0,
                anchor,
                escape_html(&day[5..]),
            );
        } else if hour_of_day % 6 == 0 {
            let _ = write!(
                out,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{BOTTOM}\" y2=\"{1:.1}\" stroke=\"#9a9a9a\"/>\
                 <text x=\"{0:.1}\" y=\"{2:.1}\" font-size=\"10\" fill=\"#555555\" \
                 text-anchor=\"middle\">{3:02}</text>",
                x(i),
                BOTTOM + 5.0,
                BOTTOM + 15.0,
                hour_of_day,
            );
        }
    }
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{BOTTOM}\" y2=\"{BOTTOM}\" stroke=\"#1a1a1a\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#555555\" text-anchor=\"end\">UTC</text>",
        LEFT - 6.0,
        BOTTOM + 15.0
    );

    // The lines: "other" first, so that every country is drawn over it.
    let colours: Vec<(&str, bool)> = traffic
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| match s.name {
            SeriesName::Other => (OTHER, true),
            SeriesName::Country(_) => (PALETTE[i % PALETTE.len()], false),
        })
        .collect();
    let in_progress =
        traffic.hours >= 2 && traffic.first_hour + traffic.hours as i64 - 1 == current_hour;
    let whole = traffic.hours - usize::from(in_progress);
    for (i, series) in traffic.series.iter().enumerate().rev() {
        let (colour, dashed) = colours[i];
        let mut d = String::with_capacity(series.counts.len() * 14);
        for (h, n) in series.counts[..whole].iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if h == 0 { "M" } else { "L" },
                x(h),
                y(*n)
            );
        }
        let _ = write!(
            out,
            "<path class=\"series\" data-series=\"{}\" d=\"{d}\" fill=\"none\" stroke=\"{colour}\" \
             stroke-width=\"2\" stroke-linejoin=\"round\"{}/>",
            escape_html(series.name.key()),
            if dashed {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            },
        );
        // A series with nothing yet this hour gets no dot: zeros would
        // pile up on the axis.
        if let Some(n) = series.counts.get(whole).filter(|n| in_progress && **n > 0) {
            let _ = write!(
                out,
                "<circle class=\"in-progress\" data-series=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" \
                 fill=\"{colour}\"/>",
                escape_html(series.name.key()),
                x(whole),
                y(*n),
            );
        }
    }

    // The legend: each line's colour, name and total.
    let column = (RIGHT - LEFT) / LEGEND_PER_ROW as f64;
    for (i, series) in traffic.series.iter().enumerate() {
        let (colour, dashed) = colours[i];
        let lx = LEFT + column * (i % LEGEND_PER_ROW) as f64;
        let ly = LEGEND_TOP + 22.0 * (i / LEGEND_PER_ROW) as f64;
        let _ = write!(
            out,
            "<g class=\"legend\" data-series=\"{}\"><line x1=\"{lx:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" \
             y2=\"{ly:.1}\" stroke=\"{colour}\" stroke-width=\"3\"{}/>\
             <text x=\"{:.1}\" y=\"{:.1}\"><tspan font-weight=\"600\">{}</tspan> {}</text></g>",
            escape_html(series.name.key()),
            lx + 24.0,
            if dashed {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            },
            lx + 30.0,
            ly + 4.0,
            escape_html(name_text(&series.name, labels)),
            compact(series.total()),
        );
    }
    if in_progress {
        let i = traffic.series.len();
        let lx = LEFT + column * (i % LEGEND_PER_ROW) as f64;
        let ly = LEGEND_TOP + 22.0 * (i / LEGEND_PER_ROW) as f64;
        let _ = write!(
            out,
            "<g class=\"legend-note\"><circle cx=\"{:.1}\" cy=\"{ly:.1}\" r=\"3.5\" fill=\"#1a1a1a\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            lx + 12.0,
            lx + 30.0,
            ly + 4.0,
            escape_html(labels.in_progress),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(compact(0), "0");
        assert_eq!(compact(999), "999");
        assert_eq!(compact(1_000), "1k");
        assert_eq!(compact(12_345), "12.3k");
        assert_eq!(compact(2_500_000), "2.5M");
    }

    #[test]
    fn the_axis_top_covers_the_peak_in_round_steps() {
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(7), (2, 8));
        assert_eq!(axis(100), (25, 100));
        assert_eq!(axis(1_234), (500, 1_500));
        assert_eq!(axis(40_000), (10_000, 40_000));
    }

    #[test]
    fn text_is_escaped() {
        let traffic = Traffic::build(0, 24, [(1, "<x&".to_owned(), 3)], 6);
        let labels = Labels {
            title: "a <b>",
            description: "\"q\"",
            axis: "r/h",
            last_day: "24h",
            other: "other",
            unknown: "?",
            in_progress: "now",
        };
        let svg = svg(&traffic, 24, &labels);
        assert!(svg.contains("a &lt;b&gt;") && svg.contains("&quot;q&quot;"));
        assert!(svg.contains("data-series=\"&lt;x&amp;\""));
        assert!(!svg.contains("<x&"));
    }
}
