//! Delivers the email outbox over SMTP.
//!
//! Messages are written to the `outbox` table in the same transaction as what caused them
//! (an invitation, a reset request). This worker claims due messages for a minute (so another
//! node does not send them too), sends each over SMTP with `lettre`, and marks it sent — or
//! schedules a retry with growing pauses. A crash between sending and marking may send a
//! message twice; it never loses one.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tevreden_storage::{OutboxMessage, Store, now_ms};
use tokio::sync::Notify;

/// Where and as whom mail is sent.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// `smtp://host:port` (plain or STARTTLS when offered with `?tls=opportunistic`),
    /// `smtps://user:pass@host:465` (TLS); see lettre's `from_url`.
    pub url: String,
    /// The sender, e.g. `Tevreden <noreply@example.nl>`.
    pub from: String,
}

/// Pauses before the next attempt after 1, 2, … failures; after the last the message is kept
/// with its error and not tried again.
const RETRY_PAUSES_S: [i64; 6] = [30, 120, 600, 1800, 7200, 21600];
const BATCH: i64 = 20;
const LEASE_MS: i64 = 120_000;

pub async fn run(store: Store, smtp: SmtpConfig, wakeup: Arc<Notify>) {
    let transport = match AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url) {
        Ok(b) => b.timeout(Some(Duration::from_secs(20))).build(),
        Err(e) => {
            tracing::error!(error = %e, "the SMTP URL is not valid; email is not sent");
            return;
        }
    };
    let from: Mailbox = match smtp.from.parse() {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, from = %smtp.from, "the sender address is not valid; email is not sent");
            return;
        }
    };
    loop {
        match store.claim_outbox(BATCH, LEASE_MS).await {
            Ok(batch) if !batch.is_empty() => {
                for m in batch {
                    deliver(&store, &transport, &from, m).await;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "reading the outbox failed"),
        }
        tokio::select! {
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

async fn deliver(
    store: &Store,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    m: OutboxMessage,
) {
    let result = match build(from, &m) {
        Ok(msg) => transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    let marked = match result {
        Ok(()) => {
            tracing::info!(id = m.id, "email sent");
            store.outbox_sent(m.id).await
        }
        Err(e) => {
            let pause = RETRY_PAUSES_S.get(m.attempts as usize).copied();
            tracing::warn!(id = m.id, error = %e, retry_in_s = ?pause, "email not sent");
            let retry_at = pause.map_or(i64::MAX, |s| now_ms() + s * 1000);
            store.outbox_failed(m.id, &e, retry_at).await
        }
    };
    if let Err(e) = marked {
        tracing::warn!(error = %e, "recording the email's state failed");
    }
}

fn build(from: &Mailbox, m: &OutboxMessage) -> Result<Message, String> {
    let to: Mailbox = m
        .email
        .to
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.email.subject.as_str())
        .header(ContentType::TEXT_PLAIN)
        .body(m.email.body.clone())
        .map_err(|e| e.to_string())
}
