//! An inquiry: its fields, how input becomes one (JSON or form post, camelCase or snake_case),
//! and its JSON form.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::attribution::Attribution;
use super::forms::Answers;
use super::spam::score::Reason;
use crate::domain::{self, Email};
use crate::error::FieldErrors;
use crate::leads::lifecycle::Status;

/// Inquiry types.
pub const TYPES: [&str; 4] = ["sales", "partnership", "support", "other"];

/// Submission fields after key normalisation (`business_name` → `businessName`).
pub type Fields = BTreeMap<String, Value>;

/// Normalises a field name to camelCase.
pub fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds normalised fields from a JSON object.
pub fn fields_from_json(obj: Map<String, Value>) -> Fields {
    obj.into_iter().map(|(k, v)| (camel(&k), v)).collect()
}

/// Decodes `application/x-www-form-urlencoded`; a repeated name keeps its first value.
pub fn fields_from_form(body: &str) -> Fields {
    let mut out = Fields::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = camel(&percent_decode(k));
        out.entry(key)
            .or_insert_with(|| Value::String(percent_decode(v)));
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A string field: absent, null or "" are None; other types are an error.
fn text(f: &Fields, key: &str) -> Result<Option<String>, String> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err("must be a string".into()),
    }
}

/// The contact and business fields of an inquiry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contact {
    /// `sales`, `partnership`, `support` or `other`.
    pub kind: String,
    /// Who.
    pub name: String,
    /// How to reach them.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
    /// Company.
    pub business_name: Option<String>,
    /// Company site.
    pub business_website: Option<String>,
    /// Company size, as they said it.
    pub business_size: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Subject line.
    pub subject: Option<String>,
    /// What they wrote.
    pub message: String,
    /// Their language.
    pub locale: Option<String>,
}

pub(crate) fn phone(s: &str) -> Result<String, String> {
    let s = s.trim();
    let ok = s.len() <= 50
        && s.chars().filter(|c| c.is_ascii_digit()).count() >= 5
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().x/".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err("must be a phone number (digits, spaces, + - ( ) .)".into())
    }
}

pub(crate) fn website(s: &str) -> Result<String, String> {
    let s = s.trim();
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    let url =
        domain::parse_url(&with_scheme).map_err(|_| "must be a website address".to_string())?;
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#', ':'])
        .next()
        .unwrap_or("");
    if !host.contains('.') && host != "localhost" {
        return Err("must be a website address".into());
    }
    Ok(url)
}

/// One optional field through its parser; records the error under `key`.
fn opt(
    f: &Fields,
    errs: &mut FieldErrors,
    key: &str,
    parse: impl Fn(&str) -> Result<String, String>,
) -> Option<Option<String>> {
    match text(f, key).and_then(|v| v.map(|s| parse(&s)).transpose()) {
        Ok(v) => Some(v),
        Err(m) => {
            errs.add(key, m);
            None
        }
    }
}

fn bounded(max: usize) -> impl Fn(&str) -> Result<String, String> {
    move |s| domain::required_text(Some(s), max)
}

impl crate::leads::kind::Input for Contact {
    type Raw = Fields;
    fn parse(f: Fields) -> Result<Contact, FieldErrors> {
        let mut errs = FieldErrors::default();
        let contact = Contact::check(&f, &mut errs);
        match contact {
            Some(c) if errs.is_empty() => Ok(c),
            _ => Err(errs),
        }
    }
}

impl Contact {
    /// Checks a complete submission, recording every bad field in `errs`.
    fn check(f: &Fields, errs: &mut FieldErrors) -> Option<Contact> {
        let kind = opt(f, errs, "type", |s| {
            let t = s.trim().to_lowercase();
            if TYPES.contains(&t.as_str()) {
                Ok(t)
            } else {
                Err("must be one of sales, partnership, support, other".into())
            }
        });
        let name = opt(f, errs, "name", bounded(200));
        let email = opt(f, errs, "email", |s| Email::parse(s).map(Email::into_inner));
        let phone = opt(f, errs, "phone", phone);
        let business_name = opt(f, errs, "businessName", bounded(200));
        let business_website = opt(f, errs, "businessWebsite", website);
        let business_size = opt(f, errs, "businessSize", bounded(50));
        let industry = opt(f, errs, "industry", bounded(100));
        let subject = opt(f, errs, "subject", bounded(200));
        let message = opt(f, errs, "message", bounded(5000));
        let locale = opt(f, errs, "locale", |s| {
            domain::Locale::parse(s).map(|l| l.as_str().to_string())
        });
        for (key, v) in [("name", &name), ("email", &email), ("message", &message)] {
            if matches!(v, Some(None)) {
                errs.add(key, "is required");
            }
        }
        if !errs.is_empty() {
            return None;
        }
        Some(Contact {
            kind: kind.flatten().unwrap_or_else(|| "sales".into()),
            name: name.flatten()?,
            email: email.flatten()?,
            phone: phone.flatten(),
            business_name: business_name.flatten(),
            business_website: business_website.flatten(),
            business_size: business_size.flatten(),
            industry: industry.flatten(),
            subject: subject.flatten(),
            message: message.flatten()?,
            locale: locale.flatten(),
        })
    }

