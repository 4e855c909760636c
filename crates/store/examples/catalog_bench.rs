//! Fills a fresh catalog with N synthetic releases and measures search.
//!
//! ```text
//! cargo run --release -p store --example catalog_bench -- sqlite 100000 /tmp/bench-db
//! cargo run --release -p store --example catalog_bench -- postgres 100000 postgres://...
//! ```
//!
//! Titles mix Latin and Cyrillic words drawn with a skewed distribution
//! (a few words are everywhere, most are rare, as in a real catalog),
//! with a year and a quality tag; each release has a description and one
//! to six files. They are written in batches with
//! `Store::import_releases` (the same rows and search document as the
//! portal's `Store::create_release`, many per transaction). Then a fixed set
//! of queries (common and rare words, Cyrillic in any case, prefixes,
//! file names, filters, every order) runs `ROUNDS` times, and the
//! latency of each `list_releases` call (page and total) is reported as
//! p50/p99, overall and per query. See bench/README.md.

use std::time::{Duration, Instant};
use store::{
    Database, NewRelease, NewUser, Passkey, PasswordHash, ReleaseFile, ReleaseQuery, ReleaseSort,
    ReleaseStatus, Role, Store, Username,
};
use tracker_proto::InfoHash;

const ROUNDS: usize = 20;
/// Releases per transaction while filling (`Store::import_releases`).
const BATCH: usize = 2_000;
/// Concurrent writers while filling: PostgreSQL gains from several;
/// SQLite serializes writers, so one is enough there.
const PG_WRITERS: usize = 4;

const LATIN: &[&str] = &[
    "the",
    "movie",
    "season",
    "complete",
    "collection",
    "ubuntu",
    "linux",
    "desktop",
    "server",
    "album",
    "live",
    "remastered",
    "edition",
    "deluxe",
    "matrix",
    "star",
    "wars",
    "lord",
    "rings",
    "harry",
    "potter",
    "office",
    "windows",
    "debian",
    "fedora",
    "arch",
    "game",
    "thrones",
    "breaking",
    "bad",
    "friends",
    "simpsons",
    "doctor",
    "who",
    "sherlock",
    "chernobyl",
    "planet",
    "earth",
    "documentary",
    "nature",
    "ocean",
    "mountain",
    "history",
    "science",
    "python",
    "rust",
    "programming",
    "course",
    "tutorial",
    "audiobook",
    "jazz",
    "rock",
    "classical",
    "symphony",
    "beethoven",
    "mozart",
    "bach",
    "pink",
    "floyd",
    "queen",
    "metallica",
    "nirvana",
    "interstellar",
    "inception",
    "gladiator",
    "avatar",
    "titanic",
    "alien",
    "blade",
    "runner",
    "dune",
    "foundation",
];
const CYRILLIC: &[&str] = &[
    "фильм",
    "сериал",
    "сезон",
    "полный",
    "сборник",
    "коллекция",
    "музыка",
    "альбом",
    "концерт",
    "война",
    "мир",
    "мастер",
    "маргарита",
    "брат",
    "ирония",
    "судьбы",
    "операция",
    "кавказская",
    "пленница",
    "бриллиантовая",
    "рука",
    "мультфильм",
    "ёжик",
    "тумане",
    "простоквашино",
    "ну",
    "погоди",
    "книга",
    "аудиокнига",
    "история",
    "россии",
    "природа",
    "океан",
    "горы",
    "наука",
    "программирование",
    "курс",
    "лекции",
    "джаз",
    "рок",
    "классика",
    "симфония",
    "чайковский",
    "рахманинов",
    "кино",
    "цой",
    "сплин",
    "аквариум",
    "любэ",
    "игра",
    "престолов",
    "доктор",
    "шерлок",
    "холмс",
    "ватсон",
    "чернобыль",
    "зона",
    "отчуждения",
    "сталкер",
    "метро",
    "солярис",
    "андрей",
    "рублёв",
    "зеркало",
    "жизнь",
    "прекрасна",
    "документальный",
    "фантастика",
];
const QUALITY: &[&str] = &[
    "1080p", "720p", "2160p", "BDRip", "WEB-DL", "HDTV", "FLAC", "MP3 320", "DVDRip", "x264",
    "HEVC", "ISO", "EPUB", "FB2",
];
const EXTENSIONS: &[&str] = &[
    "mkv", "avi", "mp4", "flac", "mp3", "iso", "epub", "srt", "nfo", "jpg",
];

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Skewed towards the start of the list: word 0 is the commonest.
    fn skewed<'a>(&mut self, words: &[&'a str]) -> &'a str {
        let r = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        words[((r * r) * words.len() as f64) as usize]
    }

    fn word(&mut self) -> &'static str {
        if self.below(2) == 0 {
            self.skewed(LATIN)
        } else {
            self.skewed(CYRILLIC)
        }
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

