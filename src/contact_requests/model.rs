//! A contact request: what the widget may send, and the stored record.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::leads::lifecycle::{Progress, Status};

/// Plans a request may be about.
pub const PLANS: [&str; 3] = ["payg", "monthly", "annual"];

/// The request body exactly as the seed's contract has it; identity fields are not here. Kept
/// as raw values so each wrong one is named in the seed's `invalid_payload` message; the
/// schema says what each takes.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawRequest {
    /// Where the button was (default `dashboard_pricing`).
    #[schemars(with = "Option<Source>")]
    source: Option<Value>,
    /// The plan asked about.
    #[schemars(with = "Plan")]
    plan: Option<Value>,
    /// Seats, messages… whatever the product counts.
    #[schemars(with = "Quantity")]
    quantity: Option<Value>,
    /// The user wants to be contacted (default true).
    #[schemars(with = "Option<bool>")]
    contact_required: Option<Value>,
    /// Path of the page the button was on, without a query string.
    #[schemars(with = "Option<PagePath>")]
    page: Option<Value>,
}

/// The plans a request may be about.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Plan {
    /// Pay as you go.
    Payg,
    /// Monthly.
    Monthly,
    /// Annual.
    Annual,
}

/// 1–50 lowercase letters, digits or `_`.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct Source(#[schemars(pattern(r"^[a-z0-9_]{1,50}$"))] String);

/// A whole number of at least 1.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct Quantity(#[schemars(range(min = 1, max = 1_000_000_000_000i64))] i64);

/// A path like `/pricing`.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct PagePath(#[schemars(pattern(r"^/[A-Za-z0-9/_.-]{0,100}$"))] String);

/// A validated request body.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactInput {
    /// Where the button was, e.g. `dashboard_pricing`.
    pub source: String,
    /// `payg`, `monthly` or `annual`.
    pub plan: String,
    /// Seats, messages… whatever the product counts; ≥ 1.
    pub quantity: i64,
    /// The user wants to be contacted.
    pub contact_required: bool,
    /// Path of the page the button was on.
    pub page: Option<String>,
}

impl crate::leads::kind::Input for ContactInput {
    type Raw = RawRequest;
    /// Stops at the first problem: the seed's `invalid_payload` message names one field.
    fn parse(raw: RawRequest) -> Result<ContactInput, crate::error::FieldErrors> {
        let bad = |f: &str, m: &str| {
            let mut errs = crate::error::FieldErrors::default();
            errs.add(f, m);
            Err(errs)
        };
        let source = match raw.source {
            None | Some(Value::Null) => "dashboard_pricing".to_string(),
            Some(Value::String(s))
                if !s.is_empty()
                    && s.len() <= 50
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                s
            }
            Some(_) => return bad("source", "must be 1-50 lowercase letters, digits or _"),
        };
        let plan = match raw.plan {
            Some(Value::String(p)) if PLANS.contains(&p.as_str()) => p,
            None | Some(Value::Null) => return bad("plan", "is required"),
            Some(_) => return bad("plan", "must be payg, monthly or annual"),
        };
        let quantity = match raw.quantity.as_ref().and_then(crate::json::whole_number) {
            Some(q) if (1..=1_000_000_000_000).contains(&q) => q,
            _ if raw.quantity.is_none() => return bad("quantity", "is required"),
            _ => return bad("quantity", "must be a whole number of at least 1"),
        };
        let contact_required = match raw.contact_required {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => b,
            Some(_) => return bad("contactRequired", "must be true or false"),
        };
        let page = match raw.page {
            None | Some(Value::Null) => None,
            Some(Value::String(p))
                if p.starts_with('/')
                    && p.len() <= 200
                    && !p.contains(['?', '#'])
                    && !p.chars().any(char::is_whitespace) =>
            {
                Some(p)
            }
            Some(_) => return bad("page", "must be a path like /pricing (no query string)"),
        };
        Ok(ContactInput {
            source,
            plan,
            quantity,
            contact_required,
            page,
        })
    }
}

impl ContactInput {
    /// A canonical form for comparing two requests (idempotency).
    pub fn fingerprint(&self) -> String {
        crate::util::sha256_hex(
            &json!([
                self.source,
                self.plan,
                self.quantity,
                self.contact_required,
                self.page
            ])
            .to_string(),
        )
    }
}

/// The analytics bucket of a quantity (never the exact number).
pub fn quantity_bucket(q: i64) -> &'static str {
    match q {
        i64::MIN..=1 => "1",
        2..=9 => "2-9",
        10..=99 => "10-99",
        100..=999 => "100-999",
        1_000..=9_999 => "1k-10k",
        10_000..=99_999 => "10k-100k",
        100_000..=999_999 => "100k-1m",
        _ => "1m+",
    }
}

