//! What can happen to an inquiry, shared by the API and the admin pages. Every change runs as
//! one writer job: read, check, update and append its event, atomically.

use serde_json::json;

use super::model::{Contact, Fields, Inquiry};
use super::queries;
use super::spam::score::Reason;
use crate::app::App;
use crate::error::{ApiError, FieldErrors};
use crate::leads::lifecycle::Status;
use crate::leads::list::{Filter, Sort};
use crate::leads::routing;
use crate::leads::timeline::{self, Entry};
use crate::store::{events, NewEvent, Tx};
use crate::util;

/// Topic of a new inquiry that reached the inbox.
pub const SUBMITTED: &str = "observation/outreach/inquiry/submitted";
/// Topic of every later change.
pub const UPDATED: &str = "observation/outreach/inquiry/updated";
/// Topic of a submission judged spam (kept in the log, never notified).
pub const SPAM_RECEIVED: &str = "observation/outreach/inquiry/spam-received";
/// Topic of a submission held in quarantine (kept in the log, never notified).
pub const QUARANTINED: &str = "observation/outreach/inquiry/quarantined";

/// A change only inquiries have (the lifecycle steps are shared: `leads::lifecycle`).
#[derive(Debug, Clone)]
pub enum Step {
    /// Edit contact and business fields.
    Edit(Fields),
    /// Release from the spam folder into the inbox (as NEW if held since its capture, else as it
    /// was); the model learns it is kept.
    NotSpam,
    /// Move to the spam folder; the model learns it is spam.
    MarkSpam,
}

/// A new inquiry, as the capture path or staff hand it over.
#[derive(Debug, Clone, Default)]
pub struct NewInquiry {
    /// Contact and business fields.
    pub contact: Contact,
    /// Its form (None: the workspace's default form).
    pub form_id: Option<String>,
    /// Answers to that form's own questions.
    pub answers: super::forms::Answers,
    /// Where the visitor came from.
    pub attribution: Option<super::attribution::Attribution>,
    /// Every signal of the spam score that fired.
    pub spam_reasons: Vec<Reason>,
    /// The workspace's threshold: a score above it is spam.
    pub spam_threshold: i64,
    /// Set when the posting page's origin is not allowed: the lead is held in quarantine.
    pub quarantined_from: Option<String>,
    /// The posting page's origin, allowed or not.
    pub origin: Option<String>,
}

/// The words the model reads of an inquiry.
pub fn model_text(c: &Contact, answers: &super::forms::Answers) -> String {
    let mut t = format!(
        "{} {} {}",
        c.subject.as_deref().unwrap_or(""),
        c.message,
        c.email.rsplit('@').next().unwrap_or("")
    );
    for a in answers.values() {
        if let super::forms::Answer::Text(s) = a {
            t.push(' ');
            t.push_str(s);
        }
    }
    t
}

/// Stores a new inquiry and its event in one transaction.
pub async fn create(
    app: &App,
    workspace_id: String,
    new: NewInquiry,
    source: &'static str,
    actor: Option<String>,
) -> Result<Inquiry, ApiError> {
    let now = app.clock.now_str();
    let score = super::spam::score::total(&new.spam_reasons);
    let mut inquiry = Inquiry {
        id: util::new_id("inq"),
        workspace_id,
        contact: new.contact,
        status: Status::New,
        assignee_id: None,
        spam: score > new.spam_threshold,
        spam_score: score,
        spam_reasons: new.spam_reasons,
        form_id: new.form_id,
        answers: new.answers,
        attribution: new.attribution,
        quarantined: new.quarantined_from.is_some(),
        origin: new.quarantined_from.or(new.origin),
        verdict: None,
        source: source.into(),
        created_at: now.clone(),
        updated_at: now,
        replied_at: None,
        converted_at: None,
        lost_reason: None,
        deleted_at: None,
        person_id: None,
    };
    // Everything that is only serialising happens here, not on the single writer.
    let (topic, data) = if inquiry.quarantined {
        (
            QUARANTINED,
            json!({ "id": inquiry.id, "origin": inquiry.origin, "formId": inquiry.form_id }),
        )
    } else if inquiry.spam {
        (
            SPAM_RECEIVED,
            json!({
                "id": inquiry.id,
                "score": inquiry.spam_score,
                "reasons": inquiry.spam_reasons,
            }),
        )
    } else {
        (SUBMITTED, inquiry.submitted_data())
    };
    let text = data.to_string();
    let event = NewEvent {
        workspace_id: Some(inquiry.workspace_id.clone()),
        topic: topic.into(),
        subject_id: Some(inquiry.id.clone()),
        actor_id: actor,
        data,
    };
    let columns = queries::JsonColumns::of(&inquiry);
    app.store
        .write_deferring(move |tx| {
            queries::insert(tx, &mut inquiry, &columns)?;
            tx.append_text(event, &text)?;
            let at = (inquiry.workspace_id.as_str(), inquiry.id.as_str());
            let kind = &super::kind::Inquiries;
            let held = inquiry.spam || inquiry.quarantined;
            routing::assign::captured(tx, kind, at, held, &inquiry.created_at)?;
            Ok(inquiry)
        })
        .await
}

