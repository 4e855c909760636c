//! Requests per hour by country, shaped for the dashboard: one series per
//! busy country plus one for all the others, and each series' last day
//! against the day before.
//!
//! Which countries get a line of their own: the [`TOP_COUNTRIES`] with
//! the highest peak hour in the window. Ranking by peak rather than by
//! total keeps a country visible both when it surges overnight (its peak
//! is recent) and after it stopped (its peak is old), which a ranking by
//! the last day or by the week's total would each hide.

use std::collections::BTreeMap;

/// Countries drawn as lines of their own; the rest share one.
pub const TOP_COUNTRIES: usize = 6;

/// A line of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeriesName {
    /// ISO 3166-1 alpha-2, or `unknown`.
    Country(String),
    /// Every country without a line of its own.
    Other,
}

impl SeriesName {
    /// A stable key for markup and tests: the country code, or `other`.
    pub fn key(&self) -> &str {
        match self {
            SeriesName::Country(code) => code,
            SeriesName::Other => "other",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Series {
    pub name: SeriesName,
    /// Requests in each hour of the window, oldest first.
    pub counts: Vec<u64>,
}

impl Series {
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn peak(&self) -> u64 {
        self.counts.iter().copied().max().unwrap_or(0)
    }
}

/// The chart's data: a window of whole hours and its series, the busiest
/// country first and [`SeriesName::Other`] last.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// Hours since the Unix epoch of the window's first hour.
    pub first_hour: i64,
    pub hours: usize,
    pub series: Vec<Series>,
}

impl Traffic {
    /// Sums `rows` of (hour, country, requests) into the `hours` hours
    /// from `first_hour` (rows outside are ignored), keeping `top`
    /// countries apart.
    pub fn build(
        first_hour: i64,
        hours: usize,
        rows: impl IntoIterator<Item = (i64, String, u64)>,
        top: usize,
    ) -> Self {
        let mut by_country: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for (hour, country, count) in rows {
            let Some(i) = hour
                .checked_sub(first_hour)
                .and_then(|i| usize::try_from(i).ok())
                .filter(|i| *i < hours)
            else {
                continue;
            };
            let counts = by_country.entry(country).or_insert_with(|| vec![0; hours]);
            counts[i] = counts[i].saturating_add(count);
        }
        let mut series: Vec<Series> = by_country
            .into_iter()
            .map(|(code, counts)| Series {
                name: SeriesName::Country(code),
                counts,
            })
            .collect();
        // Ties fall back to the total, then to the code (already sorted).
        series.sort_by_key(|s| std::cmp::Reverse((s.peak(), s.total())));
        let rest = series.split_off(top.min(series.len()));
        if !rest.is_empty() {
            let mut counts = vec![0u64; hours];
            for s in &rest {
                for (sum, n) in counts.iter_mut().zip(&s.counts) {
                    *sum = sum.saturating_add(*n);
                }
            }
            series.push(Series {
                name: SeriesName::Other,
                counts,
            });
        }
        Self {
            first_hour,
            hours,
            series,
        }
    }

    /// The largest hourly count of any series.
    pub fn peak(&self) -> u64 {
        self.series.iter().map(Series::peak).max().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Each series' requests in the 24 whole hours before
    /// `current_hour` against the 24 before those.
    pub fn changes(&self, current_hour: i64) -> Vec<Change> {
        let sum = |s: &Series, from: i64| -> u64 {
            (from..from + 24)
                .filter_map(|h| usize::try_from(h - self.first_hour).ok())
                .filter_map(|i| s.counts.get(i))
                .sum()
        };
        self.series
            .iter()
            .map(|s| Change {
                name: s.name.clone(),
                last: sum(s, current_hour - 24),
                previous: sum(s, current_hour - 48),
            })
            .collect()
    }
}

/// One series' last day against the day before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub name: SeriesName,
    pub last: u64,
    pub previous: u64,
}

impl Change {
    /// The change in percent, rounded; `None` when the day before had
    /// nothing to compare with.
    pub fn percent(&self) -> Option<i64> {
        if self.previous == 0 {
            return None;
        }
        let ratio = (self.last as f64 - self.previous as f64) / self.previous as f64;
        Some((ratio * 100.0).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(list: &[(i64, &str, u64)]) -> Vec<(i64, String, u64)> {
        list.iter()
            .map(|(h, c, n)| (*h, (*c).to_owned(), *n))
            .collect()
    }

    #[test]
    fn countries_beyond_the_top_are_summed_into_other() {
        let t = Traffic::build(
            100,
            3,
            rows(&[
                (100, "RU", 50),
                (101, "DE", 40),
                (102, "US", 5),
                (102, "FR", 3),
                (99, "RU", 1_000),
                (103, "RU", 1_000),
            ]),
            2,
        );
        let names: Vec<&str> = t.series.iter().map(|s| s.name.key()).collect();
        assert_eq!(names, ["RU", "DE", "other"]);
        assert_eq!(
            t.series[0].counts,
            [50, 0, 0],
            "rows outside the window are ignored"
        );
        assert_eq!(t.series[2].counts, [0, 0, 8]);
        assert_eq!(t.peak(), 50);
    }

    #[test]
    fn a_surge_ranks_by_its_peak_above_a_steadier_larger_total() {
        let mut list = Vec::new();
        for h in 0..48 {
            list.push((h, "DE", 10));
        }
        list.push((47, "NL", 30));
        let t = Traffic::build(0, 48, rows(&list), 1);
        assert_eq!(t.series[0].name.key(), "NL");
    }

    #[test]
    fn changes_compare_the_last_whole_day_with_the_one_before() {
        let mut list = Vec::new();
        for h in 0..48 {
            list.push((h, "RU", if h >= 24 { 14 } else { 10 }));
        }
        // The hour in progress does not count.
        list.push((48, "RU", 500));
        let t = Traffic::build(0, 49, rows(&list), 6);
        let change = &t.changes(48)[0];
        assert_eq!((change.last, change.previous), (24 * 14, 24 * 10));
        assert_eq!(change.percent(), Some(40));
        let new = Change {
            name: SeriesName::Other,
            last: 5,
            previous: 0,
        };
        assert_eq!(new.percent(), None);
    }
}
