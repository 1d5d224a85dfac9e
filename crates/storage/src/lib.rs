//! Tevreden's storage: one [`Store`] over SQLite (embedded, the default) and PostgreSQL
//! (several application nodes), with one code path for both.
//!
//! * Queries are written once in portable SQL and run through sqlx's `Any` driver; the few
//!   places where dialects differ branch on [`Backend`].
//! * Migrations exist per dialect (`migrations/sqlite`, `migrations/postgres`); a test compares
//!   the schemas read back from both.
//! * Responses are written by one group-commit writer ([`ingest`]): many submissions, one
//!   transaction, one fsync; each submitter is answered only after COMMIT.
//! * HTTP code sees this crate's methods and types, never SQL.

pub mod accounts;
mod analytics;
mod db;
mod directory;
mod error;
mod export;
pub mod ingest;
mod org;
mod pg_copy;
mod recount;
mod responses;
mod scorecards;
mod surveys;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tokens;
mod verify;

pub use accounts::{
    Actor, AuditEntry, Email, LinkPurpose, NewAudit, NewUser, OutboxMessage, Session,
    SessionPolicy, User,
};
pub use analytics::{CountRow, HistogramAsk, HistogramSplit, HistogramSum, MomentRow, RawRow};
pub use db::{Backend, DatabaseUrl, SqliteWriter, Store, StoreOptions, now_ms};
pub use directory::{Contact, Employee, EmployeeFilter, RecordOutcome};
pub use error::{Reference, Rule, StoreError};
pub use export::{ExportPage, ExportReader};
pub use ingest::{IngestError, IngestOutcome, NewResponse, request_hash};
pub use org::{
    Channel, CheckedImport, ContactRef, ContextKeys, ImportKind as ImportFileKind, ImportRecords,
    ImportSummary, Org, OrgTable, Touchpoint, Unit,
};
pub use recount::{KeptChange, RECOUNT_CHUNK, RecountStatus};
pub use responses::{ResponseFilter, ResponsePage, ResponseRecord};
pub use scorecards::Indicator;
pub use surveys::{
    Invitation, NewInvitation, PublishedSurvey, Survey, SurveyOverview, SurveyStatus, SurveyVersion,
};
pub use tokens::{ApiToken, Role, TokenInfo};
pub use verify::{DiffCounts, RollupCheck, VerifyLimits, VerifyProgress};

/// Hex-encoded SHA-256, used to store tokens: only the hash of a bearer or invitation token is
/// ever written to disk.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

/// A new random token with `bytes` bytes of entropy, URL-safe (hex).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    hex::encode(buf)
}

/// A new identifier in UUID version 7 text form (the `uuid` crate): 48 bits of Unix
/// milliseconds, a counter and random bits. Ids made later sort later (within a millisecond
/// too), so inserting them touches the right edge of an index instead of random pages all over
/// it (which multiplied the WAL written per response).
pub fn random_uuid() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// A form submission id: 32 hex digits, 48 bits of Unix milliseconds then 80 random bits —
/// unguessable, and ordered in time for the same index-locality reason as [`random_uuid`].
/// (Not `Uuid::now_v7`: its ordering within a millisecond comes from a counter in the bits
/// that would be random, so a neighbour's id would be partly predictable from one's own.)
pub fn time_ordered_token() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    let ms = (now_ms().max(0) as u64).to_be_bytes();
    b[..6].copy_from_slice(&ms[2..8]);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_well_formed_and_ordered_in_time() {
        let a = random_uuid();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = random_uuid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "7", "version 7");
        assert!(a < b, "later ids sort later");
        // within one millisecond too
        let many: Vec<String> = (0..1_000).map(|_| random_uuid()).collect();
        assert!(
            many.windows(2).all(|w| w[0] < w[1]),
            "ids made one after another sort in order"
        );
        let s = time_ordered_token();
        assert_eq!(s.len(), 32);
        assert!(s.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(time_ordered_token(), time_ordered_token());
    }
}
