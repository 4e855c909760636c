//! The site's categories as Torznab sees them.
//!
//! Torznab clients filter by the Newznab category numbers (2000 Movies,
//! 5000 TV, 3000 Audio, 4000 PC, 7000 Books, 1000 Console, 8000 Other,
//! each with sub-categories such as 2040 Movies/HD). The site's tree is
//! the administrators' own, so each category is mapped by the words of
//! its slug: the first word that names a standard family or one of its
//! sub-categories decides, and a category that names none takes its
//! parent's number (a top-level one: 8000 Other). The default tree maps
//! as `movies` -> 2000, `movies-documentary` -> 2020, `tv-series` ->
//! 5000, `tv-shows` -> 5050, `music-lossless` -> 3040, `music-lossy` ->
//! 3010, `books-ebooks` -> 7020, `books-audio` -> 3030, `games-pc` ->
//! 4050, `games-console` -> 1000; a category an admin adds as `movies-hd`
//! becomes 2040, `tv-uhd` 5045.
//!
//! A sub-category number also selects the categories mapped to its
//! family alone, which hold every kind of it: Sonarr asks for 5030,5040
//! (TV/SD, TV/HD) by default, and the default tree's `tv-series` is 5000.
//!
//! Besides, every site category is offered under its own number,
//! [`SITE_BASE`] + its id (the Torznab convention for an indexer's own
//! categories), so a client can ask for exactly one of them.

use crate::releases::CategoryTree;
use std::collections::{BTreeMap, BTreeSet};

/// Site category `id` is Torznab category `SITE_BASE + id`.
pub(crate) const SITE_BASE: i64 = 100_000;

/// A standard category: its number and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Standard {
    pub id: i64,
    pub name: &'static str,
}

/// The standard categories swarmgate maps to, parents first in each
/// family (the names are Newznab's).
const STANDARD: &[(i64, &str)] = &[
    (1000, "Console"),
    (2000, "Movies"),
    (2010, "Movies/Foreign"),
    (2020, "Movies/Other"),
    (2030, "Movies/SD"),
    (2040, "Movies/HD"),
    (2045, "Movies/UHD"),
    (2050, "Movies/BluRay"),
    (2060, "Movies/3D"),
    (2070, "Movies/DVD"),
    (2080, "Movies/WEB-DL"),
    (3000, "Audio"),
    (3010, "Audio/MP3"),
    (3020, "Audio/Video"),
    (3030, "Audio/Audiobook"),
    (3040, "Audio/Lossless"),
    (3050, "Audio/Other"),
    (4000, "PC"),
    (4020, "PC/ISO"),
    (4030, "PC/Mac"),
    (4040, "PC/Mobile-Other"),
    (4050, "PC/Games"),
    (4060, "PC/Mobile-iOS"),
    (4070, "PC/Mobile-Android"),
    (5000, "TV"),
    (5010, "TV/WEB-DL"),
    (5020, "TV/Foreign"),
    (5030, "TV/SD"),
    (5040, "TV/HD"),
    (5045, "TV/UHD"),
    (5050, "TV/Other"),
    (5060, "TV/Sport"),
    (5070, "TV/Anime"),
    (5080, "TV/Documentary"),
    (7000, "Books"),
    (7010, "Books/Mags"),
    (7020, "Books/EBook"),
    (7030, "Books/Comics"),
    (7040, "Books/Technical"),
    (7050, "Books/Other"),
    (8000, "Other"),
    (8010, "Other/Misc"),
];

/// 8000 Other: for a top-level category whose slug names no family.
const OTHER: i64 = 8000;

pub(crate) fn standard(id: i64) -> Option<Standard> {
    STANDARD
        .iter()
        .find(|(n, _)| *n == id)
        .map(|&(id, name)| Standard { id, name })
}

/// The family (1000, 2000, ...) of a standard number.
pub(crate) fn family(id: i64) -> i64 {
    id / 1000 * 1000
}