struct Synthetic {
    title: String,
    description: String,
    files: Vec<ReleaseFile>,
    size: u64,
    category: usize,
}

fn synthesize(rng: &mut Rng) -> Synthetic {
    let words = 2 + rng.below(5);
    let mut title: Vec<String> = (0..words).map(|_| capitalize(rng.word())).collect();
    title.push(format!("({})", 1950 + rng.below(76)));
    title.push(format!("[{}]", QUALITY[rng.below(QUALITY.len())]));
    let title = title.join(" ");
    let description: Vec<&str> = (0..5 + rng.below(15)).map(|_| rng.word()).collect();
    let stem: Vec<&str> = (0..2).map(|_| rng.word()).collect();
    let stem = stem.join(".");
    let ext = EXTENSIONS[rng.below(EXTENSIONS.len())];
    let files: Vec<ReleaseFile> = (0..1 + rng.below(6))
        .map(|i| ReleaseFile {
            path: format!("{stem}/{:02}.{}.{ext}", i + 1, rng.word()),
            length: 1 + (rng.next() % (4 << 30)),
        })
        .collect();
    Synthetic {
        title,
        description: format!("**{}**", description.join(" ")),
        size: files.iter().map(|f| f.length).sum(),
        files,
        category: rng.below(19),
    }
}