/// Records a staff verdict and teaches the workspace's model; a changed mind is taken back
/// from the other side first.
fn verdict(tx: &Tx<'_>, inq: &mut Inquiry, spam: bool) -> Result<(), ApiError> {
    let words = super::spam::bayes::words(&model_text(&inq.contact, &inq.answers));
    let side = if spam { "spam" } else { "ham" };
    match inq.verdict.as_deref() {
        Some(v) if v == side => return Ok(()),
        Some(v) => super::spam::bayes::learn(tx, &inq.workspace_id, &words, v == "spam", -1)?,
        None => {}
    }
    super::spam::bayes::learn(tx, &inq.workspace_id, &words, spam, 1)?;
    inq.verdict = Some(side.into());
    Ok(())
}

fn apply_in_tx(
    tx: &mut Tx<'_>,
    workspace_id: &str,
    id: &str,
    actor: &str,
    step: Step,
) -> Result<Inquiry, ApiError> {
    let mut inq = queries::get(tx, workspace_id, id)?.ok_or_else(ApiError::not_found)?;
    let before = inq.status;
    let now = util::now_str();
    let mut data = json!({ "id": inq.id });
    if inq.deleted_at.is_some() {
        return Err(ApiError::not_found());
    }
    // Set for a lead that enters the inbox for the first time by this step.
    let mut admitted = false;
    let change = match step {
        Step::Edit(fields) => {
            crate::leads::people::refuse_if_erased(tx, inq.person_id.as_deref())?;
            if inq.spam {
                return Err(ApiError::conflict(
                    "INVALID_TRANSITION",
                    "This inquiry is in the spam folder; mark it not spam first",
                ));
            }
            let mut errs = FieldErrors::default();
            let edited = inq.contact.patch(&fields, &mut errs);
            errs.finish()?;
            let changed: Vec<&str> = fields.keys().map(String::as_str).collect();
            data["fields"] = json!(changed);
            inq.contact = edited;
            "edited"
        }
        Step::NotSpam => {
            if !inq.spam {
                return Err(ApiError::conflict(
                    "INVALID_TRANSITION",
                    "This inquiry is not marked as spam",
                ));
            }
            inq.spam = false;
            // Held since its capture, it is new now; one taken back after a mistaken "spam"
            // goes back where it was, with its status, and is not announced again.
            if !events::any_about(tx, &inq.workspace_id, &inq.id, SUBMITTED)? {
                inq.status = Status::New;
                admitted = true;
            }
            verdict(tx, &mut inq, false)?;
            "marked_not_spam"
        }
        Step::MarkSpam => {
            if inq.quarantined {
                return Err(ApiError::conflict(
                    "INVALID_TRANSITION",
                    "This inquiry is held in quarantine; allow its origin first",
                ));
            }
            if inq.spam {
                return Err(ApiError::conflict(
                    "INVALID_TRANSITION",
                    "This inquiry is already in the spam folder",
                ));
            }
            inq.spam = true;
            verdict(tx, &mut inq, true)?;
            "marked_spam"
        }
    };
    inq.updated_at = now;
    queries::update(tx, &inq)?;
    data["change"] = json!(change);
    data["status"] = json!(inq.status.as_str());
    data["previousStatus"] = json!(before.as_str());
    tx.append(NewEvent {
        workspace_id: Some(workspace_id.into()),
        topic: UPDATED.into(),
        subject_id: Some(inq.id.clone()),
        actor_id: Some(actor.into()),
        data,
    })?;
    if admitted {
        admit(tx, &inq, Some(actor))?;
    }
    Ok(inq)
}

/// A held inquiry (out of the spam folder, out of quarantine) enters the inbox: it is
/// submitted now, notified and routed like any new lead.
pub fn admit(tx: &mut Tx<'_>, inq: &Inquiry, actor: Option<&str>) -> Result<(), ApiError> {
    tx.append(NewEvent {
        workspace_id: Some(inq.workspace_id.clone()),
        topic: SUBMITTED.into(),
        subject_id: Some(inq.id.clone()),
        actor_id: actor.map(str::to_string),
        data: inq.submitted_data(),
    })?;
    let kind = &super::kind::Inquiries;
    let at = (inq.workspace_id.as_str(), inq.id.as_str());
    routing::assign::captured(tx, kind, at, false, &inq.updated_at)
}

/// Applies a staff change; 404 for another workspace's inquiry, 409 for a refused transition.
pub async fn apply(
    app: &App,
    workspace_id: String,
    id: String,
    actor: String,
    step: Step,
) -> Result<Inquiry, ApiError> {
    app.store
        .write(move |tx| apply_in_tx(tx, &workspace_id, &id, &actor, step))
        .await
}

/// An inquiry with its timeline.
pub async fn find(
    app: &App,
    workspace_id: String,
    id: String,
) -> Result<(Inquiry, Vec<Entry>), ApiError> {
    app.store
        .read(move |c| {
            let inq = queries::get(c, &workspace_id, &id)?.ok_or_else(ApiError::not_found)?;
            Ok((inq, timeline::load(c, &workspace_id, &id)?))
        })
        .await
}

/// A page of inquiries and the total.
pub async fn list(
    app: &App,
    workspace_id: String,
    filter: Filter,
    sort: Sort,
    page: crate::paging::Page,
) -> Result<(Vec<Inquiry>, i64), ApiError> {
    app.store
        .read(move |c| {
            let total = queries::count(c, &workspace_id, &filter)?;
            let items = queries::list(c, &workspace_id, &filter, sort, page.window())?;
            Ok((items, total))
        })
        .await
}
