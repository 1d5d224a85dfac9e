use thiserror::Error;

/// What went wrong in storage, in terms the layers above can act on. Database internals stay in
/// `Database` and are logged, never shown to users.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the SQLite ingest writer's own connection (`ingest::native`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn not_found(what: impl Into<String>) -> StoreError {
        StoreError::NotFound(what.into())
    }
    /// True for unique-constraint violations, on either engine.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
