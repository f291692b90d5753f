//! Sends the mail outbox over SMTP. A message leaves the outbox only when the SMTP server
//! accepted it; a failure is retried with exponential backoff and jitter (up to an hour),
//! so an SMTP outage delays an invitation and never loses it.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use roster_core::Timestamp;
use tokio::sync::Notify;

use crate::app::now;
use crate::storage::{Db, Mail};

/// How mail leaves the server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mailer(from {})", self.from)
    }
}

impl Mailer {
    /// `url` as lettre reads it: `smtp://host:port` (plain, for a local relay),
    /// `smtp://host:port?tls=required` (STARTTLS) or `smtps://host:port`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp {url:?} is not a usable SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("--mail-from {from:?} is not an address: {e}"))?;
        Ok(Self { transport, from })
    }

    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .body(mail.body.clone())
            .map_err(|e| format!("could not build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// When to try a failed message again: 5 s, 10 s, 20 s … up to an hour, ±20%.
fn backoff(attempts: i64) -> Duration {
    let base = 5u64.saturating_mul(1 << attempts.clamp(0, 10)).min(3600);
    let jitter = rand::rng().random_range(0.8..1.2);
    Duration::from_secs_f64(base as f64 * jitter)
}

/// Runs until the process ends: sends due mail when woken or every few seconds.
pub async fn run(db: Db, mailer: Option<Mailer>, queued: Arc<Notify>) {
    let Some(mailer) = mailer else {
        tracing::warn!(
            "no --smtp given: invitation mail stays queued until the server runs with one"
        );
        return;
    };
    loop {
        let due = match db.run(|db| db.due_mail(now(), 50)).await {
            Ok(due) => due,
            Err(err) => {
                tracing::error!(%err, "could not read the mail outbox");
                Vec::new()
            }
        };
        for mail in due {
            let result = mailer.send(&mail).await;
            let id = mail.id;
            let recorded = match result {
                Ok(()) => db.run(move |db| db.mail_sent(id, now())).await,
                Err(error) => {
                    let wait = backoff(mail.attempts);
                    // The SMTP reply often quotes the recipient, which is member data: the log
                    // names the outbox row only; the reply is kept in the row (last_error).
                    tracing::warn!(
                        outbox_id = id,
                        attempts = mail.attempts + 1,
                        retry_in_s = wait.as_secs(),
                        "mail not sent"
                    );
                    let next = Timestamp::from_unix_millis(
                        now().unix_millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX),
                    );
                    db.run(move |db| db.mail_failed(id, &error, next)).await
                }
            };
            if let Err(err) = recorded {
                tracing::error!(%err, "could not record a mail attempt");
            }
        }
        tokio::select! {
            () = queued.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}
