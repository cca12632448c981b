//! Forms (SPEC §14): a workspace's forms beyond its default one, each with its own public key,
//! questions, thank-you page and allowed origins; and how a submission's answers to those
//! questions are checked.

pub mod api;
pub mod cache;
pub mod pages;
pub mod queries;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::{self, Email};
use crate::error::FieldErrors;

/// Most questions one form may have.
pub const MAX_FIELDS: usize = 30;
/// Most options a select may offer.
pub const MAX_OPTIONS: usize = 50;

/// The kinds of question a form may ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// One line of text (≤ 500 characters).
    Text,
    /// An email address.
    Email,
    /// A phone number.
    Tel,
    /// A website address.
    Url,
    /// Several lines (≤ 5000 characters).
    Textarea,
    /// One of `options`.
    Select,
    /// Yes or no (a required checkbox must be ticked).
    Checkbox,
}

/// Every type, for the editor's choice.
pub const TYPES: [FieldType; 7] = [
    FieldType::Text,
    FieldType::Email,
    FieldType::Tel,
    FieldType::Url,
    FieldType::Textarea,
    FieldType::Select,
    FieldType::Checkbox,
];

impl FieldType {
    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Email => "email",
            FieldType::Tel => "tel",
            FieldType::Url => "url",
            FieldType::Textarea => "textarea",
            FieldType::Select => "select",
            FieldType::Checkbox => "checkbox",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Result<FieldType, String> {
        TYPES
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                "must be one of text, email, tel, url, textarea, select, checkbox".to_string()
            })
    }
}

/// A question's label in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldLabel {
    /// English (1–200 characters).
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    pub en: String,
    /// Vietnamese (the English one when left out).
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    pub vi: String,
}

/// The documented shape of an option.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
#[allow(dead_code)]
struct OptionDoc(#[schemars(length(min = 1, max = 100), pattern(crate::domain::TEXT))] String);

/// One question of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Field {
    /// The name its answer is posted under (camelCase letters and digits).
    #[schemars(regex(pattern = r"^[a-z][A-Za-z0-9]{0,39}$"))]
    pub key: String,
    /// What the visitor reads.
    pub label: FieldLabel,
    /// What kind of answer.
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// Must be answered.
    #[serde(default)]
    pub required: bool,
    /// The choices of a select (required for one, refused for the others), each 1–100
    /// characters, none twice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 50), with = "Vec<OptionDoc>")]
    pub options: Vec<String>,
}

/// A form, as stored and as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Form {
    /// `form_…`.
    pub id: String,
    /// Owner workspace.
    pub workspace_id: String,
    /// What staff call it.
    pub name: String,
    /// Posts go to `/api/public/forms/{publicKey}/inquiries`; the hosted page is `/f/{publicKey}`.
    pub public_key: String,
    /// Its own questions, after the built-in name, email and message.
    pub fields: Vec<Field>,
    /// Where a plain form post lands (else the workspace's, else leadbox's own page).
    pub thank_you_url: Option<String>,
    /// Origins allowed to post it and frame it, besides the workspace's.
    pub allowed_origins: Vec<String>,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// A form as the API shows it: the stored form itself.
pub type FormView = Form;

impl Form {
    /// The API representation.
    pub fn view(&self) -> FormView {
        self.clone()
    }
}

/// The names a question may not take: the built-in fields, the defences' and attribution's.
pub const RESERVED: [&str; 23] = [
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
    "attribution",
    "utmSource",
    "utmMedium",
    "utmCampaign",
    "utmTerm",
    "utmContent",
    "gclid",
    "fbclid",
    "referrer",
    "landingPage",
    "fields",
    "formId",
];

/// The body of a create or a full edit.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct FormInput {
    /// What staff call it (required, ≤ 100).
    #[schemars(length(min = 1, max = 100), pattern(crate::domain::TEXT))]
    name: String,
    /// Its questions (≤ 30).
    #[serde(default)]
    #[schemars(length(max = 30))]
    fields: Vec<Field>,
    /// Thank-you page of a plain form post (`https://…`; "" or null for none).
    #[schemars(with = "Option<crate::workspaces::model::UrlDoc>")]
    thank_you_url: Option<String>,
    /// Allowed origins besides the workspace's (`https://host[:port]`).
    #[serde(default)]
    #[schemars(length(max = 50), with = "Vec<crate::workspaces::model::OriginDoc>")]
    allowed_origins: Vec<String>,
}

/// A validated create or edit: `Some` for what the request set.
#[derive(Debug, Default, Clone)]
pub struct FormPatch {
    /// New name.
    pub name: Option<String>,
    /// New questions.
    pub fields: Option<Vec<Field>>,
    /// New thank-you page (Some(None) clears it).
    pub thank_you_url: Option<Option<String>>,
    /// New allowed origins.
    pub allowed_origins: Option<Vec<String>>,
}

