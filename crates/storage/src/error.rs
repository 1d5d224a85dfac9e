use thiserror::Error;

/// What went wrong in storage, in terms the layers above can act on. Database internals stay in
/// `Database` and are logged, never shown to users.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The request breaks a rule of the data or of the deployment: the caller's to fix; the
    /// [`Rule`] says which.
    #[error("{0}")]
    Invalid(Rule),
    /// The request names something the organisation does not have (`key` as it was given, or
    /// empty when the reference was an id).
    #[error("{}", unknown_text(*kind, key))]
    UnknownReference { kind: Reference, key: String },
    /// A fault on our side: stored data that does not read back, a background part that
    /// stopped. Logged, never the caller's to fix.
    #[error("{0}")]
    Internal(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the SQLite ingest writer's own connection (`ingest::native`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

fn unknown_text(kind: Reference, key: &str) -> String {
    match key {
        "" => format!("the {kind} does not exist"),
        key => format!("the {kind} `{key}` does not exist"),
    }
}

/// The rule a [`StoreError::Invalid`] request breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A unit would end up under itself.
    UnitTreeCycle,
    /// A SQLite database in a folder that does not exist.
    MissingFolder(std::path::PathBuf),
    /// What was asked works on PostgreSQL only (it says what).
    PostgresOnly(&'static str),
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::UnitTreeCycle => f.write_str("the unit tree would contain a cycle"),
            Rule::MissingFolder(dir) => write!(f, "the folder {} does not exist", dir.display()),
            Rule::PostgresOnly(what) => write!(f, "{what} is for PostgreSQL databases only"),
        }
    }
}

/// What a [`StoreError::UnknownReference`] pointed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    Unit,
    ParentUnit,
    Channel,
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Reference::Unit => "unit",
            Reference::ParentUnit => "parent unit",
            Reference::Channel => "channel",
        })
    }
}

impl StoreError {
    pub fn internal(what: impl Into<String>) -> StoreError {
        StoreError::Internal(what.into())
    }
    pub fn unknown(kind: Reference, key: impl Into<String>) -> StoreError {
        StoreError::UnknownReference {
            kind,
            key: key.into(),
        }
    }
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
