//! Branding saved by another portal process, or restored from an older
//! database, reaches a running portal's cache at its next reload.

mod release_helpers;
mod support;

use release_helpers::*;

/// Saves `name` as the site name straight into `store`, at `support::START`.
async fn save_name(store: &store::Store, name: &str) -> i64 {
    save_name_at(store, name, support::START).await
}

/// Saves `name` as the site name straight into `store`, at `at` (Unix
/// seconds).
async fn save_name_at(store: &store::Store, name: &str, at: i64) -> i64 {
    store
        .save_branding(&store::BrandingUpdate {
            site_name: Some(name),
            accent: None,
            band: None,
            banner: "",
            logo: store::LogoChange::Keep,
            updated_at: at,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_whose_branding_version_went_back_is_shown_after_a_reload() {
    // Regression: a restored database (an older version) was fetched at
    // every reload and never shown, nor any save after it.
    let newer = app().await;
    let first = save_name(&newer.store, "before the restore").await;
    assert_eq!(save_name(&newer.store, "latest").await, first + 1);
    let cache = portal::branding::BrandingCache::new("testsite");
    assert!(cache.reload(&newer.store).await.unwrap());
    assert_eq!(cache.get().site_name, "latest");
    // The restored copy stands for the same database, one save behind.
    let restored = app().await;
    assert_eq!(save_name(&restored.store, "restored").await, first);
    assert!(cache.reload(&restored.store).await.unwrap());
    assert_eq!(cache.get().site_name, "restored");
    assert!(!cache.reload(&restored.store).await.unwrap(), "shown now");
    save_name(&restored.store, "saved after the restore").await;
    assert!(cache.reload(&restored.store).await.unwrap());
    assert_eq!(cache.get().site_name, "saved after the restore");
}

#[tokio::test]
async fn a_save_on_a_restored_database_before_any_reload_is_shown() {
    // Regression: versions counted up by one from the restored row, so
    // the save after a restore took the number of the save the cache
    // showed, and the cache never fetched it.
    let newer = app().await;
    save_name(&newer.store, "before the restore").await;
    let shown = save_name(&newer.store, "latest").await;
    let cache = portal::branding::BrandingCache::new("testsite");
    assert!(cache.reload(&newer.store).await.unwrap());
    assert_eq!(cache.get().version, Some(shown));
    // Restored one save behind; an administrator saves a minute later,
    // before this portal's next reload.
    let restored = app().await;
    save_name(&restored.store, "restored").await;
    let saved = save_name_at(
        &restored.store,
        "saved after the restore",
        support::START + 60,
    )
    .await;
    assert_ne!(saved, shown);
    assert!(cache.reload(&restored.store).await.unwrap());
    assert_eq!(cache.get().site_name, "saved after the restore");
}