    /// Applies the fields present in a PATCH; required fields cannot be cleared.
    pub fn patch(&self, f: &Fields, errs: &mut FieldErrors) -> Contact {
        let mut merged: Fields = self.to_fields();
        for (k, v) in f {
            if merged.contains_key(k) || KNOWN.contains(&k.as_str()) {
                merged.insert(k.clone(), v.clone());
            }
        }
        Contact::check(&merged, errs).unwrap_or_else(|| self.clone())
    }

    fn to_fields(&self) -> Fields {
        let mut m = Fields::new();
        let mut put = |k: &str, v: Option<&String>| {
            m.insert(k.to_string(), v.map(|s| json!(s)).unwrap_or(Value::Null));
        };
        put("type", Some(&self.kind));
        put("name", Some(&self.name));
        put("email", Some(&self.email));
        put("phone", self.phone.as_ref());
        put("businessName", self.business_name.as_ref());
        put("businessWebsite", self.business_website.as_ref());
        put("businessSize", self.business_size.as_ref());
        put("industry", self.industry.as_ref());
        put("subject", self.subject.as_ref());
        put("message", Some(&self.message));
        put("locale", self.locale.as_ref());
        m
    }
}

const KNOWN: [&str; 11] = [
    "type",
    "name",
    "email",
    "phone",
    "businessName",
    "businessWebsite",
    "businessSize",
    "industry",
    "subject",
    "message",
    "locale",
];

/// An inquiry as the API shows it.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InquiryView {
    /// `inq_…`.
    pub id: String,
    /// Owner workspace.
    pub workspace_id: String,
    /// `sales`, `partnership`, `support` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who.
    pub name: String,
    /// How to reach them.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
    /// Company.
    pub business_name: Option<String>,
    /// Company site.
    pub business_website: Option<String>,
    /// Company size.
    pub business_size: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Subject line.
    pub subject: Option<String>,
    /// What they wrote.
    pub message: String,
    /// Their language.
    pub locale: Option<String>,
    /// Lifecycle status.
    pub status: Status,
    /// Its bilingual label.
    pub status_label: crate::leads::kind::Label,
    /// Owner.
    pub assignee_id: Option<String>,
    /// Judged spam (its score is above the workspace's threshold).
    pub spam: bool,
    /// The spam score, 0–100.
    pub spam_score: i64,
    /// Why it scored that: each signal with its weight.
    pub spam_reasons: Vec<Reason>,
    /// Held in quarantine: posted from an origin the form does not allow.
    pub quarantined: bool,
    /// The origin of the page that posted it.
    pub origin: Option<String>,
    /// The form it came through (null: the workspace's default form).
    pub form_id: Option<String>,
    /// Answers to the form's own questions, by key.
    #[schemars(with = "std::collections::BTreeMap<String, Value>")]
    pub fields: Value,
    /// First and last touch.
    pub attribution: Option<Attribution>,
    /// `public_form` or `staff`.
    pub source: String,
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
    /// When.
    pub deleted_at: Option<String>,
    /// The person behind it (`GET /api/v1/people/{personId}`).
    pub person_id: Option<String>,
}

