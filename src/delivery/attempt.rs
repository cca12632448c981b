//! One delivery attempt: a webhook post, an email or a push, judged (success, retry by the
//! schedule, or dead) and recorded through the writer with its consequences.

use std::sync::Arc;

use rusqlite::OptionalExtension;

use super::outbox::{self, Due, Outcome};
use super::{messages, push, signing, webhooks, Courier, DISABLE_AFTER_DAYS};
use crate::auth::permissions::{LeadAction, Role};
use crate::auth::users;
use crate::error::ApiError;
use crate::leads::inbox::{self, InboxRow};
use crate::leads::kind::{Registry, Scope};
use crate::store::{Event, NewEvent, Store};
use crate::util;

impl Courier {
    /// One attempt of `d`, recorded with its consequences.
    pub(super) async fn deliver(&self, store: &Store, kinds: &Arc<Registry>, d: &Due) {
        let (outcome, effect) = match d.channel.as_str() {
            "webhook" => self.attempt_webhook(store, kinds, d).await,
            "email" => self.attempt_email(store, kinds, d).await,
            "push" => self.attempt_push(store, kinds, d).await,
            _ => (self.dead("unknown channel"), Effect::None),
        };
        let label = match outcome.status {
            "succeeded" => "succeeded",
            "dead" => "dead",
            _ => "failed",
        };
        self.metrics.delivered(&d.channel, label);
        let (seq, ws, target, channel) = (
            d.seq,
            d.workspace_id.clone(),
            d.target_id.clone(),
            d.channel.clone(),
        );
        let ok = outcome.status == "succeeded";
        let notify_owners = self.email_enabled();
        let result = store
            .write_deferring(move |tx| {
                outbox::record(tx, seq, &outcome)?;
                if channel == "webhook" {
                    webhook_health(tx, &ws, &target, ok, notify_owners)?;
                }
                if let Effect::DropSubscription = effect {
                    tx.execute("DELETE FROM push_subscriptions WHERE id = ?1", [&target])?;
                    tx.execute(
                        "DELETE FROM deliveries WHERE channel = 'push' AND target_id = ?1
                             AND status IN ('pending', 'failed')",
                        [&target],
                    )?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = result {
            // The attempt stays due; it is made again (the receiver drops the repeat by id).
            tracing::warn!(error = %e, delivery = %d.id, "recording a delivery failed");
        }
    }

    fn dead(&self, why: &str) -> Outcome {
        Outcome {
            status: "dead",
            next_attempt_ms: None,
            response_status: None,
            duration_ms: 0,
            error: Some(why.into()),
        }
    }

    /// Success, a retry by the schedule, or dead after the last try.
    fn judge(
        &self,
        d: &Due,
        status: Option<u16>,
        duration_ms: i64,
        error: Option<String>,
        ok: bool,
    ) -> Outcome {
        if ok {
            return Outcome {
                status: "succeeded",
                next_attempt_ms: None,
                response_status: status,
                duration_ms,
                error: None,
            };
        }
        let tries = d.tries.max(0) as usize;
        match self.schedule.get(tries) {
            Some(delay) => Outcome {
                status: "failed",
                next_attempt_ms: Some(outbox::now_ms() + (*delay as i64) * 1000),
                response_status: status,
                duration_ms,
                error,
            },
            None => Outcome {
                status: "dead",
                next_attempt_ms: None,
                response_status: status,
                duration_ms,
                error,
            },
        }
    }

    async fn attempt_webhook(
        &self,
        store: &Store,
        kinds: &Arc<Registry>,
        d: &Due,
    ) -> (Outcome, Effect) {
        let ctx = load(store, kinds, d, |c, d| {
            Ok(webhooks::by_id(c, &d.target_id)?.map(|w| {
                let lang: String = c
                    .query_row(
                        "SELECT default_locale FROM workspaces WHERE id = ?1",
                        [&d.workspace_id],
                        |r| r.get(0),
                    )
                    .unwrap_or_else(|_| "en".into());
                (w, lang)
            }))
        })
        .await;
        let (ev, lead, target) = match ctx {
            Ok((ev, lead, Some(t))) => (ev, lead, t),
            Ok((_, _, None)) => return (self.dead("the endpoint was deleted"), Effect::None),
            Err(e) => return (self.retry(d, &e), Effect::None),
        };
        let (hook, lang) = target;
        let link = lead.as_ref().map(|l| self.link(&l.admin_url));
        let body = if hook.format == "standard" {
            match &ev {
                Some(ev) => messages::webhook_body(ev, link.as_deref()),
                None => messages::test_body(&d.workspace_id, &util::now_str()),
            }
        } else {
            let line = messages::chat_line(&lang, ev.as_ref(), lead.as_ref(), link.as_deref());
            messages::chat_body(&hook.format, &hook.url, &line)
        };
        let ts = time::OffsetDateTime::now_utc().unix_timestamp();
        let now = util::now_str();
        let sig = signing::header(&hook.signing_secrets(&now), &d.message_id, ts, &body);
        let headers = [
            ("content-type", "application/json".to_string()),
            ("webhook-id", d.message_id.clone()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", sig),
        ];
        let reply = self.outbound.post(&hook.url, &headers, body).await;
        let ok = reply.is_success();
        (
            self.judge(d, reply.status, reply.duration_ms, reply.error, ok),
            Effect::None,
        )
    }

    async fn attempt_email(
        &self,
        store: &Store,
        kinds: &Arc<Registry>,
        d: &Due,
    ) -> (Outcome, Effect) {
        let Some(mailer) = &self.mailer else {
            return (self.dead("email is not configured"), Effect::None);
        };
        let ctx = load(store, kinds, d, |c, d| {
            recipient(c, &d.workspace_id, &d.target_id)
        })
        .await;
        let (ev, lead, who) = match ctx {
            Ok((ev, lead, Some(w))) => (ev, lead, w),
            Ok((_, _, None)) => {
                return (
                    self.dead("the recipient is no longer a member"),
                    Effect::None,
                )
            }
            Err(e) => return (self.retry(d, &e), Effect::None),
        };
        let (user, role, ws_name) = who;
        let lang = user.locale.as_str().to_string();
        let account = self.link("/admin/account");
        let (subject, text) = match (&ev, &lead) {
            (Some(ev), Some(lead)) => {
                let Some(kind) = kinds.get(lead.kind) else {
                    return (self.dead("unknown lead kind"), Effect::None);
                };
                if !role.can(kind.perm(LeadAction::FindById)) {
                    return (
                        self.dead("the recipient may not see this lead"),
                        Effect::None,
                    );
                }
                let why = messages::Why::of(&ev.topic);
                messages::lead_email(&lang, why, lead, &self.link(&lead.admin_url), &account)
            }
            (Some(_), None) => return (self.dead("the lead is gone"), Effect::None),
            (None, _) if d.topic == "leadbox.webhook-disabled" => {
                let host = d
                    .payload
                    .as_ref()
                    .and_then(|p| p.get("host"))
                    .and_then(|h| h.as_str())
                    .unwrap_or_default()
                    .to_string();
                messages::disabled_email(&lang, &ws_name, &host, &self.link("/admin/webhooks"))
            }
            (None, _) => {
                let ws = d.workspace_id.clone();
                let k = kinds.clone();
                let readable: Vec<&'static str> = inbox::readable(kinds, role);
                let l = lang.clone();
                let counts = store
                    .read(move |c| digest_counts(c, &k, &ws, &readable, &l))
                    .await;
                let Ok((by_kind, waiting)) = counts else {
                    return (self.retry(d, "reading the digest failed"), Effect::None);
                };
                messages::digest_email(
                    &lang,
                    &ws_name,
                    &by_kind,
                    waiting,
                    &self.link("/admin/leads"),
                    &account,
                )
            }
        };
        let started = std::time::Instant::now();
        let sent = mailer.send(&user.email, &subject, text).await;
        let ms = started.elapsed().as_millis() as i64;
        let ok = sent.is_ok();
        (self.judge(d, None, ms, sent.err(), ok), Effect::None)
    }

    async fn attempt_push(
        &self,
        store: &Store,
        kinds: &Arc<Registry>,
        d: &Due,
    ) -> (Outcome, Effect) {
        let ctx = load(store, kinds, d, |c, d| {
            let sub = c
                .query_row(
                    "SELECT s.endpoint, s.p256dh, s.auth, u.locale, m.role FROM push_subscriptions s
                     JOIN users u ON u.id = s.user_id
                     JOIN memberships m ON m.user_id = s.user_id AND m.workspace_id = ?2
                     WHERE s.id = ?1",
                    [&d.target_id, &d.workspace_id],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?)),
                )
                .optional()?;
            Ok(sub)
        })
        .await;
        let (ev, lead, sub) = match ctx {
            Ok((ev, lead, Some(s))) => (ev, lead, s),
            Ok((_, _, None)) => return (self.dead("the subscription is gone"), Effect::None),
            Err(e) => return (self.retry(d, &e), Effect::None),
        };
        let (endpoint, p256dh, auth, lang, role) = sub;
        let (Some(ev), Some(lead)) = (ev, lead) else {
            return (self.dead("the lead is gone"), Effect::None);
        };
        let may = kinds
            .get(lead.kind)
            .zip(Role::parse(&role).ok())
            .is_some_and(|(k, r)| r.can(k.perm(LeadAction::FindById)));
        if !may {
            return (
                self.dead("the recipient may not see this lead"),
                Effect::None,
            );
        }
        let plain = messages::push_payload(&lang, messages::Why::of(&ev.topic), &lead);
        let (Some(ua), Some(secret)) = (push::b64d(&p256dh), push::b64d(&auth)) else {
            return (
                self.dead("the subscription keys are invalid"),
                Effect::DropSubscription,
            );
        };
        let body = match push::encrypt(&plain, &ua, &secret) {
            Ok(b) => b,
            Err(e) => return (self.dead(&e), Effect::DropSubscription),
        };
        let Ok(url) = reqwest::Url::parse(&endpoint) else {
            return (
                self.dead("the subscription endpoint is invalid"),
                Effect::DropSubscription,
            );
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let headers = [
            ("authorization", self.vapid.authorization(&url, now)),
            ("content-encoding", "aes128gcm".to_string()),
            ("content-type", "application/octet-stream".to_string()),
            ("ttl", "86400".to_string()),
            ("urgency", "high".to_string()),
            (
                "topic",
                lead.id.replace(['_', '-'], "").chars().take(32).collect(),
            ),
        ];
        let reply = self.outbound.post(&endpoint, &headers, body).await;
        if matches!(reply.status, Some(404) | Some(410)) {
            let mut o = self.dead("the push service says the subscription expired");
            o.response_status = reply.status;
            o.duration_ms = reply.duration_ms;
            return (o, Effect::DropSubscription);
        }
        let ok = reply.is_success();
        (
            self.judge(d, reply.status, reply.duration_ms, reply.error, ok),
            Effect::None,
        )
    }

    fn retry(&self, d: &Due, why: &str) -> Outcome {
        self.judge(d, None, 0, Some(why.to_string()), false)
    }
}

/// A consequence of an attempt besides its record.
enum Effect {
    None,
    DropSubscription,
}

/// Reads what an attempt needs: its event, the lead it is about, and the channel's target.
async fn load<T: Send + 'static>(
    store: &Store,
    kinds: &Arc<Registry>,
    d: &Due,
    target: impl FnOnce(&rusqlite::Connection, &Due) -> Result<Option<T>, ApiError> + Send + 'static,
) -> Result<(Option<Event>, Option<InboxRow>, Option<T>), String> {
    let (d, kinds) = (d.clone(), kinds.clone());
    store
        .read(move |c| {
            let ev = match d.event_id {
                Some(id) => c
                    .prepare_cached(
                        "SELECT id, workspace_id, topic, subject_id, actor_id, data, created_at
                         FROM events WHERE id = ?1",
                    )?
                    .query_row([id], crate::store::events::from_row)
                    .optional()?,
                None => None,
            };
            let lead = match ev.as_ref().and_then(|e| e.subject_id.clone()) {
                Some(subject) => inbox::one(
                    c,
                    &kinds,
                    &Scope { now: util::now() },
                    &d.workspace_id,
                    &subject,
                )?,
                None => None,
            };
            let t = target(c, &d)?;
            Ok((ev, lead, t))
        })
        .await
        .map_err(|e| format!("reading the message failed: {}", e.code))
}

/// The recipient of an email: the user, their role here and the workspace's name.
fn recipient(
    c: &rusqlite::Connection,
    ws: &str,
    user: &str,
) -> Result<Option<(users::StaffUser, Role, String)>, ApiError> {
    let Some(u) = users::by_id(c, user)? else {
        return Ok(None);
    };
    let Some(role) = users::role_in(c, user, ws)? else {
        return Ok(None);
    };
    let name: String = c.query_row("SELECT name FROM workspaces WHERE id = ?1", [ws], |r| {
        r.get(0)
    })?;
    Ok(Some((u, role, name)))
}

/// New leads of the last 24 hours per readable kind, and leads still fresh.
fn digest_counts(
    c: &rusqlite::Connection,
    kinds: &Registry,
    ws: &str,
    readable: &[&'static str],
    lang: &str,
) -> Result<(Vec<(String, i64)>, i64), ApiError> {
    let scope = Scope { now: util::now() };
    let since = util::rfc3339(util::now() - time::Duration::hours(24));
    let sql = format!(
        "SELECT kind, COUNT(*) FROM ({}) WHERE workspace_id = ?1 AND created_at >= ?2 GROUP BY kind",
        inbox::union_sql(kinds, &scope)
    );
    let mut by_kind = vec![];
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map([ws, &since], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (kind, n) = row?;
        if let Some(k) = kinds.get(&kind).filter(|k| readable.contains(&k.id())) {
            by_kind.push((k.label().get(lang).to_string(), n));
        }
    }
    let waiting = inbox::count_fresh(c, kinds, &scope, ws, readable)?;
    Ok((by_kind, waiting))
}

/// After a webhook attempt: a success clears the failure clock; a failure starts it, and an
/// endpoint failing for five days is disabled, logged and its owners told.
fn webhook_health(
    tx: &mut crate::store::Tx<'_>,
    ws: &str,
    id: &str,
    ok: bool,
    email_owners: bool,
) -> Result<(), ApiError> {
    let now = util::now_str();
    if ok {
        tx.execute(
            "UPDATE webhooks SET failing_since = NULL WHERE id = ?1 AND failing_since IS NOT NULL",
            [id],
        )?;
        return Ok(());
    }
    tx.execute(
        "UPDATE webhooks SET failing_since = ?2 WHERE id = ?1 AND failing_since IS NULL",
        [id, &now],
    )?;
    let limit = util::rfc3339(util::now() - time::Duration::days(DISABLE_AFTER_DAYS));
    let n = tx.execute(
        "UPDATE webhooks SET enabled = 0, disabled_reason = 'failing', updated_at = ?3
         WHERE id = ?1 AND enabled = 1 AND failing_since <= ?2",
        [id, &limit, &now],
    )?;
    if n == 0 {
        return Ok(());
    }
    let url: String = tx.query_row("SELECT url FROM webhooks WHERE id = ?1", [id], |r| r.get(0))?;
    let host = reqwest::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    tx.append(NewEvent {
        workspace_id: Some(ws.into()),
        topic: "webhook/disabled".into(),
        subject_id: Some(id.into()),
        actor_id: None,
        data: serde_json::json!({ "id": id, "host": host, "reason": "failing", "days": DISABLE_AFTER_DAYS }),
    })?;
    tracing::warn!(webhook = %id, "webhook disabled after {DISABLE_AFTER_DAYS} days of failures");
    if email_owners {
        let owners: Vec<String> = tx
            .prepare("SELECT user_id FROM memberships WHERE workspace_id = ?1 AND role = 'owner'")?
            .query_map([ws], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for owner in owners {
            outbox::insert_once(
                tx,
                &outbox::NewDelivery {
                    workspace_id: ws.into(),
                    channel: "email",
                    target_id: owner,
                    message_id: format!("disabled_{id}_{now}"),
                    event_id: None,
                    topic: "leadbox.webhook-disabled".into(),
                    payload: Some(serde_json::json!({ "webhookId": id, "host": host })),
                },
                outbox::now_ms(),
            )?;
        }
    }
    Ok(())
}
