//! What the store keeps about a member and how it lets go of it: API
//! tokens, the passkeys the tracker accepts, the export of everything
//! about one member and the deletion of their account, run against both
//! backends like `queries.rs`.

#[macro_use]
mod support;

use store::{
    AccountDeletion, MAX_API_TOKENS_PER_USER, MEMBER_COLUMNS, NewRelease, Passkey, PasswordHash,
    ReleaseStatus, Role, SecretHash, Store, TransferCredit, TransferTotals,
};
use support::TestDb;
use support::helpers::*;

async fn category(store: &Store, slug: &str) -> i64 {
    let all = store.categories().await.unwrap();
    all.into_iter().find(|c| c.slug == slug).unwrap().id
}

/// A release `n` by `uploader` with one file and the tag `t`.
async fn release(store: &Store, n: u32, title: &str, uploader: i64) -> i64 {
    let files = [store::ReleaseFile {
        path: "f.iso".into(),
        length: 1,
    }];
    store
        .create_release(&NewRelease {
            info_hash_v1: Some(hash(n)),
            info_hash_v2: None,
            title,
            description_md: "about",
            category_id: category(store, "other").await,
            uploader_id: uploader,
            status: ReleaseStatus::Approved,
            size: 1,
            private: false,
            torrent: b"x",
            created_at: 100 + i64::from(n),
            files: &files,
            tags: &["t".to_owned()],
        })
        .await
        .unwrap()
}

fn secret(n: u8) -> SecretHash {
    SecretHash([n; 32])
}

