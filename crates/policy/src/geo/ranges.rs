//! Address ranges as one database states them, before compiling.
//!
//! Loaders push inclusive `[start, end] -> country` spans; [`DbRanges::finish`]
//! sorts them, rejects overlaps (a database that places one address in two
//! countries is corrupt), drops spans without a country (those addresses are
//! gaps that a later database may fill) and merges neighbours.

use super::IPV4_MAPPED;
use crate::country::UNKNOWN_INDEX;

/// An address width: u32 for IPv4, u128 for IPv6.
pub(crate) trait Bits: Copy + Ord + std::fmt::Debug {
    const ZERO: Self;
    fn checked_succ(self) -> Option<Self>;
    fn pred(self) -> Self;
    /// The top 16 bits, for the table's first-level index.
    fn top16(self) -> usize;
}

impl Bits for u32 {
    const ZERO: Self = 0;
    fn checked_succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Self {
        self - 1
    }
    #[inline]
    fn top16(self) -> usize {
        (self >> 16) as usize
    }
}

impl Bits for u128 {
    const ZERO: Self = 0;
    fn checked_succ(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn pred(self) -> Self {
        self - 1
    }
    #[inline]
    fn top16(self) -> usize {
        (self >> 112) as usize
    }
}

/// `[start, end] -> country`, both ends inclusive; `origin` is where the
/// span came from (a CSV line number, or an MMDB data offset), for errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span<T> {
    pub(crate) start: T,
    pub(crate) end: T,
    pub(crate) country: u16,
    pub(crate) origin: u64,
}

/// Two spans of one database that claim the same addresses.
#[derive(Debug)]
pub(crate) struct Overlap {
    pub(crate) first: u64,
    pub(crate) second: u64,
}

/// Everything one database says, by address family.
#[derive(Debug, Default)]
pub(crate) struct DbRanges {
    pub(crate) v4: Vec<Span<u32>>,
    pub(crate) v6: Vec<Span<u128>>,
}

/// How a database's statements about `::ffff:0:0/96` are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MappedSpace {
    /// A range wholly inside it describes IPv4 addresses (CSV files).
    IsIpv4,
    /// It is an alias of the IPv4 subtree, already read from there (MMDB).
    Ignore,
}

impl DbRanges {
    pub(crate) fn push_v4(&mut self, start: u32, end: u32, country: u16, origin: u64) {
        self.v4.push(Span {
            start,
            end,
            country,
            origin,
        });
    }

    /// An IPv6 range. IPv4-mapped clients are looked up in the IPv4 table,
    /// so a range inside `::ffff:0:0/96` goes there (or nowhere, per
    /// `mapped`); a wider range that covers it stays IPv6-only, so `::/0`
    /// means "every IPv6 address", not "and every IPv4 address too".
    pub(crate) fn push_v6(
        &mut self,
        start: u128,
        end: u128,
        country: u16,
        origin: u64,
        mapped: MappedSpace,
    ) {
        let (lo, hi) = IPV4_MAPPED;
        if start >= lo && end <= hi {
            if mapped == MappedSpace::IsIpv4 {
                self.push_v4(start as u32, end as u32, country, origin);
            }
            return;
        }
        self.v6.push(Span {
            start,
            end,
            country,
            origin,
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Sorts, checks and merges both families; see the module doc.
    pub(crate) fn finish(&mut self) -> Result<(), Overlap> {
        finish_family(&mut self.v4)?;
        finish_family(&mut self.v6)
    }
}

fn finish_family<T: Bits>(spans: &mut Vec<Span<T>>) -> Result<(), Overlap> {
    spans.sort_unstable_by_key(|s| (s.start, s.end));
    if let Some(w) = spans.windows(2).find(|w| w[1].start <= w[0].end) {
        return Err(Overlap {
            first: w[0].origin,
            second: w[1].origin,
        });
    }
    spans.retain(|s| s.country != UNKNOWN_INDEX);
    merge_adjacent(spans, |a, b| a.country == b.country);
    Ok(())
}

/// Joins touching spans for which `same` holds; input sorted and disjoint.
pub(crate) fn merge_adjacent<T: Bits, S: Copy + AsSpan<T>>(
    spans: &mut Vec<S>,
    same: impl Fn(&S, &S) -> bool,
) {
    let mut out: Vec<S> = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        match out.last_mut() {
            Some(last)
                if same(last, &s) && last.span_end().checked_succ() == Some(s.span_start()) =>
            {
                last.set_end(s.span_end());
            }
            _ => out.push(s),
        }
    }
    *spans = out;
}

/// Anything with an inclusive `[start, end]`.
pub(crate) trait AsSpan<T> {
    fn span_start(&self) -> T;
    fn span_end(&self) -> T;
    fn set_end(&mut self, end: T);
}

impl<T: Bits> AsSpan<T> for Span<T> {
    fn span_start(&self) -> T {
        self.start
    }
    fn span_end(&self) -> T {
        self.end
    }
    fn set_end(&mut self, end: T) {
        self.end = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u32, end: u32, country: u16) -> Span<u32> {
        Span {
            start,
            end,
            country,
            origin: u64::from(start),
        }
    }

    #[test]
    fn finish_merges_touching_spans_of_one_country_and_drops_unplaced_ones() {
        let mut r = DbRanges {
            v4: vec![
                span(20, 29, 5),
                span(0, 9, 5),
                span(10, 19, 5),
                span(30, 39, 0),
            ],
            ..Default::default()
        };
        r.finish().unwrap();
        assert_eq!(
            r.v4,
            vec![Span {
                start: 0,
                end: 29,
                country: 5,
                origin: 0
            }]
        );
    }

    #[test]
    fn finish_keeps_spans_of_different_countries_or_with_a_gap_apart() {
        let mut r = DbRanges {
            v4: vec![span(0, 9, 5), span(10, 19, 6), span(21, 29, 6)],
            ..Default::default()
        };
        r.finish().unwrap();
        assert_eq!(r.v4.len(), 3);
    }

    #[test]
    fn finish_reports_overlapping_spans_by_origin() {
        let mut r = DbRanges {
            v4: vec![span(0, 10, 5), span(10, 19, 6)],
            ..Default::default()
        };
        let e = r.finish().unwrap_err();
        assert_eq!((e.first, e.second), (0, 10));
    }

    #[test]
    fn ranges_inside_the_mapped_space_are_ipv4_but_wider_ones_stay_ipv6() {
        let mut r = DbRanges::default();
        let (lo, hi) = IPV4_MAPPED;
        r.push_v6(lo + 256, lo + 511, 7, 1, MappedSpace::IsIpv4);
        r.push_v6(0, u128::MAX, 8, 2, MappedSpace::IsIpv4);
        r.push_v6(lo, hi, 9, 3, MappedSpace::Ignore);
        assert_eq!(
            r.v4,
            vec![Span {
                start: 256,
                end: 511,
                country: 7,
                origin: 1
            }]
        );
        assert_eq!(r.v6.len(), 1);
        assert_eq!(r.v6[0].country, 8);
    }
}
