//! Branding saved by another portal process, or restored from an older
//! database, reaches a running portal's cache at its next reload.

mod release_helpers;
mod support;

use release_helpers::*;

/// Saves `name` as the site name straight into `store`.
async fn save_name(store: &store::Store, name: &str) -> i64 {
    store
        .save_branding(&store::BrandingUpdate {
            site_name: Some(name),
            accent: None,
            band: None,
            banner: "",
            logo: store::LogoChange::Keep,
            updated_at: support::START,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_whose_branding_version_went_back_is_shown_after_a_reload() {
    // Regression: a restored database (an older version) was fetched at
    // every reload and never shown, nor any save after it.
    let newer = app().await;
    save_name(&newer.store, "before the restore").await;
    assert_eq!(save_name(&newer.store, "latest").await, 2);
    let cache = portal::branding::BrandingCache::new("testsite");
    assert!(cache.reload(&newer.store).await.unwrap());
    assert_eq!(cache.get().site_name, "latest");
    // The restored copy stands for the same database, one save behind.
    let restored = app().await;
    assert_eq!(save_name(&restored.store, "restored").await, 1);
    assert!(cache.reload(&restored.store).await.unwrap());
    assert_eq!(cache.get().site_name, "restored");
    assert!(!cache.reload(&restored.store).await.unwrap(), "shown now");
    save_name(&restored.store, "saved after the restore").await;
    assert!(cache.reload(&restored.store).await.unwrap());
    assert_eq!(cache.get().site_name, "saved after the restore");
}