/// Words naming a whole family, wherever they appear in a slug.
fn family_word(word: &str) -> Option<i64> {
    Some(match word {
        "movie" | "movies" | "film" | "films" | "cinema" => 2000,
        "tv" | "series" | "serials" | "television" => 5000,
        "music" | "audio" => 3000,
        "software" | "apps" | "programs" => 4000,
        "books" | "book" | "literature" => 7000,
        "games" | "game" | "console" | "consoles" => 1000,
        "other" | "misc" => OTHER,
        _ => return None,
    })
}

/// Words naming a sub-category within `family` (some lead out of it: an
/// audiobook is Audio, a PC game is PC).
fn sub_word(family: i64, word: &str) -> Option<i64> {
    Some(match (family, word) {
        (2000, "foreign") => 2010,
        (2000, "other" | "documentary" | "documentaries" | "animation" | "cartoons") => 2020,
        (2000, "sd" | "dvdrip") => 2030,
        (2000, "hd" | "720p" | "1080p") => 2040,
        (2000, "uhd" | "4k" | "2160p") => 2045,
        (2000, "bluray" | "remux") => 2050,
        (2000, "3d") => 2060,
        (2000, "dvd") => 2070,
        (2000, "web" | "webdl") => 2080,
        (5000, "web" | "webdl") => 5010,
        (5000, "foreign") => 5020,
        (5000, "sd") => 5030,
        (5000, "hd" | "720p" | "1080p") => 5040,
        (5000, "uhd" | "4k" | "2160p") => 5045,
        (5000, "other" | "shows" | "show") => 5050,
        (5000, "sport" | "sports") => 5060,
        (5000, "anime") => 5070,
        (5000, "documentary" | "documentaries") => 5080,
        (3000, "mp3" | "lossy") => 3010,
        (3000, "video" | "videos" | "clips") => 3020,
        (3000 | 7000, "audiobook" | "audiobooks") | (7000, "audio") => 3030,
        (3000, "lossless" | "flac") => 3040,
        (3000, "other") => 3050,
        (4000, "iso") => 4020,
        (4000, "mac" | "macos") => 4030,
        (4000, "mobile") => 4040,
        (4000, "games") | (1000, "pc") => 4050,
        (4000, "ios") => 4060,
        (4000, "android") => 4070,
        (7000, "mags" | "magazines") => 7010,
        (7000, "ebook" | "ebooks") => 7020,
        (7000, "comics") => 7030,
        (7000, "technical") => 7040,
        (7000, "other") => 7050,
        (8000, "misc") => 8010,
        _ => return None,
    })
}

/// The standard number of a category with this slug under a parent
/// mapped to `inherited` (`None` for a top-level category).
fn map_slug(slug: &str, inherited: Option<i64>) -> i64 {
    let words: Vec<&str> = slug.split('-').filter(|w| !w.is_empty()).collect();
    let family_of_slug = words.iter().find_map(|w| family_word(w));
    let base = family_of_slug.or(inherited.map(family)).unwrap_or(OTHER);
    // A slug that names its family and nothing more is that family; one
    // that names nothing keeps its parent's number.
    let kept = match family_of_slug {
        None => inherited,
        Some(_) => None,
    };
    words
        .iter()
        .find_map(|w| sub_word(base, w))
        .or(kept)
        .unwrap_or(base)
}

/// Every site category with its standard number.
#[derive(Debug)]
pub(crate) struct TorznabCategories {
    /// Site category id -> standard number.
    standard_of: BTreeMap<i64, i64>,
    /// Site categories as `(depth, id, English name)`, depth-first.
    site: Vec<(usize, i64, String)>,
}

impl TorznabCategories {
    pub(crate) fn new(tree: &CategoryTree) -> Self {
        let mut standard_of = BTreeMap::new();
        let mut site = Vec::new();
        // Depth-first: a parent is mapped before its children.
        for (depth, category) in tree.flattened() {
            let inherited = category
                .parent_id
                .and_then(|p| standard_of.get(&p).copied());
            standard_of.insert(category.id, map_slug(&category.slug, inherited));
            site.push((depth, category.id, category.name_en.clone()));
        }
        Self { standard_of, site }
    }

