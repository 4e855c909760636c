//! `fill`: a fresh SQLite database with the population's members and
//! torrents, through the store's public methods.
//!
//! Members go in one `Store::create_user` each: SQLite in WAL mode with
//! `synchronous = NORMAL` commits without a sync, so 100,000 take seconds,
//! and no batched user import is needed. Torrents become approved
//! releases in batches with `Store::import_releases` (catalog_bench does
//! the same). Unless told not to, every peer's (member, release) pair
//! then gets a row of transfer history through `Store::add_transfers`, as
//! on a site that has been running: the tracker's flushes update rows, and
//! only a pair new to the site is inserted (once in its life, where a
//! fresh database would make the first flush insert every pair). Then the
//! tracker loads them as it does at any start: `Store::tracker_members`
//! and `Store::listed_releases`.

use crate::peers::Population;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;
use store::{
    NewRelease, NewUser, Passkey, PasswordHash, ReleaseFile, ReleaseStatus, Role, Store,
    TransferCredit, Username,
};
use tracker_proto::InfoHash;

/// Releases per transaction.
const BATCH: usize = 2_000;
/// Members created concurrently: SQLite serialises the writes, but the
/// next statement is prepared while one commits.
const USER_WRITERS: u32 = 4;

pub async fn fill(data_dir: &Path, population: &Population, history: bool) {
    assert!(
        !data_dir.join(store::SQLITE_FILE).exists(),
        "{} already has a database: fill writes a fresh one",
        data_dir.display()
    );
    std::fs::create_dir_all(data_dir).expect("creating the data directory");
    let store = Store::open_in_dir(data_dir)
        .await
        .expect("opening the store");

    let started = Instant::now();
    // Not a hash any password verifies against: nobody logs in.
    let password = PasswordHash("!bench".into());
    let uploader = create_member(&store, population, 0, &password).await;
    let mut writers = Vec::new();
    for writer in 0..USER_WRITERS {
        let store = store.clone();
        let password = password.clone();
        let keys: Vec<(u32, [u8; 16])> = (1 + writer..population.members())
            .step_by(USER_WRITERS as usize)
            .map(|m| (m, population.passkey(m)))
            .collect();
        writers.push(tokio::spawn(async move {
            for (member, key) in keys {
                insert_member(&store, member, key, &password).await;
            }
        }));
    }
    for writer in writers {
        writer.await.expect("member writer");
    }
    let members_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let category = store
        .categories()
        .await
        .expect("categories")
        .first()
        .expect("the migrations create categories")
        .id;
    let torrents: Vec<u32> = (0..population.torrents()).collect();
    for batch in torrents.chunks(BATCH) {
        let rows: Vec<(String, Vec<ReleaseFile>)> = batch
            .iter()
            .map(|&t| {
                let files = vec![ReleaseFile {
                    path: format!("bench-{t}.bin"),
                    length: population.torrent_size(t),
                }];
                (format!("Bench release {t}"), files)
            })
            .collect();
        let releases: Vec<NewRelease<'_>> = batch
            .iter()
            .zip(&rows)
            .map(|(&t, (title, files))| NewRelease {
                info_hash_v1: Some(InfoHash(population.info_hash(t))),
                info_hash_v2: None,
                title,
                description_md: "",
                category_id: category,
                uploader_id: uploader,
                status: ReleaseStatus::Approved,
                size: population.torrent_size(t),
                private: true,
                torrent: b"d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces20:xxxxxxxxxxxxxxxxxxxxee",
                created_at: 1_700_000_000 + i64::from(t),
                files,
                tags: &[],
            })
            .collect();
        store
            .import_releases(&releases)
            .await
            .expect("importing releases");
    }
    let releases_secs = started.elapsed().as_secs_f64();

    // What the tracker will load at start.
    let members = store.tracker_members().await.expect("tracker members");
    let listed = store.listed_releases().await.expect("listed releases");
    assert_eq!(members.len(), population.members() as usize);
    assert_eq!(listed.len(), population.torrents() as usize);

    let started = Instant::now();
    let peers = if history {
        let credits = history_of(population, &members, &listed);
        store
            .add_transfers(&credits, 1_700_000_000)
            .await
            .expect("writing the transfer history");
        credits.len()
    } else {
        0
    };
    let history_secs = started.elapsed().as_secs_f64();
    store.close().await;
    println!(
        "filled {}: {} members in {members_secs:.1}s, {} approved releases in {releases_secs:.1}s, \
         history for {peers} peers in {history_secs:.1}s",
        data_dir.display(),
        members.len(),
        listed.len(),
    );
}

/// Past credit for every peer's (member, release) pair: a seeder's
/// member downloaded the torrent (a snatch) and uploaded it 0 to 3 times
/// over; a leecher's has a quarter of it from an earlier session, so its
/// snatch in the load is new.
fn history_of(
    population: &Population,
    members: &[store::TrackerMember],
    listed: &[store::ListedRelease],
) -> Vec<TransferCredit> {
    let user_ids: HashMap<&str, i64> = members
        .iter()
        .map(|m| (m.passkey.as_str(), m.user_id))
        .collect();
    let release_ids: HashMap<[u8; 20], i64> = listed
        .iter()
        .flat_map(|r| r.hashes.iter().map(|h| (h.0, r.id)))
        .collect();
    (0..population.peers())
        .map(|k| {
            let peer = population.peer(k);
            let passkey = Passkey::from_bytes(population.passkey(peer.member));
            let size = population.torrent_size(peer.torrent);
            let seeder = peer.seeder();
            TransferCredit {
                user_id: user_ids[passkey.expose()],
                release_id: release_ids[&population.info_hash(peer.torrent)],
                uploaded: if seeder {
                    size * u64::from(k % 4)
                } else {
                    size / 8
                },
                downloaded: if seeder { size } else { size / 4 },
                snatched: seeder,
                leeched: true,
            }
        })
        .collect()
}

fn username(member: u32) -> Username {
    Username::parse(&format!("member{member:06}")).expect("a valid username")
}

async fn create_member(
    store: &Store,
    population: &Population,
    member: u32,
    password: &PasswordHash,
) -> i64 {
    store
        .create_user(&NewUser {
            username: &username(member),
            password_hash: password,
            role: Role::Uploader,
            passkey: &Passkey::from_bytes(population.passkey(member)),
            created_at: 1_700_000_000,
        })
        .await
        .expect("creating the uploader")
}

async fn insert_member(store: &Store, member: u32, key: [u8; 16], password: &PasswordHash) {
    store
        .create_user(&NewUser {
            username: &username(member),
            password_hash: password,
            role: Role::Member,
            passkey: &Passkey::from_bytes(key),
            created_at: 1_700_000_000,
        })
        .await
        .expect("creating a member");
}