fn key_ok(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && k.len() <= 40
        && chars.all(|c| c.is_ascii_alphanumeric())
}

fn label_text(v: Option<&Value>, field: &str, errs: &mut FieldErrors) -> Option<String> {
    match v {
        Some(Value::String(s)) => errs.take(field, domain::required_text(Some(s), 200)),
        None | Some(Value::Null) => {
            errs.add(field, "is required");
            None
        }
        Some(_) => {
            errs.add(field, "must be a string");
            None
        }
    }
}

fn parse_field(i: usize, v: &Value, errs: &mut FieldErrors) -> Option<Field> {
    let at = |k: &str| format!("fields[{i}].{k}");
    let Some(o) = v.as_object() else {
        errs.add(&format!("fields[{i}]"), "must be an object");
        return None;
    };
    let key = match o.get("key") {
        Some(Value::String(k)) if !key_ok(k) => {
            errs.add(
                &at("key"),
                "must start with a lowercase letter and have only letters and digits (at most 40)",
            );
            None
        }
        Some(Value::String(k)) if RESERVED.contains(&k.as_str()) => {
            errs.add(&at("key"), "is a built-in field's name");
            None
        }
        Some(Value::String(k)) => Some(k.clone()),
        None | Some(Value::Null) => {
            errs.add(&at("key"), "is required");
            None
        }
        Some(_) => {
            errs.add(&at("key"), "must be a string");
            None
        }
    };
    let label = match o.get("label") {
        Some(Value::Object(l)) => {
            let en = label_text(l.get("en"), &at("label.en"), errs);
            let vi = match l.get("vi") {
                None | Some(Value::Null) => en.clone(),
                other => label_text(other, &at("label.vi"), errs),
            };
            en.zip(vi).map(|(en, vi)| FieldLabel { en, vi })
        }
        Some(Value::String(s)) => errs
            .take(&at("label"), domain::required_text(Some(s), 200))
            .map(|s| FieldLabel {
                en: s.clone(),
                vi: s,
            }),
        None | Some(Value::Null) => {
            errs.add(&at("label"), "is required");
            None
        }
        Some(_) => {
            errs.add(&at("label"), "must be an object {en, vi}");
            None
        }
    };
    let kind = match o.get("type") {
        Some(Value::String(s)) => errs.take(&at("type"), FieldType::parse(s)),
        None | Some(Value::Null) => Some(FieldType::Text),
        Some(_) => {
            errs.add(&at("type"), "must be a string");
            None
        }
    };
    let required = match o.get("required") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errs.add(&at("required"), "must be true or false");
            false
        }
    };
    let mut options = vec![];
    // Options that were sent but refused are named one by one, not also as "none listed".
    let sent = match o.get("options") {
        Some(Value::Array(items)) => !items.is_empty(),
        None | Some(Value::Null) => false,
        Some(_) => true,
    };
    match o.get("options") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.len() <= MAX_OPTIONS => {
            for (j, item) in items.iter().enumerate() {
                let f = format!("fields[{i}].options[{j}]");
                match item {
                    Value::String(s) => {
                        if let Some(s) = errs.take(&f, domain::required_text(Some(s), 100)) {
                            if options.contains(&s) {
                                errs.add(&f, "is listed twice");
                            } else {
                                options.push(s);
                            }
                        }
                    }
                    _ => errs.add(&f, "must be a string"),
                }
            }
        }
        Some(Value::Array(_)) => errs.add(&at("options"), "must have at most 50 options"),
        Some(_) => errs.add(&at("options"), "must be a list of strings"),
    }
    match kind {
        Some(FieldType::Select) if options.is_empty() && !sent => {
            errs.add(&at("options"), "must list at least one option for a select")
        }
        Some(k) if k != FieldType::Select && !options.is_empty() => {
            errs.add(&at("options"), "are only for a select")
        }
        _ => {}
    }
    Some(Field {
        key: key?,
        label: label?,
        kind: kind?,
        required,
        options,
    })
}