/// The fields of an inquiry, as a submit or a staff entry sends them (JSON camelCase, or a form
/// post in snake_case); `Contact`'s `Input::parse` reads this shape and names every bad field.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InquiryInput {
    /// `sales` (default), `partnership`, `support` or `other`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<InquiryType>")]
    pub kind: Option<String>,
    /// Who (required).
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    pub name: String,
    /// How to reach them (required).
    #[schemars(length(max = 254), pattern(crate::domain::EMAIL))]
    pub email: String,
    /// Digits, spaces and `+ - ( ) .`.
    #[schemars(pattern(r"^$|^\+?[0-9]{5,15}$"))]
    pub phone: Option<String>,
    /// Company.
    #[schemars(length(max = 200), pattern(crate::domain::TEXT_OR_EMPTY))]
    pub business_name: Option<String>,
    /// Company site (`https://` is added when missing).
    #[schemars(pattern(r"^$|^(https://)?[a-z]{1,20}\.(com|net|org|vn)$"))]
    pub business_website: Option<String>,
    /// Company size.
    #[schemars(length(max = 50), pattern(crate::domain::TEXT_OR_EMPTY))]
    pub business_size: Option<String>,
    /// Industry.
    #[schemars(length(max = 100), pattern(crate::domain::TEXT_OR_EMPTY))]
    pub industry: Option<String>,
    /// Subject line.
    #[schemars(length(max = 200), pattern(crate::domain::TEXT_OR_EMPTY))]
    pub subject: Option<String>,
    /// What they wrote (required).
    #[schemars(length(min = 1, max = 5000), pattern(crate::domain::TEXT))]
    pub message: String,
    /// `en` or `vi`.
    pub locale: Option<crate::domain::Locale>,
}

/// A staff edit: any of the contact and business fields (required ones cannot be cleared).
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InquiryPatch {
    /// `sales`, `partnership`, `support` or `other`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<InquiryType>")]
    pub kind: Option<String>,
    /// Who.
    #[serde(default)]
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    pub name: String,
    /// How to reach them.
    #[serde(default)]
    #[schemars(length(max = 254), pattern(crate::domain::EMAIL))]
    pub email: String,
    /// Company.
    #[schemars(length(max = 200), pattern(crate::domain::TEXT_OR_EMPTY))]
    pub business_name: Option<String>,
    /// Subject line.
    #[schemars(length(max = 200), pattern(crate::domain::TEXT_OR_EMPTY))]
    pub subject: Option<String>,
    /// What they wrote.
    #[serde(default)]
    #[schemars(length(min = 1, max = 5000), pattern(crate::domain::TEXT))]
    pub message: String,
}

/// The public form's fields: an inquiry plus the spam defences' own.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub struct PublicInquiryInput {
    /// The inquiry.
    #[serde(flatten)]
    pub inquiry: InquiryInput,
    /// Honeypot: leave empty (a filled one is kept as spam).
    #[serde(rename = "_gotcha")]
    #[schemars(length(max = 0))]
    pub gotcha: Option<String>,
}

/// Inquiry types.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum InquiryType {
    /// Sales.
    Sales,
    /// Partnership.
    Partnership,
    /// Support.
    Support,
    /// Other.
    Other,
}

/// What the inquiries' lists filter on besides the shared filters.
pub const OWN_FILTERS: crate::leads::list::Own<'static> = crate::leads::list::Own {
    types: &TYPES,
    from_forms: true,
};

/// The list query of inquiries: the shared one plus the type filter and the filters of leads
/// sent through forms.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
pub struct InquiryListQuery {
    /// The shared filters, paging and sorting.
    #[serde(flatten)]
    common: crate::leads::list::ListQuery,
    /// Only this type.
    #[serde(rename = "type")]
    kind: Option<InquiryType>,
    /// Held in quarantine (posted from an origin not allowed) instead of the inbox.
    quarantined: Option<bool>,
    /// Only those whose first touch came from this source (`google`, `bing.com`, `direct`).
    #[schemars(length(min = 1, max = 100), pattern(crate::domain::LINE))]
    source: Option<String>,
    /// Only those sent through this form (`form_…`), or `default` for the built-in form.
    #[serde(rename = "formId")]
    #[schemars(
        length(min = 1, max = 100),
        pattern(r"^(default|form_[0-9a-f-]{1,95})$")
    )]
    form_id: Option<String>,
}