test_on_both_backends! {
    async fn an_api_token_names_its_enabled_account_until_revoked(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        store.create_api_token(&secret(1), bob, 10).await.unwrap();
        store.create_api_token(&secret(2), bob, 11).await.unwrap();
        let user = store.api_token_user(&secret(1)).await.unwrap().unwrap();
        assert_eq!(user.username.as_str(), "bob");
        assert_eq!(store.api_token_user(&secret(9)).await.unwrap(), None);
        assert!(store.delete_api_token(&secret(1)).await.unwrap());
        assert!(!store.delete_api_token(&secret(1)).await.unwrap());
        assert_eq!(store.api_token_user(&secret(1)).await.unwrap(), None);
        // A new password revokes every token.
        store.set_password(bob, &PasswordHash("$argon2id$new".into())).await.unwrap();
        assert_eq!(store.api_token_user(&secret(2)).await.unwrap(), None);
        // So does disabling the account.
        store.create_api_token(&secret(3), bob, 12).await.unwrap();
        store.set_disabled(bob, true).await.unwrap();
        assert_eq!(store.api_token_user(&secret(3)).await.unwrap(), None);
        assert!(matches!(
            store.create_api_token(&secret(4), bob + 100, 1).await,
            Err(store::StoreError::Missing("account"))
        ));
        store.close().await;
    }

    async fn a_member_keeps_only_their_newest_api_tokens(db: &TestDb) {
        let store = db.open().await;
        let bob = add_user(&store, "bob", Role::Member, 1).await;
        let max = u8::try_from(MAX_API_TOKENS_PER_USER).unwrap();
        for n in 0..=max {
            store.create_api_token(&secret(n), bob, i64::from(n)).await.unwrap();
        }
        assert_eq!(store.api_token_user(&secret(0)).await.unwrap(), None, "the oldest went");
        assert!(store.api_token_user(&secret(1)).await.unwrap().is_some());
        assert!(store.api_token_user(&secret(max)).await.unwrap().is_some());
        let data = store.member_data(bob).await.unwrap().unwrap();
        assert_eq!(data.api_tokens.len(), usize::from(max));
        store.close().await;
    }

    async fn a_deleted_accounts_passkey_is_not_among_the_trackers_members(db: &TestDb) {
        let store = db.open().await;
        let a = add_user(&store, "alice", Role::Member, 1).await;
        let b = add_user(&store, "bob", Role::Member, 2).await;
        let c = add_user(&store, "carol", Role::Member, 3).await;
        store.set_disabled(b, true).await.unwrap();
        assert_eq!(store.delete_account(c).await.unwrap(), AccountDeletion::Deleted);
        let members: Vec<(i64, String)> = store
            .tracker_members()
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.passkey))
            .collect();
        assert_eq!(members, vec![(a, Passkey::from_bytes([1; 16]).expose().to_owned())]);
        store.close().await;
    }

    async fn an_export_holds_everything_stored_about_the_member_and_no_secret(db: &TestDb) {
        let store = db.open().await;
        let inviter = add_user(&store, "inviter", Role::Uploader, 1).await;
        store.create_invite(&secret(1), inviter, 5, 500).await.unwrap();
        let bob = store
            .create_user_with_invite(
                &secret(1),
                6,
                &store::NewUser {
                    username: &name("bob"),
                    password_hash: &PasswordHash("$argon2id$secret-hash".into()),
                    role: Role::Member,
                    passkey: &Passkey::from_bytes([2; 16]),
                    created_at: 6,
                },
            )
            .await
            .unwrap();
        store.create_invite(&secret(2), bob, 7, 700).await.unwrap();
        store.create_session(&secret(3), bob, 8, 800).await.unwrap();
        store.create_api_token(&secret(4), bob, 9).await.unwrap();
        let own = release(&store, 1, "Bob's release", bob).await;
        let theirs = release(&store, 2, "Not bob's", inviter).await;
        let comment = store.add_comment(theirs, bob, "hello", 20).await.unwrap();
        store.add_comment(own, inviter, "not bob's comment", 21).await.unwrap();
        let credit = |user_id, release_id, snatched| TransferCredit {
            user_id,
            release_id,
            uploaded: 5,
            downloaded: 7,
            snatched,
            // Only a download that completed was let in, here.
            leeched: snatched,
        };
        store
            .add_transfers(
                &[credit(bob, theirs, true), credit(inviter, own, false), credit(bob, own, false)],
                30,
            )
            .await
            .unwrap();

        let data = store.member_data(bob).await.unwrap().unwrap();
        assert_eq!(data.account.username, "bob");
        assert_eq!(data.account.role, "member");
        assert_eq!(data.account.passkey, "02".repeat(16));
        assert_eq!((data.account.created_at, data.account.disabled), (6, false));
        assert_eq!(data.sessions.len(), 1);
        assert_eq!((data.sessions[0].created_at, data.sessions[0].expires_at), (8, 800));
        assert_eq!(data.api_tokens.len(), 1);
        assert_eq!(data.invitations_created.len(), 1);
        assert_eq!(data.invitations_created[0].used_by, None);
        let used = data.invitation_used.as_ref().unwrap();
        assert_eq!(used.created_by.as_deref(), Some("inviter"));
        assert_eq!(data.releases.len(), 1);
        assert_eq!(data.releases[0].id, own);
        assert_eq!(data.releases[0].title, "Bob's release");
        assert_eq!(data.releases[0].category, "other");
        assert_eq!(data.releases[0].tags, ["t"]);
        assert_eq!(data.releases[0].info_hash_v1.as_deref().map(str::len), Some(40));
        assert_eq!(data.comments.len(), 1);
        assert_eq!(data.comments[0].id, comment);
        assert_eq!(data.comments[0].release_title, "Not bob's");
        let totals = data.transfer_totals.as_ref().unwrap();
        assert_eq!((totals.uploaded, totals.downloaded), (10, 14));
        assert_eq!(data.transfers.len(), 2);
        let [seeded, downloaded] = &data.transfers[..] else { unreachable!() };
        assert_eq!((seeded.release_id, seeded.snatched_at, seeded.leeched), (own, None, false));
        assert_eq!(
            (downloaded.release_id, downloaded.snatched_at, downloaded.leeched),
            (theirs, Some(30), true)
        );
        let json = format!("{data:?}");
        assert!(!json.contains("secret-hash"), "{json}");
        // The inviter's side of the same invitation.
        let inviter_data = store.member_data(inviter).await.unwrap().unwrap();
        assert_eq!(inviter_data.invitations_created[0].used_by.as_deref(), Some("bob"));
        assert_eq!(store.member_data(bob + 100).await.unwrap(), None);
        store.close().await;
    }

    async fn deleting_an_account_keeps_its_releases_and_comments_unattributed(db: &TestDb) {
        let store = db.open().await;
        let inviter = add_user(&store, "inviter", Role::Uploader, 1).await;
        store.create_invite(&secret(1), inviter, 5, 500).await.unwrap();
        let bob = store
            .create_user_with_invite(
                &secret(1),
                6,
                &store::NewUser {
                    username: &name("bob"),
                    password_hash: &PasswordHash("$argon2id$x".into()),
                    role: Role::Member,
                    passkey: &Passkey::from_bytes([2; 16]),
                    created_at: 6,
                },
            )
            .await
            .unwrap();
        store.create_invite(&secret(2), bob, 7, 700).await.unwrap();
        store.create_session(&secret(3), bob, 8, 800).await.unwrap();
        store.create_api_token(&secret(4), bob, 9).await.unwrap();
        let own = release(&store, 1, "Bob's release", bob).await;
        store.add_comment(own, bob, "my comment", 20).await.unwrap();
        let credit = TransferCredit {
            user_id: bob,
            release_id: own,
            uploaded: 1,
            downloaded: 2,
            snatched: true,
            leeched: true,
        };
        store.add_transfers(&[credit], 30).await.unwrap();

        assert_eq!(store.delete_account(bob).await.unwrap(), AccountDeletion::Deleted);
        assert_eq!(store.delete_account(bob).await.unwrap(), AccountDeletion::NoSuchAccount);
        assert_eq!(store.member_data(bob).await.unwrap(), None);
        assert_eq!(store.user_by_name(&name("bob")).await.unwrap(), None);
        assert_eq!(store.session_user(&secret(3), 10).await.unwrap(), None);
        assert_eq!(store.api_token_user(&secret(4)).await.unwrap(), None);
        assert_eq!(store.transfer_totals(bob).await.unwrap(), TransferTotals::default());
        assert!(store.member_transfers(bob, 10).await.unwrap().is_empty());
        // The release and the comment stay, without an author.
        let kept = store.release(own).await.unwrap().unwrap();
        assert_eq!((kept.uploader_id, kept.uploader), (None, None));
        let comments = store.comments(own, true).await.unwrap();
        assert_eq!(comments.len(), 1);
        assert_eq!((comments[0].user_id, comments[0].username.as_deref()), (None, None));
        assert_eq!(comments[0].body, "my comment");
        // Bob's invitations are gone, and so is the record of who invited
        // him: its code cannot be redeemed a second time.
        assert!(store.invites_by(inviter).await.unwrap().is_empty());
        let again = store
            .create_user_with_invite(
                &secret(1),
                10,
                &store::NewUser {
                    username: &name("mallory"),
                    password_hash: &PasswordHash("$argon2id$y".into()),
                    role: Role::Member,
                    passkey: &Passkey::from_bytes([3; 16]),
                    created_at: 10,
                },
            )
            .await;
        assert!(matches!(again, Err(store::RedeemError::InvalidInvite)));
        // The name is free again.
        add_user(&store, "bob", Role::Member, 4).await;
        store.close().await;
    }

    async fn the_last_enabled_admin_cannot_be_deleted(db: &TestDb) {
        let store = db.open().await;
        let root = add_user(&store, "root", Role::Admin, 1).await;
        assert_eq!(store.delete_account(root).await.unwrap(), AccountDeletion::LastAdmin);
        let spare = add_user(&store, "spare", Role::Admin, 2).await;
        store.set_disabled(spare, true).await.unwrap();
        assert_eq!(
            store.delete_account(root).await.unwrap(),
            AccountDeletion::LastAdmin,
            "a disabled admin does not count"
        );
        assert!(store.user_by_name(&name("root")).await.unwrap().is_some());
        store.set_disabled(spare, false).await.unwrap();
        assert_eq!(store.delete_account(root).await.unwrap(), AccountDeletion::Deleted);
        assert_eq!(store.delete_account(spare).await.unwrap(), AccountDeletion::LastAdmin);
        store.close().await;
    }

    async fn every_column_that_names_an_account_is_exported_and_deleted(db: &TestDb) {
        // A table added with per-member rows must join `member_data`.
        let store = db.open().await;
        let referring: Vec<String> = store
            .all_columns()
            .await
            .unwrap()
            .into_iter()
            .filter(|c| {
                let column = c.rsplit('.').next().unwrap_or_default();
                column == "user_id" || column == "uploader_id" || column.ends_with("_by")
            })
            .collect();
        assert_eq!(referring, MEMBER_COLUMNS);
        store.close().await;
    }
}