impl FormPatch {
    /// Parses a create (`full`: name required) or an edit body; every bad part is named.
    pub fn parse(body: &Map<String, Value>, full: bool, errs: &mut FieldErrors) -> FormPatch {
        let mut p = FormPatch::default();
        match body.get("name") {
            Some(Value::String(s)) => {
                p.name = errs.take("name", domain::required_text(Some(s), 100))
            }
            None if !full => {}
            None | Some(Value::Null) => errs.add("name", "is required"),
            Some(_) => errs.add("name", "must be a string"),
        }
        match body.get("fields") {
            None if !full => {}
            None | Some(Value::Null) => p.fields = Some(vec![]),
            Some(Value::Array(items)) if items.len() <= MAX_FIELDS => {
                let mut fields: Vec<Field> = vec![];
                for (i, item) in items.iter().enumerate() {
                    if let Some(f) = parse_field(i, item, errs) {
                        if fields.iter().any(|g| g.key == f.key) {
                            errs.add(&format!("fields[{i}].key"), "is listed twice");
                        }
                        fields.push(f);
                    }
                }
                p.fields = Some(fields);
            }
            Some(Value::Array(_)) => errs.add("fields", "must have at most 30 fields"),
            Some(_) => errs.add("fields", "must be a list of fields"),
        }
        match body.get("thankYouUrl") {
            None => {}
            Some(Value::Null) => p.thank_you_url = Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => p.thank_you_url = Some(None),
            Some(Value::String(s)) => {
                p.thank_you_url = errs.take("thankYouUrl", domain::parse_url(s).map(Some))
            }
            Some(_) => errs.add("thankYouUrl", "must be a string or null"),
        }
        if let Some(v) = body.get("allowedOrigins") {
            p.allowed_origins = crate::workspaces::model::parse_origins(v, errs);
        }
        for k in body.keys() {
            if !["name", "fields", "thankYouUrl", "allowedOrigins"].contains(&k.as_str()) {
                errs.add(k, "is not a form setting");
            }
        }
        p
    }
}

impl Form {
    /// Applies a parsed patch; returns the names of what it changed.
    pub fn apply(&mut self, p: FormPatch) -> Vec<&'static str> {
        let mut changed = vec![];
        if let Some(v) = p.name.filter(|v| *v != self.name) {
            self.name = v;
            changed.push("name");
        }
        if let Some(v) = p.fields.filter(|v| *v != self.fields) {
            self.fields = v;
            changed.push("fields");
        }
        if let Some(v) = p.thank_you_url.filter(|v| *v != self.thank_you_url) {
            self.thank_you_url = v;
            changed.push("thankYouUrl");
        }
        if let Some(v) = p.allowed_origins.filter(|v| *v != self.allowed_origins) {
            self.allowed_origins = v;
            changed.push("allowedOrigins");
        }
        changed
    }
}

/// One answer: text for most questions, yes/no for a checkbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// A checkbox.
    Yes(bool),
    /// Anything else.
    Text(String),
}

impl Answer {
    /// How it reads in a table or a page.
    pub fn display(&self) -> String {
        match self {
            Answer::Yes(true) => "yes".into(),
            Answer::Yes(false) => "no".into(),
            Answer::Text(s) => s.clone(),
        }
    }
}

/// A lead's answers to its form's own questions, by key.
pub type Answers = BTreeMap<String, Answer>;

fn ticked(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" | "off" => Ok(false),
            "true" | "1" | "yes" | "on" => Ok(true),
            _ => Err("must be true or false".into()),
        },
        _ => Err("must be true or false".into()),
    }
}

/// Checks the answers in `posted` (top-level fields under each key) against `fields`,
/// recording every bad one under its key.
pub fn answers(
    fields: &[Field],
    posted: &BTreeMap<String, Value>,
    errs: &mut FieldErrors,
) -> Answers {
    let mut out = Answers::new();
    for f in fields {
        let v = posted.get(&f.key);
        if f.kind == FieldType::Checkbox {
            match v.map(ticked).unwrap_or(Ok(false)) {
                Ok(false) if f.required => errs.add(&f.key, "must be ticked"),
                Ok(b) => {
                    out.insert(f.key.clone(), Answer::Yes(b));
                }
                Err(m) => errs.add(&f.key, m),
            }
            continue;
        }
        let text = match v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(Value::Number(n)) if f.kind != FieldType::Select => Some(n.to_string()),
            Some(_) => {
                errs.add(&f.key, "must be a string");
                continue;
            }
        };
        let Some(s) = text else {
            if f.required {
                errs.add(&f.key, "is required");
            }
            continue;
        };
        let checked = match f.kind {
            FieldType::Text => domain::required_text(Some(&s), 500),
            FieldType::Textarea => domain::required_text(Some(&s), 5000),
            FieldType::Email => Email::parse(&s).map(Email::into_inner),
            FieldType::Tel => super::model::phone(&s),
            FieldType::Url => super::model::website(&s),
            FieldType::Select => {
                if f.options.contains(&s) {
                    Ok(s)
                } else {
                    Err("must be one of the form's options".into())
                }
            }
            FieldType::Checkbox => unreachable!("handled above"),
        };
        if let Some(s) = errs.take(&f.key, checked) {
            out.insert(f.key.clone(), Answer::Text(s));
        }
    }
    out
}

/// The answers as JSON text for storage.
pub fn answers_json(a: &Answers) -> String {
    serde_json::to_string(a).unwrap_or_else(|_| "{}".into())
}