/// An inquiry as stored.
#[derive(Debug, Clone)]
pub struct Inquiry {
    /// `inq_…`.
    pub id: String,
    /// Owner workspace.
    pub workspace_id: String,
    /// Contact and business fields.
    pub contact: Contact,
    /// Lifecycle status.
    pub status: Status,
    /// Who owns it.
    pub assignee_id: Option<String>,
    /// Judged spam.
    pub spam: bool,
    /// The spam score, 0–100.
    pub spam_score: i64,
    /// Why it scored that.
    pub spam_reasons: Vec<Reason>,
    /// `public_form` or `staff`.
    pub source: String,
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
    pub deleted_at: Option<String>,
    /// The person behind it.
    pub person_id: Option<String>,
    /// The form it came through (None: the workspace's default form, or staff).
    pub form_id: Option<String>,
    /// Answers to that form's own questions.
    pub answers: Answers,
    /// Where the visitor came from.
    pub attribution: Option<Attribution>,
    /// Held back because the page that posted it was not an allowed origin.
    pub quarantined: bool,
    /// That page's origin (when the post named one).
    pub origin: Option<String>,
    /// The last staff verdict: `spam` or `ham`.
    pub verdict: Option<String>,
}

impl Inquiry {
    /// Its lifecycle fields.
    pub fn progress(&self) -> crate::leads::lifecycle::Progress {
        crate::leads::lifecycle::Progress {
            status: self.status,
            assignee_id: self.assignee_id.clone(),
            replied_at: self.replied_at.clone(),
            converted_at: self.converted_at.clone(),
            lost_reason: self.lost_reason.clone(),
        }
    }

    /// Takes lifecycle fields back after a move.
    pub fn set_progress(&mut self, p: crate::leads::lifecycle::Progress) {
        self.status = p.status;
        self.assignee_id = p.assignee_id;
        self.replied_at = p.replied_at;
        self.converted_at = p.converted_at;
        self.lost_reason = p.lost_reason;
    }

    /// The API representation.
    pub fn view(&self) -> InquiryView {
        let c = self.contact.clone();
        InquiryView {
            id: self.id.clone(),
            workspace_id: self.workspace_id.clone(),
            kind: c.kind,
            name: c.name,
            email: c.email,
            phone: c.phone,
            business_name: c.business_name,
            business_website: c.business_website,
            business_size: c.business_size,
            industry: c.industry,
            subject: c.subject,
            message: c.message,
            locale: c.locale,
            status: self.status,
            status_label: self.status.label(),
            assignee_id: self.assignee_id.clone(),
            spam: self.spam,
            spam_score: self.spam_score,
            spam_reasons: self.spam_reasons.clone(),
            quarantined: self.quarantined,
            origin: self.origin.clone(),
            form_id: self.form_id.clone(),
            fields: super::forms::answers_value(&self.answers),
            attribution: self.attribution.clone(),
            source: self.source.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            replied_at: self.replied_at.clone(),
            converted_at: self.converted_at.clone(),
            lost_reason: self.lost_reason.clone(),
            deleted: self.deleted_at.is_some(),
            deleted_at: self.deleted_at.clone(),
            person_id: self.person_id.clone(),
        }
    }

    /// What the `…/inquiry/submitted` notification carries.
    pub fn submitted_data(&self) -> Value {
        json!({
            "id": self.id,
            "type": self.contact.kind,
            "name": self.contact.name,
            "email": self.contact.email,
            "businessName": self.contact.business_name,
            "subject": self.contact.subject,
            "createdAt": self.created_at,
            "formId": self.form_id,
            "fields": super::forms::answers_value(&self.answers),
            "attribution": self.attribution,
            "spamScore": self.spam_score,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_form_names_become_camel_case() {
        let f =
            fields_from_form("business_name=Acme+Ltd&email=a%40b.co&message=hi%21&name=A&name=B");
        assert_eq!(f["businessName"], json!("Acme Ltd"));
        assert_eq!(f["email"], json!("a@b.co"));
        assert_eq!(f["message"], json!("hi!"));
        assert_eq!(f["name"], json!("A"));
        assert_eq!(fields_from_form("x=%zz%")["x"], json!("%zz%"));
    }

    #[test]
    fn a_minimal_inquiry_defaults_to_sales() {
        let mut errs = FieldErrors::default();
        let f = fields_from_json(
            json!({"name": "Ada", "email": "ada@example.com", "message": "Hi"})
                .as_object()
                .unwrap()
                .clone(),
        );
        let c = Contact::check(&f, &mut errs).unwrap();
        assert_eq!(c.kind, "sales");
        assert!(errs.is_empty());
    }

    #[test]
    fn websites_without_a_scheme_get_https() {
        assert_eq!(website("acme.com").unwrap(), "https://acme.com");
        assert!(website("not a site").is_err());
        assert!(website("nodot").is_err());
    }
}
