//! Email over SMTP (lettre, rustls): configured by `LEADBOX_SMTP_URL`; absent, email is off.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A configured SMTP sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Builds the transport from `smtps://user:pass@host:465` or
    /// `smtp://host:25?tls=starttls`; `from` defaults to `leadbox <leadbox@localhost>`.
    pub fn new(url: &str, from: Option<&str>, timeout: Duration) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("smtp_url: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from: Mailbox = from
            .unwrap_or("leadbox <leadbox@localhost>")
            .parse()
            .map_err(|e| format!("smtp_from: {e}"))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|_| "the recipient address is invalid")?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport.send(msg).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                "the mail server refused the message".to_string()
            } else if e.is_transient() {
                "the mail server asked to try later".to_string()
            } else {
                "could not reach the mail server".to_string()
            }
        })
    }
}
