//! The queries behind the portal's admin pages, on both backends: the
//! hourly traffic by country the dashboard charts, and the branding row.

#[macro_use]
mod support;

use store::{BrandingUpdate, HourlyCount, LogoChange, PolicyCount, StoredLogo};
use support::TestDb;

fn row(scope: &str, country: &str, rule: &str, decision: &str, count: u64) -> PolicyCount {
    PolicyCount {
        scope: scope.into(),
        country: country.into(),
        rule: rule.into(),
        decision: decision.into(),
        count,
    }
}

fn hourly(hour: i64, country: &str, count: u64) -> HourlyCount {
    HourlyCount {
        hour,
        country: country.into(),
        count,
    }
}

fn update<'a>(site_name: Option<&'a str>, logo: LogoChange<'a>) -> BrandingUpdate<'a> {
    BrandingUpdate {
        site_name,
        accent: Some("#123456"),
        band: None,
        banner: "Maintenance at 22:00 UTC",
        logo,
        updated_at: 1_000,
    }
}

test_on_both_backends! {
    async fn hourly_counts_sum_rules_and_decisions_per_country_within_the_window(db: &TestDb) {
        let store = db.open().await;
        store
            .add_policy_counts(
                100,
                &[
                    row("tracker", "RU", "default", "allow", 5),
                    row("tracker", "RU", "block-ru", "deny", 2),
                    row("portal", "RU", "default", "allow", 1),
                    row("tracker", "DE", "default", "allow", 3),
                ],
            )
            .await
            .unwrap();
        store.add_policy_counts(101, &[row("portal", "DE", "default", "allow", 4)]).await.unwrap();
        // Outside the window on either side.
        store.add_policy_counts(99, &[row("tracker", "RU", "default", "allow", 50)]).await.unwrap();
        store.add_policy_counts(102, &[row("tracker", "RU", "default", "allow", 60)]).await.unwrap();

        let all = store.hourly_country_counts(100, 102, None).await.unwrap();
        assert_eq!(all, vec![hourly(100, "DE", 3), hourly(100, "RU", 8), hourly(101, "DE", 4)]);
        let tracker = store.hourly_country_counts(100, 102, Some("tracker")).await.unwrap();
        assert_eq!(tracker, vec![hourly(100, "DE", 3), hourly(100, "RU", 7)]);
        assert!(store.hourly_country_counts(100, 102, Some("download")).await.unwrap().is_empty());
        store.close().await;
    }

    async fn branding_is_absent_until_saved_and_each_save_raises_the_version(db: &TestDb) {
        let store = db.open().await;
        assert_eq!(store.branding().await.unwrap(), None);
        assert_eq!(store.branding_version().await.unwrap(), None);

        let png = b"\x89PNG fake bytes".to_vec();
        let v1 = store
            .save_branding(&update(Some("Сайт"), LogoChange::Set("image/png", &png)))
            .await
            .unwrap();
        // Above the save's time in milliseconds (`updated_at` 1,000 s).
        assert_eq!(v1, 1_000_001);
        let saved = store.branding().await.unwrap().unwrap();
        assert_eq!(saved.site_name.as_deref(), Some("Сайт"));
        assert_eq!((saved.accent.as_deref(), saved.band.as_deref()), (Some("#123456"), None));
        assert_eq!(saved.banner, "Maintenance at 22:00 UTC");
        assert_eq!(
            saved.logo,
            Some(StoredLogo { media_type: "image/png".into(), bytes: png.clone() })
        );

        // Keeping the logo leaves it; the rest is replaced.
        let v2 = store.save_branding(&update(None, LogoChange::Keep)).await.unwrap();
        // Within the same millisecond, one more.
        assert_eq!(v2, 1_000_002);
        let saved = store.branding().await.unwrap().unwrap();
        assert_eq!((saved.version, saved.site_name), (1_000_002, None));
        assert_eq!(saved.logo.map(|l| l.bytes), Some(png));
        assert_eq!(store.branding_version().await.unwrap(), Some(1_000_002));

        store.save_branding(&update(None, LogoChange::Remove)).await.unwrap();
        let saved = store.branding().await.unwrap().unwrap();
        assert_eq!((saved.version, saved.logo), (1_000_003, None));

        // A later save jumps to its own time.
        let later = BrandingUpdate { updated_at: 2_000, ..update(None, LogoChange::Keep) };
        assert_eq!(store.save_branding(&later).await.unwrap(), 2_000_001);
        store.close().await;
    }

    async fn a_colour_of_the_wrong_shape_is_refused_by_the_schema(db: &TestDb) {
        let store = db.open().await;
        let bad = BrandingUpdate { accent: Some("red"), ..update(None, LogoChange::Keep) };
        assert!(store.save_branding(&bad).await.is_err());
        assert_eq!(store.branding().await.unwrap(), None);
        store.close().await;
    }
}
