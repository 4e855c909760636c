//! `swarmgate backup`: a consistent copy of the SQLite database taken
//! while the server runs and writes, never over an existing file, never a
//! half-written one; PostgreSQL gets the pg_dump hint.

mod support;

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use store::{SQLITE_FILE, Store, Username};
use support::{add_uploader, config_for, start_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_members_sign_up_is_complete_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_for(IpAddr::from([127, 0, 0, 1]), dir.path());
    let server = start_in(config.clone(), dir).await;
    let store = Store::open_in_dir(server.data_dir.path()).await.unwrap();
    add_uploader(&store, "alice", 1).await;

    // Accounts keep arriving while the copy is made.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (store, stop) = (store.clone(), stop.clone());
        async move {
            let mut n = 0u8;
            while !stop.load(Ordering::Relaxed) && n < 200 {
                n += 1;
                add_uploader(&store, &format!("member{n:03}"), n + 1).await;
            }
            n
        }
    });
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("swarmgate-backup.db");
    let report = swarmgate::backup::backup(&config, &file).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(
        report.starts_with(&format!("wrote {}", file.display())),
        "{report}"
    );
    assert!(!out.path().join("swarmgate-backup.db.partial").exists());
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the copy holds password hashes and passkeys"
    );

    // The copy opens as a data directory of its own.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&file, restored.path().join(SQLITE_FILE)).unwrap();
    let copy = Store::open_in_dir(restored.path()).await.unwrap();
    let alice = copy
        .user_by_name(&Username::parse("alice").unwrap())
        .await
        .unwrap();
    assert!(alice.is_some(), "what was there before the backup is in it");
    // A snapshot: accounts 1..=k for some k, never a gap.
    let mut present = Vec::new();
    for n in 1..=written {
        let name = Username::parse(&format!("member{n:03}")).unwrap();
        present.push(copy.user_by_name(&name).await.unwrap().is_some());
    }
    let k = present.iter().take_while(|p| **p).count();
    assert!(present[k..].iter().all(|p| !p), "{present:?}");
    let accounts: usize = report
        .split(", ")
        .find_map(|part| part.strip_suffix(" accounts"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no account count in {report:?}"));
    assert_eq!(accounts, k + 1, "{report}");
    copy.close().await;

    // Never over an existing file: the first copy stays as it was.
    let before = std::fs::read(&file).unwrap();
    let again = swarmgate::backup::backup(&config, &file).await.unwrap_err();
    assert!(format!("{again:#}").contains("already exists"), "{again:#}");
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // A directory that does not exist: a clear error, nothing left behind.
    let nowhere = out.path().join("missing").join("b.db");
    let error = swarmgate::backup::backup(&config, &nowhere)
        .await
        .unwrap_err();
    assert!(format!("{error:#}").contains("cannot write"), "{error:#}");
    assert!(!out.path().join("missing").exists());

    store.close().await;
    server.running.stop().await.unwrap();
}

#[tokio::test]
async fn without_a_database_or_on_postgres_it_says_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let mut config = swarmgate::config::Config::default();
    config.storage.data_dir = empty.path().join("data");
    let file = empty.path().join("b.db");
    let error = swarmgate::backup::backup(&config, &file).await.unwrap_err();
    assert!(format!("{error:#}").contains("no database at"), "{error:#}");
    assert!(
        !config.storage.data_dir.exists(),
        "a backup creates no database"
    );

    let toml = "[storage]\ndatabase_url = \"postgres://swarmgate@127.0.0.1:1/swarmgate\"\n";
    let path = empty.path().join("pg.toml");
    std::fs::write(&path, toml).unwrap();
    let config = swarmgate::config::Config::load(Some(&path)).unwrap();
    let error = swarmgate::backup::backup(&config, &file).await.unwrap_err();
    let text = format!("{error:#}");
    assert!(text.contains("pg_dump --format=custom"), "{text}");
    assert!(!file.exists());
}
