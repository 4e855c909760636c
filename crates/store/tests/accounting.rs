//! Transfer accounting's queries, run against both backends like
//! `queries.rs`.

#[macro_use]
mod support;

use store::{
    NewRelease, ReleaseFile, ReleaseQuery, ReleaseStatus, Role, Store, TransferCredit,
    TransferTotals,
};
use support::TestDb;
use support::helpers::*;

async fn release(store: &Store, n: u32, uploader: i64, status: ReleaseStatus) -> i64 {
    let category = store.categories().await.unwrap()[0].id;
    store
        .create_release(&NewRelease {
            info_hash_v1: Some(hash(n)),
            info_hash_v2: None,
            title: &format!("release {n}"),
            description_md: "",
            category_id: category,
            uploader_id: uploader,
            status,
            size: 100,
            private: true,
            torrent: b"d4:infod4:name1:xee",
            created_at: 1_000,
            files: &[ReleaseFile {
                path: "x".into(),
                length: 100,
            }],
            tags: &[],
        })
        .await
        .unwrap()
}

fn credit(user_id: i64, release_id: i64, up: u64, down: u64, snatched: bool) -> TransferCredit {
    TransferCredit {
        user_id,
        release_id,
        uploaded: up,
        downloaded: down,
        snatched,
        leeched: down > 0,
    }
}

