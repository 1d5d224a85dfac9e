//! The organisation's theme dictionary: its own (stored as checked YAML) or the built-in one.

use tevreden_domain::text::ThemeDictionary;
use tevreden_storage::{Store, StoreError};

/// The organisation's dictionary, else the built-in customer-service one.
pub async fn dictionary(store: &Store, org_id: i64) -> Result<(ThemeDictionary, bool), StoreError> {
    Ok(match store.theme_dictionary(org_id).await? {
        Some(yaml) => match ThemeDictionary::from_yaml(&yaml) {
            Ok(d) => (d, true),
            Err(e) => {
                tracing::warn!(error = %e, "a stored theme dictionary no longer parses");
                (ThemeDictionary::default_customer_service(), false)
            }
        },
        None => (ThemeDictionary::default_customer_service(), false),
    })
}