/// The answers as the API shows them.
pub fn answers_value(a: &Answers) -> Value {
    json!(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(v: Value) -> Result<Field, BTreeMap<String, String>> {
        let mut errs = FieldErrors::default();
        let f = parse_field(0, &v, &mut errs);
        if errs.is_empty() {
            Ok(f.unwrap())
        } else {
            Err(errs.into_map())
        }
    }

    #[test]
    fn a_definition_names_each_bad_part() {
        assert!(
            field(json!({"key": "budget", "label": {"en": "Budget", "vi": "Ngân sách"}})).is_ok()
        );
        let e = field(json!({"key": "Budget", "label": "B"})).unwrap_err();
        assert!(e.contains_key("fields[0].key"));
        let e = field(json!({"key": "email", "label": "B"})).unwrap_err();
        assert_eq!(e["fields[0].key"], "is a built-in field's name");
        let e = field(json!({"key": "size", "label": "S", "type": "select"})).unwrap_err();
        assert!(e.contains_key("fields[0].options"));
        let e = field(json!({"key": "size", "label": "S", "type": "radio"})).unwrap_err();
        assert!(e.contains_key("fields[0].type"));
        let e = field(json!({"key": "size", "label": {"vi": "x"}})).unwrap_err();
        assert!(e.contains_key("fields[0].label.en"));
        let e = field(json!({"key": "a", "label": "A", "options": ["x"]})).unwrap_err();
        assert_eq!(e["fields[0].options"], "are only for a select");
        // Options sent but refused are named each, without a second "none listed".
        let e = field(json!({"key": "size", "label": "S", "type": "select", "options": [1, ""]}))
            .unwrap_err();
        assert_eq!(e["fields[0].options[0]"], "must be a string");
        assert!(e.contains_key("fields[0].options[1]"));
        assert!(!e.contains_key("fields[0].options"), "{e:?}");
        let e = field(json!({"key": "size", "label": "S", "type": "select", "options": "a,b"}))
            .unwrap_err();
        assert_eq!(e["fields[0].options"], "must be a list of strings");
        let e = field(json!({"key": "size", "label": "S", "type": "select", "options": []}))
            .unwrap_err();
        assert_eq!(
            e["fields[0].options"],
            "must list at least one option for a select"
        );
    }

    fn one(kind: FieldType, required: bool, v: Value) -> Result<Option<Answer>, String> {
        let f = Field {
            key: "q".into(),
            label: FieldLabel {
                en: "Q".into(),
                vi: "Q".into(),
            },
            kind,
            required,
            options: vec!["Small".into(), "Large".into()],
        };
        let mut posted = BTreeMap::new();
        if !v.is_null() {
            posted.insert("q".to_string(), v);
        }
        let mut errs = FieldErrors::default();
        let a = answers(&[f], &posted, &mut errs);
        match errs.into_map().remove("q") {
            Some(m) => Err(m),
            None => Ok(a.get("q").cloned()),
        }
    }

    #[test]
    fn each_type_checks_its_answer() {
        use FieldType::*;
        let t = |s: &str| Ok(Some(Answer::Text(s.into())));
        assert_eq!(one(Text, false, json!(" hi ")), t("hi"));
        assert!(one(Text, false, json!("x".repeat(501))).is_err());
        assert_eq!(
            one(Textarea, false, json!("x".repeat(600))),
            t(&"x".repeat(600))
        );
        assert_eq!(
            one(Email, false, json!("A@Example.com")),
            t("A@example.com")
        );
        assert!(one(Email, false, json!("nope")).is_err());
        assert_eq!(
            one(Tel, false, json!("+84 90 123 4567")),
            t("+84 90 123 4567")
        );
        assert!(one(Tel, false, json!("call me")).is_err());
        assert_eq!(one(Url, false, json!("acme.com")), t("https://acme.com"));
        assert!(one(Url, false, json!("not a site")).is_err());
        assert_eq!(one(Select, false, json!("Large")), t("Large"));
        assert_eq!(
            one(Select, false, json!("Huge")),
            Err("must be one of the form's options".into())
        );
        assert_eq!(
            one(Checkbox, false, json!("on")),
            Ok(Some(Answer::Yes(true)))
        );
        assert_eq!(
            one(Checkbox, false, Value::Null),
            Ok(Some(Answer::Yes(false)))
        );
        assert_eq!(
            one(Checkbox, true, Value::Null),
            Err("must be ticked".into())
        );
        assert!(one(Checkbox, false, json!("maybe")).is_err());
        assert_eq!(one(Text, true, json!("  ")), Err("is required".into()));
        assert_eq!(one(Text, false, Value::Null), Ok(None));
        assert_eq!(
            one(Text, false, json!(["a"])),
            Err("must be a string".into())
        );
    }
}