test_on_both_backends! {
    async fn credit_adds_up_per_release_and_per_member(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Uploader, 1).await;
        let b = add_user(&store, "bob", Role::Member, 2).await;
        let r1 = release(&store, 1, a, ReleaseStatus::Approved).await;
        let r2 = release(&store, 2, a, ReleaseStatus::Approved).await;
        assert_eq!(store.transfer_totals(b).await.unwrap(), TransferTotals::default());

        store
            .add_transfers(&[credit(a, r1, 100, 0, false), credit(b, r1, 0, 100, true)], 5_000)
            .await
            .unwrap();
        store
            .add_transfers(
                &[credit(a, r1, 50, 0, false), credit(a, r2, 7, 3, false), credit(b, r1, 0, 0, true)],
                6_000,
            )
            .await
            .unwrap();

        let totals = store.transfer_totals(a).await.unwrap();
        assert_eq!((totals.uploaded, totals.downloaded, totals.snatched), (157, 3, 0));
        let totals = store.transfer_totals(b).await.unwrap();
        assert_eq!((totals.uploaded, totals.downloaded, totals.snatched), (0, 100, 1));
        assert_eq!(totals.ratio(), Some(0.0));

        let rows = store.member_transfers(a, 10).await.unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].release_id, rows[0].uploaded, rows[0].downloaded), (r2, 7, 3));
        assert_eq!((rows[1].release_id, rows[1].uploaded), (r1, 150));
        let rows = store.member_transfers(b, 10).await.unwrap();
        assert_eq!(rows[0].snatched_at, Some(5_000), "the first snatch time stays");
        assert_eq!(rows[0].title, "release 1");
    }

    async fn one_pair_twice_in_a_batch_is_summed_once(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Member, 1).await;
        let b = add_user(&store, "bob", Role::Member, 2).await;
        let r = release(&store, 1, a, ReleaseStatus::Approved).await;
        // Out of key order, with (b, r) twice: PostgreSQL would refuse to
        // update one row twice in a statement.
        store
            .add_transfers(
                &[credit(b, r, 1, 2, false), credit(a, r, 5, 0, false), credit(b, r, 10, 20, true)],
                7,
            )
            .await
            .unwrap();
        let totals = store.transfer_totals(b).await.unwrap();
        assert_eq!((totals.uploaded, totals.downloaded, totals.snatched), (11, 22, 1));
        assert_eq!(store.member_transfers(b, 10).await.unwrap()[0].snatched_at, Some(7));
        assert_eq!(store.transfer_totals(a).await.unwrap().uploaded, 5);
    }

    async fn sums_saturate_instead_of_overflowing(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Member, 1).await;
        let r = release(&store, 1, a, ReleaseStatus::Approved).await;
        for _ in 0..3 {
            store
                .add_transfers(&[credit(a, r, u64::MAX, u64::MAX / 2, false)], 1)
                .await
                .unwrap();
        }
        let totals = store.transfer_totals(a).await.unwrap();
        assert_eq!(totals.uploaded, i64::MAX as u64);
        assert_eq!(totals.downloaded, i64::MAX as u64);
        assert_eq!(store.member_transfers(a, 1).await.unwrap()[0].uploaded, i64::MAX as u64);
    }

    async fn credit_for_deleted_releases_and_accounts_is_dropped_not_failed(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Member, 1).await;
        let r = release(&store, 1, a, ReleaseStatus::Approved).await;
        let gone = release(&store, 2, a, ReleaseStatus::Approved).await;
        assert!(store.delete_release(gone).await.unwrap());
        store
            .add_transfers(
                &[credit(a, r, 10, 0, false), credit(a, gone, 5, 0, true), credit(999, r, 1, 1, false)],
                1,
            )
            .await
            .unwrap();
        let totals = store.transfer_totals(a).await.unwrap();
        assert_eq!(totals.uploaded, 15, "the member's sum keeps bytes on a deleted release");
        assert_eq!(totals.snatched, 0);
        assert_eq!(store.member_transfers(a, 10).await.unwrap().len(), 1);
        assert_eq!(store.transfer_totals(999).await.unwrap(), TransferTotals::default());
    }

    async fn a_large_batch_spans_several_statements_in_one_transaction(db: &TestDb) {
        let store = db.open().await;
        let mut credits = Vec::new();
        let mut releases = Vec::new();
        let a = add_user(&store, "alice", Role::Member, 1).await;
        for n in 0..3 {
            releases.push(release(&store, n, a, ReleaseStatus::Approved).await);
        }
        for u in 2..202u8 {
            let id = add_user(&store, &format!("user{u:03}"), Role::Member, u).await;
            for r in &releases {
                credits.push(credit(id, *r, 1, 2, false));
            }
        }
        store.add_transfers(&credits, 1).await.unwrap();
        let members = store.tracker_members().await.unwrap();
        let total: u64 = members.iter().map(|m| m.totals.uploaded).sum();
        assert_eq!(total, 600);
        assert!(members.iter().all(|m| m.user_id == a || m.totals.downloaded == 6));
    }

    async fn the_tracker_loads_enabled_members_and_approved_releases(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Member, 1).await;
        let b = add_user(&store, "bob", Role::Member, 2).await;
        store.set_disabled(b, true).await.unwrap();
        let members = store.tracker_members().await.unwrap();
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].user_id, a);
        assert_eq!(members[0].passkey, "01".repeat(16));

        let approved = release(&store, 1, a, ReleaseStatus::Approved).await;
        release(&store, 2, a, ReleaseStatus::Pending).await;
        assert!(store.set_freeleech(approved, true).await.unwrap());
        assert!(!store.set_freeleech(12345, true).await.unwrap());
        let listed = store.listed_releases().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, approved);
        assert_eq!(listed[0].hashes, vec![hash(1)]);
        assert!(listed[0].freeleech);
    }

    async fn every_release_query_reads_the_freeleech_flag(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Uploader, 1).await;
        let id = release(&store, 1, a, ReleaseStatus::Approved).await;
        let other = release(&store, 2, a, ReleaseStatus::Approved).await;
        assert!(!store.release(id).await.unwrap().unwrap().freeleech, "off by default");
        assert!(store.set_freeleech(id, true).await.unwrap());
        assert!(store.release(id).await.unwrap().unwrap().freeleech);
        assert!(!store.release(other).await.unwrap().unwrap().freeleech);
        let flags = |releases: Vec<store::Release>| -> Vec<(i64, bool)> {
            let mut flags: Vec<_> = releases.iter().map(|r| (r.id, r.freeleech)).collect();
            flags.sort_unstable();
            flags
        };
        let want = vec![(id, true), (other, false)];
        assert_eq!(flags(store.releases_by(a, 10).await.unwrap()), want);
        // The plain listing and a text search (each backend's own plan).
        for text in [None, Some("release")] {
            let query = ReleaseQuery { text, ..ReleaseQuery::default() };
            let page = store.list_releases(&query).await.unwrap();
            assert_eq!(flags(page.releases), want, "{text:?}");
        }
        assert!(store.set_freeleech(id, false).await.unwrap());
        assert!(!store.release(id).await.unwrap().unwrap().freeleech);
    }

    async fn transfers_and_release_names_carry_what_decides_visibility(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Uploader, 1).await;
        let b = add_user(&store, "bob", Role::Member, 2).await;
        let open = release(&store, 1, a, ReleaseStatus::Approved).await;
        let closed = release(&store, 2, a, ReleaseStatus::Closed).await;
        store
            .add_transfers(&[credit(b, open, 1, 2, false), credit(b, closed, 3, 4, true)], 9)
            .await
            .unwrap();
        let rows = store.member_transfers(b, 10).await.unwrap();
        let seen: Vec<_> = rows.iter().map(|r| (r.release_id, r.status, r.uploader_id)).collect();
        assert_eq!(
            seen,
            [(closed, ReleaseStatus::Closed, Some(a)), (open, ReleaseStatus::Approved, Some(a))]
        );

        let names = store.release_names(&[closed, 12345, open]).await.unwrap();
        let seen: Vec<_> = names.iter().map(|n| (n.id, n.title.as_str(), n.status)).collect();
        assert_eq!(
            seen,
            [(open, "release 1", ReleaseStatus::Approved), (closed, "release 2", ReleaseStatus::Closed)],
            "in id order, unknown ids left out"
        );
        assert!(store.release_names(&[]).await.unwrap().is_empty());
        // More ids than one statement takes.
        let many: Vec<i64> = (1..=1_200).collect();
        assert_eq!(store.release_names(&many).await.unwrap().len(), 2);
    }

    async fn downloads_let_in_are_listed_for_the_members_asked_about(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Uploader, 1).await;
        let b = add_user(&store, "bob", Role::Member, 2).await;
        let c = add_user(&store, "carol", Role::Member, 3).await;
        let r1 = release(&store, 1, a, ReleaseStatus::Approved).await;
        let r2 = release(&store, 2, a, ReleaseStatus::Approved).await;
        let r3 = release(&store, 3, a, ReleaseStatus::Approved).await;
        // A freeleech download that moved nothing is still one let in.
        let free = TransferCredit {
            leeched: true,
            ..credit(b, r3, 0, 0, false)
        };
        store
            .add_transfers(
                &[credit(b, r1, 0, 5, false), credit(b, r2, 7, 0, false), free, credit(c, r1, 0, 0, true)],
                9,
            )
            .await
            .unwrap();
        let mut pairs = store.leeched_releases(&[b, a]).await.unwrap();
        pairs.sort_unstable();
        assert_eq!(pairs, [(b, r1), (b, r3)], "seeding is not leeching; carol was not asked about");
        assert!(store.leeched_releases(&[c]).await.unwrap().is_empty(), "a snatch alone is not");
        // Once let in, always: later credit without the flag keeps it.
        store.add_transfers(&[credit(b, r1, 3, 0, false), credit(c, r1, 0, 1, false)], 10).await.unwrap();
        assert_eq!(store.leeched_releases(&[c]).await.unwrap(), [(c, r1)]);
        assert_eq!(store.leeched_releases(&[b]).await.unwrap().len(), 2);
        assert!(store.leeched_releases(&[]).await.unwrap().is_empty());
        // More members than one statement takes.
        let many: Vec<i64> = (1..=1_200).collect();
        assert_eq!(store.leeched_releases(&many).await.unwrap().len(), 3);
    }
}
