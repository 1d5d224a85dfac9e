//! `tevreden user create`, also used by the demo.

use tevreden_storage::{NewUser, Org, Role, Store, StoreError};
use tevreden_web::admin::auth::{MIN_PASSWORD_CHARS, hash_password_blocking};

/// Creates a user; returns the generated password when none was given.
pub async fn create(
    store: &Store,
    org: &Org,
    email: &str,
    role: Role,
    name: Option<String>,
    password: Option<String>,
    unit_keys: &[String],
) -> Result<Option<String>, String> {
    if !tevreden_web::admin::looks_like_email(email) {
        return Err(format!("`{email}` is not an email address"));
    }
    if let Some(p) = &password
        && p.chars().count() < MIN_PASSWORD_CHARS
    {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if role != Role::Admin && unit_keys.is_empty() {
        return Err(format!(
            "a {} sees the results of units: give them with --unit EXTERNAL_ID",
            role.as_str()
        ));
    }
    let units = store.units(org.id).await.map_err(|e| e.to_string())?;
    let mut unit_ids = Vec::new();
    for key in unit_keys {
        let key = key.trim();
        match units.iter().find(|u| u.external_id == key) {
            Some(u) => unit_ids.push(u.id),
            None => {
                return Err(format!(
                    "unit `{key}` does not exist in {}; import units first",
                    org.slug
                ));
            }
        }
    }
    let generated = password
        .is_none()
        .then(|| tevreden_storage::random_token(9));
    let plain = password.or_else(|| generated.clone()).unwrap_or_default();
    let new = NewUser {
        org_id: org.id,
        email: email.to_string(),
        name: name.unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string()),
        role,
        lang: None,
        unit_ids,
        password_hash: Some(hash_password_blocking(plain).await),
    };
    match store
        .create_user(&new, &tevreden_storage::Actor::Cli, None)
        .await
    {
        Ok(_) => Ok(generated),
        Err(StoreError::Conflict(m)) => Err(m),
        Err(e) => Err(e.to_string()),
    }
}