async fn fill(store: &Store, n: usize, writers: usize) -> Duration {
    let user = store
        .create_user(&NewUser {
            username: &Username::parse("bench").unwrap(),
            password_hash: &PasswordHash("x".into()),
            role: Role::Uploader,
            passkey: &Passkey::from_bytes([9; 16]),
            created_at: 0,
        })
        .await
        .expect("bench user");
    let categories: Vec<i64> = store
        .categories()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let store = store.clone();
        let categories = categories.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (writer as u64 + 1));
            let mine: Vec<usize> = (writer..n).step_by(writers).collect();
            for batch in mine.chunks(BATCH) {
                let synthetic: Vec<(usize, Synthetic)> =
                    batch.iter().map(|&i| (i, synthesize(&mut rng))).collect();
                let releases: Vec<NewRelease<'_>> = synthetic
                    .iter()
                    .map(|(i, r)| {
                        let mut hash = [0u8; 20];
                        hash[..8].copy_from_slice(&(*i as u64).to_be_bytes());
                        NewRelease {
                            info_hash_v1: Some(InfoHash(hash)),
                            info_hash_v2: None,
                            title: &r.title,
                            description_md: &r.description,
                            category_id: categories[r.category % categories.len()],
                            uploader_id: user,
                            status: if i % 20 == 0 {
                                ReleaseStatus::Pending
                            } else {
                                ReleaseStatus::Approved
                            },
                            size: r.size,
                            private: false,
                            torrent: b"d4:infod4:name1:xee",
                            // A release every 30 s over the catalog's life.
                            created_at: 1_500_000_000 + *i as i64 * 30,
                            files: &r.files,
                            tags: &[],
                        }
                    })
                    .collect();
                store
                    .import_releases(&releases)
                    .await
                    .expect("import releases");
                let last = *batch.last().unwrap();
                if writer == 0 && last / 100_000 != (last + writers * BATCH) / 100_000 {
                    eprintln!("  {last} releases, {:.0?}", start.elapsed());
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = start.elapsed();
    // Seeders for the "most seeded" order, as the refresh would write.
    let hashes = store.approved_release_hashes().await.unwrap();
    let mut rng = Rng(7);
    let counts: Vec<(i64, u64)> = hashes.iter().map(|h| (h.id, rng.next() % 200)).collect();
    for chunk in counts.chunks(10_000) {
        store.set_seeders(chunk).await.unwrap();
    }
    elapsed
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `--reuse`: query a database an earlier run filled with the same N
    // (after a change to the queries or indexes) instead of filling one.
    // `--fill-only`: fill and stop, for a server to serve (bench/portal.sh).
    let (backend, n, target, flag) = match args.as_slice() {
        [_, backend, n, target, rest @ ..]
            if rest.len() <= 1 && rest.iter().all(|a| a == "--reuse" || a == "--fill-only") =>
        {
            (
                backend.as_str(),
                n.parse::<usize>().expect("N"),
                target,
                rest.first().map(String::as_str),
            )
        }
        _ => {
            eprintln!("usage: catalog_bench sqlite|postgres N DIR|URL [--reuse|--fill-only]");
            std::process::exit(2);
        }
    };
    let reuse = flag == Some("--reuse");
    let database = match backend {
        "sqlite" => {
            let dir = std::path::Path::new(target);
            assert!(
                reuse || !dir.join(store::SQLITE_FILE).exists(),
                "{} exists: the bench fills a fresh database",
                dir.display()
            );
            Database::SqliteInDir(dir.to_owned())
        }
        "postgres" => Database::from_config(std::path::Path::new("."), Some(target)).unwrap(),
        other => panic!("unknown backend {other}"),
    };
    let store = Store::open(&database).await.expect("open");
    if reuse {
        println!("backend={backend} releases={n} (reused)");
    } else {
        eprintln!("filling {n} releases into {database}");
        let writers = if backend == "postgres" { PG_WRITERS } else { 1 };
        let filled = fill(&store, n, writers).await;
        if backend == "postgres" {
            // What autovacuum does some time after a bulk load: without
            // statistics the planner takes the table for a small one.
            let pool = sqlx::PgPool::connect(target).await.expect("connect");
            sqlx::query("VACUUM ANALYZE releases")
                .execute(&pool)
                .await
                .expect("analyze");
            pool.close().await;
        }
        println!(
            "backend={backend} releases={n} fill={:.1}s ({:.0} releases/s)",
            filled.as_secs_f64(),
            n as f64 / filled.as_secs_f64()
        );
    }

    if flag == Some("--fill-only") {
        store.close().await;
        return;
    }
    let categories = store.categories().await.unwrap();
    let id = |slug: &str| categories.iter().find(|c| c.slug == slug).unwrap().id;
    let movies = [
        id("movies"),
        id("movies-documentary"),
        id("movies-animation"),
    ];
    let music = [id("music"), id("music-lossless"), id("music-lossy")];
    let approved = Some(ReleaseStatus::Approved);
    let q = |text: &'static str| ReleaseQuery {
        text: Some(text),
        status: approved,
        ..ReleaseQuery::default()
    };
    let queries: Vec<(&str, ReleaseQuery<'_>)> = vec![
        (
            "browse newest",
            ReleaseQuery {
                status: approved,
                ..ReleaseQuery::default()
            },
        ),
        (
            "browse movies by seeders",
            ReleaseQuery {
                status: approved,
                categories: &movies,
                sort: ReleaseSort::Seeders,
                ..ReleaseQuery::default()
            },
        ),
        ("common: фильм", q("фильм")),
        ("common: MOVIE", q("MOVIE")),
        ("two words: ФИЛЬМ сезон", q("ФИЛЬМ сезон")),
        ("title: война и мир", q("война и мир")),
        ("rare: солярис рублёв", q("солярис рублёв")),
        ("rare: interstellar dune", q("interstellar dune")),
        ("prefix: докум", q("докум")),
        ("prefix: prog", q("prog")),
        ("file name: 03 flac", q("03 flac")),
        (
            "page 20: the",
            ReleaseQuery {
                page: 20,
                ..q("the")
            },
        ),
        (
            "music ≥1G: концерт",
            ReleaseQuery {
                categories: &music,
                min_size: Some(1 << 30),
                ..q("концерт")
            },
        ),
        (
            "since + seeders: linux",
            ReleaseQuery {
                added_since: Some(1_500_000_000 + n as i64 * 15),
                sort: ReleaseSort::Seeders,
                ..q("linux")
            },
        ),
        (
            "by size: metallica",
            ReleaseQuery {
                sort: ReleaseSort::Size,
                ..q("metallica")
            },
        ),
        (
            "by name: ёжик",
            ReleaseQuery {
                sort: ReleaseSort::Name,
                ..q("ёжик")
            },
        ),
        ("no match: zzzz", q("zzzz")),
    ];
    let mut all = Vec::new();
    let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    let mut totals = vec![String::new(); queries.len()];
    // One warm-up round, not measured: the cache, as in a running portal.
    for (_, query) in &queries {
        store.list_releases(query).await.unwrap();
    }
    for _ in 0..ROUNDS {
        for (i, (_, query)) in queries.iter().enumerate() {
            let start = Instant::now();
            let page = store.list_releases(query).await.unwrap();
            let took = start.elapsed();
            totals[i] = if page.total_exact {
                page.total.to_string()
            } else {
                format!("{}+", page.total)
            };
            per_query[i].push(took);
            all.push(took);
        }
    }
    all.sort();
    println!(
        "search: {} calls, p50={} ms p99={} ms max={} ms",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().unwrap())
    );
    println!(
        "{:<28} {:>9} {:>9} {:>9}",
        "query", "matches", "p50 ms", "p99 ms"
    );
    for (i, (name, _)) in queries.iter().enumerate() {
        let times = &mut per_query[i];
        times.sort();
        println!(
            "{:<28} {:>9} {:>9} {:>9}",
            name,
            totals[i],
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.99))
        );
    }
    store.close().await;
}