/// A contact request as the API shows it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactRequestView {
    /// `salesreq_…`.
    pub id: String,
    /// Owner workspace.
    pub workspace_id: String,
    /// The end user (from the token) or the staff member who asked.
    pub user_id: String,
    /// Their account email (from the token).
    pub account_email: Option<String>,
    /// The end user's name, when known.
    pub user_name: Option<String>,
    /// The end user's company, when known.
    pub company: Option<String>,
    /// `payg`, `monthly` or `annual`.
    pub plan: String,
    /// How many.
    pub quantity: i64,
    /// The user wants to be contacted.
    pub contact_required: bool,
    /// Where the button was.
    pub source: String,
    /// The page path.
    pub page: Option<String>,
    /// Client IP as leadbox saw it.
    pub request_ip: Option<String>,
    /// Browser user agent.
    pub user_agent: Option<String>,
    /// Lifecycle status.
    pub status: Status,
    /// Its bilingual label.
    pub status_label: crate::leads::kind::Label,
    /// Owner.
    pub assignee_id: Option<String>,
    /// Captured.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Last reply.
    pub replied_at: Option<String>,
    /// Won.
    pub converted_at: Option<String>,
    /// Why lost.
    pub lost_reason: Option<String>,
    /// Soft-deleted.
    pub deleted: bool,
    /// The person behind it (`GET /api/v1/people/{personId}`).
    pub person_id: Option<String>,
}

/// A stored contact request.
#[derive(Debug, Clone)]
pub struct ContactRequest {
    /// `salesreq_…`.
    pub id: String,
    /// Owner workspace.
    pub workspace_id: String,
    /// The end user (from the token), or the staff member who asked.
    pub user_id: String,
    /// Their account email (from the token).
    pub account_email: Option<String>,
    /// The request.
    pub input: ContactInput,
    /// Client IP as seen by leadbox.
    pub request_ip: Option<String>,
    /// Browser user agent.
    pub user_agent: Option<String>,
    /// Lifecycle.
    pub progress: Progress,
    /// Captured.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Soft-deleted.
    pub deleted_at: Option<String>,
    /// The person behind it.
    pub person_id: Option<String>,
}

impl ContactRequest {
    /// The API representation (`userName`/`company` come from the end user when known).
    pub fn view(&self, user: Option<&crate::end_users::EndUser>) -> ContactRequestView {
        let p = &self.progress;
        ContactRequestView {
            id: self.id.clone(),
            workspace_id: self.workspace_id.clone(),
            user_id: self.user_id.clone(),
            account_email: self.account_email.clone(),
            user_name: user.and_then(|u| u.name.clone()),
            company: user.and_then(|u| u.company.clone()),
            plan: self.input.plan.clone(),
            quantity: self.input.quantity,
            contact_required: self.input.contact_required,
            source: self.input.source.clone(),
            page: self.input.page.clone(),
            request_ip: self.request_ip.clone(),
            user_agent: self.user_agent.clone(),
            status: p.status,
            status_label: p.status.label(),
            assignee_id: p.assignee_id.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            replied_at: p.replied_at.clone(),
            converted_at: p.converted_at.clone(),
            lost_reason: p.lost_reason.clone(),
            deleted: self.deleted_at.is_some(),
            person_id: self.person_id.clone(),
        }
    }

    /// What the `…/contact-request/submitted` notification carries (no contact details).
    pub fn submitted_data(&self) -> Value {
        json!({
            "id": self.id,
            "plan": self.input.plan,
            "quantity": self.input.quantity,
            "source": self.input.source,
            "userId": self.user_id,
            "createdAt": self.created_at,
        })
    }

    /// A new request in NEW.
    pub fn new(
        workspace_id: String,
        user_id: String,
        account_email: Option<String>,
        input: ContactInput,
        ip: Option<String>,
        ua: Option<String>,
    ) -> ContactRequest {
        let now = crate::util::now_str();
        ContactRequest {
            id: crate::util::new_id("salesreq"),
            workspace_id,
            user_id,
            account_email,
            input,
            request_ip: ip,
            user_agent: ua,
            progress: Progress {
                status: Status::New,
                assignee_id: None,
                replied_at: None,
                converted_at: None,
                lost_reason: None,
            },
            created_at: now.clone(),
            updated_at: now,
            deleted_at: None,
            person_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::kind::Input;

    fn raw(v: Value) -> RawRequest {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_contract_body_parses_and_defaults() {
        let i = ContactInput::parse(raw(json!({"plan": "annual", "quantity": 100000}))).unwrap();
        assert_eq!(
            (i.source.as_str(), i.contact_required, i.page),
            ("dashboard_pricing", true, None)
        );
        for (body, field) in [
            (json!({"quantity": 1}), "plan"),
            (json!({"plan": "free", "quantity": 1}), "plan"),
            (json!({"plan": "payg"}), "quantity"),
            (json!({"plan": "payg", "quantity": 0}), "quantity"),
            (json!({"plan": "payg", "quantity": 1.5}), "quantity"),
            (json!({"plan": "payg", "quantity": "1"}), "quantity"),
            (
                json!({"plan": "payg", "quantity": 1, "contactRequired": "yes"}),
                "contactRequired",
            ),
            (
                json!({"plan": "payg", "quantity": 1, "page": "https://x.test/pricing"}),
                "page",
            ),
            (
                json!({"plan": "payg", "quantity": 1, "page": "/pricing?email=a@b.co"}),
                "page",
            ),
            (
                json!({"plan": "payg", "quantity": 1, "source": "Dashboard Pricing"}),
                "source",
            ),
        ] {
            assert_eq!(
                ContactInput::parse(raw(body.clone()))
                    .unwrap_err()
                    .first()
                    .unwrap()
                    .0
                    .to_string(),
                field,
                "{body}"
            );
        }
    }

    #[test]
    fn quantities_are_bucketed() {
        assert_eq!(quantity_bucket(1), "1");
        assert_eq!(quantity_bucket(100_000), "100k-1m");
        assert_eq!(quantity_bucket(5), "2-9");
    }
}
