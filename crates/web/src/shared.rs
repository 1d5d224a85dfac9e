//! What the API and the admin app both serve, so that neither imports the other: opaque page
//! cursors, the audit log's entry shape, and the invitation email. (Response exports, the
//! largest shared piece, live in `exports.rs`.)

use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Tr;
use tevreden_storage::Email;

/// Cursors are opaque to callers: `c` and the last id in base 36.
pub fn encode_cursor(id: i64) -> String {
    let mut n = id.max(0) as u64;
    let mut digits = Vec::new();
    loop {
        let d = (n % 36) as u8;
        digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    format!("c{}", String::from_utf8(digits).unwrap_or_default())
}

pub fn decode_cursor(c: &str) -> Option<i64> {
    let digits = c.strip_prefix('c')?;
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    i64::from_str_radix(digits, 36).ok().filter(|n| *n >= 0)
}

/// An audit entry in the API's shape (also the admin app's JSON download).
pub fn audit_out(e: tevreden_storage::AuditEntry) -> AuditOut {
    AuditOut {
        id: e.id,
        at: crate::api::iso(e.at),
        actor: e.actor,
        action: e.action,
        object_type: e.object_type,
        object_key: e.object_key,
        before: e.before,
        after: e.after,
    }
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub id: i64,
    pub at: String,
    /// `user:<email>`, `token:<name>` or `cli`.
    pub actor: String,
    /// What was done, e.g. `survey.publish`, `unit.update`, `user.invite`.
    pub action: String,
    pub object_type: String,
    pub object_key: String,
    /// The object before the change, when there was one.
    pub before: Option<serde_json::Value>,
    /// The object after the change.
    pub after: Option<serde_json::Value>,
}

/// How long an invitation link works.
pub const INVITE_LINK_MS: i64 = 7 * 24 * 3600 * 1000;

/// The invitation to `to`, in `tr`'s language, with the link for one-time token `token`.
pub struct Invitation<'a> {
    pub tr: &'a Tr,
    /// The public URL without its trailing slash.
    pub base: &'a str,
    pub to: &'a str,
    pub name: &'a str,
    pub inviter: &'a str,
    pub org: &'a str,
}

impl Invitation<'_> {
    pub fn link(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.base)
    }

    pub fn email(&self, token: &str) -> Email {
        let tr = self.tr;
        Email {
            to: self.to.to_lowercase(),
            subject: tr.t_args("mail-invite-subject", &[("org", self.org.to_string())]),
            body: tr.t_args(
                "mail-invite-body",
                &[
                    ("name", self.name.to_string()),
                    ("inviter", self.inviter.to_string()),
                    ("org", self.org.to_string()),
                    ("link", self.link(token)),
                    ("days", (INVITE_LINK_MS / 86_400_000).to_string()),
                ],
            ),
        }
    }
}