    /// The standard number of site category `id` (8000 for one the tree
    /// does not know).
    pub(crate) fn standard_of(&self, id: i64) -> i64 {
        self.standard_of.get(&id).copied().unwrap_or(OTHER)
    }

    /// The standard categories in use, by family: `(parent, sub-categories
    /// in use)`. A family is listed when any category maps into it.
    pub(crate) fn standard_in_use(&self) -> Vec<(Standard, Vec<Standard>)> {
        let used: BTreeSet<i64> = self.standard_of.values().copied().collect();
        let families: BTreeSet<i64> = used.iter().map(|&id| family(id)).collect();
        families
            .into_iter()
            .filter_map(|f| {
                let subs = used
                    .iter()
                    .filter(|&&id| id != f && family(id) == f)
                    .filter_map(|&id| standard(id))
                    .collect();
                Some((standard(f)?, subs))
            })
            .collect()
    }

    /// The site's categories as `(depth, id, English name)`.
    pub(crate) fn site(&self) -> &[(usize, i64, String)] {
        &self.site
    }

    /// The site categories a Torznab `cat` number selects: a site number
    /// its category with everything below it, a family number every
    /// category mapped into the family, a standard sub-category number
    /// those mapped to it and those mapped to its family alone. The last
    /// is what lets Sonarr's default 5030,5040 find the default tree's
    /// `tv-series` (5000): a category that names no quality holds every
    /// quality. Empty when none does.
    pub(crate) fn select(&self, tree: &CategoryTree, torznab: i64) -> Vec<i64> {
        if torznab >= SITE_BASE {
            let id = torznab - SITE_BASE;
            return match tree.get(id) {
                Some(_) => tree.subtree(id),
                None => Vec::new(),
            };
        }
        let whole_family = family(torznab) == torznab;
        let known_sub = !whole_family && standard(torznab).is_some();
        self.standard_of
            .iter()
            .filter(|&(_, &s)| {
                s == torznab
                    || (whole_family && family(s) == torznab)
                    || (known_sub && s == family(torznab))
            })
            .map(|(&id, _)| id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_tree_maps_to_the_standard_families() {
        let cases = [
            ("movies", None, 2000),
            ("movies-documentary", Some(2000), 2020),
            ("movies-animation", Some(2000), 2020),
            ("tv", None, 5000),
            ("tv-series", Some(5000), 5000),
            ("tv-shows", Some(5000), 5050),
            ("music", None, 3000),
            ("music-lossless", Some(3000), 3040),
            ("music-lossy", Some(3000), 3010),
            ("software", None, 4000),
            ("software-linux", Some(4000), 4000),
            ("software-other-os", Some(4000), 4000),
            ("books", None, 7000),
            ("books-ebooks", Some(7000), 7020),
            ("books-audio", Some(7000), 3030),
            ("games", None, 1000),
            ("games-pc", Some(1000), 4050),
            ("games-console", Some(1000), 1000),
            ("other", None, 8000),
        ];
        for (slug, parent, expected) in cases {
            assert_eq!(map_slug(slug, parent), expected, "{slug}");
        }
    }

    #[test]
    fn added_categories_map_by_their_words_or_inherit() {
        assert_eq!(map_slug("movies-hd", Some(2000)), 2040);
        assert_eq!(map_slug("hd", Some(2000)), 2040);
        assert_eq!(map_slug("tv-uhd", Some(5000)), 5045);
        assert_eq!(map_slug("anime", Some(5000)), 5070);
        assert_eq!(map_slug("anime", None), 8000);
        assert_eq!(map_slug("kino-1080p", Some(2020)), 2040);
        assert_eq!(
            map_slug("classics", Some(2020)),
            2020,
            "inherits its parent's"
        );
        assert_eq!(map_slug("cartoons", None), 8000);
        assert_eq!(map_slug("films", None), 2000);
        for &(id, _) in STANDARD {
            assert!(standard(family(id)).is_some(), "{id} has a parent");
        }
    }
}
