//! A workspace and its settings; parsing of the settings patch.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use schemars::JsonSchema;

use crate::domain::{self, money_to_minor, Email, Locale, Money};
use crate::error::FieldErrors;

/// The pricing-page user types a plan can be for.
pub const PLAN_USER_TYPES: [&str; 5] = [
    "industry",
    "service_vendor",
    "product_vendor",
    "logistics",
    "professional",
];

/// A plan of the catalogue; money in minor units.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// Code, e.g. `INDUSTRY_GROWTH`.
    pub code: String,
    /// Which pricing-page user type it is for.
    pub user_type: String,
    /// Display name.
    pub name: String,
    /// Lowest monthly price, minor units.
    pub monthly_min: i64,
    /// Highest monthly price, minor units.
    pub monthly_max: i64,
}

/// An add-on of the catalogue; money in minor units.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AddOn {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Monthly price, minor units.
    pub monthly_amount: i64,
    /// One-time price, minor units.
    pub one_time_amount: i64,
}

/// Per-workspace rate limits; 0 switches one off.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimits {
    /// Public form submits per client IP per minute.
    pub public_per_ip_per_minute: u32,
    /// Public form submits per workspace per minute.
    pub public_per_workspace_per_minute: u32,
    /// Contact-sales requests per end user per minute.
    pub contact_per_user_per_minute: u32,
    /// Contact-sales requests per client IP per minute.
    pub contact_per_ip_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            public_per_ip_per_minute: 20,
            public_per_workspace_per_minute: 600,
            contact_per_user_per_minute: 5,
            contact_per_ip_per_minute: 30,
        }
    }
}

/// A tenant.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// uuid.
    pub id: String,
    /// URL-friendly name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Identifies the public form (`pk_…`).
    pub public_key: String,
    /// Origins allowed to post the public form and frame it.
    pub allowed_origins: Vec<String>,
    /// Where the mailto fallback points.
    pub sales_email: Option<String>,
    /// Booking link offered after a contact request.
    pub scheduler_url: Option<String>,
    /// Crisp chat website id.
    pub crisp_website_id: Option<String>,
    /// Where a plain form post lands after success.
    pub thank_you_url: Option<String>,
    /// Language of public pages.
    pub default_locale: Locale,
    /// Verifies end-user tokens; never returned by the API.
    pub user_token_secret: Option<String>,
    /// GST in basis points (1800 = 18 %).
    pub gst_rate_bp: i64,
    /// ISO 4217 code of the catalogue's amounts (`AUD`).
    pub currency: String,
    /// Erase leads closed longer ago than this many days (0 = keep).
    pub retention_days: i64,
    /// Inquiries scoring above this (0–100) are spam.
    pub spam_threshold: i64,
    /// Plan catalogue.
    pub plans: Vec<Plan>,
    /// Add-on catalogue.
    pub add_ons: Vec<AddOn>,
    /// Rate limits.
    pub rate_limits: RateLimits,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

/// A workspace as the API shows it (never the token secret).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceView {
    /// Id (uuid).
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// `pk_…`: identifies its public form.
    pub public_key: String,
    /// Origins allowed to embed and post the public form.
    pub allowed_origins: Vec<String>,
    /// Where the mailto action writes to.
    pub sales_email: Option<String>,
    /// Booking link for the scheduler action.
    pub scheduler_url: Option<String>,
    /// Crisp website id for the chat action.
    pub crisp_website_id: Option<String>,
    /// Where a form post goes after success.
    pub thank_you_url: Option<String>,
    /// `en` or `vi`.
    pub default_locale: Locale,
    /// Whether end-user tokens can be verified.
    pub user_token_secret_set: bool,
    /// GST in percent.
    pub gst_rate: Money,
    /// ISO 4217 code of the catalogue's amounts.
    pub currency: String,
    /// Leads closed longer ago than this many days are erased, daily (0 = keep).
    pub retention_days: i64,
    /// Inquiries whose spam score is above this (0–100) are spam.
    pub spam_threshold: i64,
    /// The plan catalogue.
    pub plans: Vec<PlanView>,
    /// The add-on catalogue.
    pub add_ons: Vec<AddOnView>,
    /// Rate limits; 0 switches one off.
    pub rate_limits: RateLimits,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// The caller's role in it (lists and creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<crate::auth::permissions::Role>,
}

/// A plan of the catalogue as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanView {
    /// Code.
    pub code: String,
    /// Pricing-page user type.
    pub user_type: String,
    /// Display name.
    pub name: String,
    /// Lowest monthly price.
    pub monthly_min: Money,
    /// Highest monthly price.
    pub monthly_max: Money,
}

/// An add-on of the catalogue as the API shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnView {
    /// Code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Monthly price.
    pub monthly_amount: Money,
    /// One-time price.
    pub one_time_amount: Money,
}

/// The settings a PATCH may carry, flat and camelCase; each one present is changed, the others
/// stay. (`SettingsPatch::parse` reads this shape and names every bad setting.)
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsBody {
    /// Display name.
    #[serde(default)]
    #[schemars(length(min = 1, max = 100), pattern(crate::domain::TEXT))]
    pub name: String,
    /// Origins (`https://www.example.com`) allowed to embed and post the public form.
    #[serde(default)]
    #[schemars(length(max = 50))]
    pub allowed_origins: Vec<OriginDoc>,
    /// Where the mailto action writes to; null or "" clears it.
    #[schemars(length(max = 254), pattern(crate::domain::EMAIL_OR_EMPTY))]
    pub sales_email: Option<String>,
    /// Booking link for the scheduler action; null clears it.
    pub scheduler_url: Option<UrlDoc>,
    /// Crisp website id; null or "" clears it.
    #[schemars(length(max = 100), pattern(r"^[A-Za-z0-9-]*$"))]
    pub crisp_website_id: Option<String>,
    /// Where a form post goes after success; null clears it.
    pub thank_you_url: Option<UrlDoc>,
    /// `en` or `vi`.
    #[serde(default)]
    pub default_locale: Locale,
    /// Verifies end-user tokens: at least 32 characters; never returned.
    #[schemars(length(min = 32, max = 512))]
    pub user_token_secret: Option<String>,
    /// GST in percent.
    #[serde(default)]
    #[schemars(with = "crate::domain::PercentInput")]
    pub gst_rate: u8,
    /// ISO 4217 code of the catalogue's amounts: three capital letters.
    #[serde(default)]
    #[schemars(pattern(r"^[A-Z]{3}$"))]
    pub currency: String,
    /// Erase leads closed longer ago than this many days, daily; 0 keeps them (0–36500).
    #[serde(default)]
    #[schemars(range(min = 0, max = 36500))]
    pub retention_days: i64,
    /// Inquiries whose spam score is above this are spam (default 70).
    #[serde(default)]
    #[schemars(range(min = 0, max = 100))]
    pub spam_threshold: i64,
    /// The whole plan catalogue (replaces it).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub plans: Vec<PlanInput>,
    /// The whole add-on catalogue (replaces it).
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub add_ons: Vec<AddOnInput>,
    /// Rate limits to change.
    #[serde(default)]
    pub rate_limits: RateLimitsInput,
}

/// The documented shape of an origin: scheme, host and optional port.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(transparent)]
pub struct OriginDoc(
    #[schemars(pattern(r"^https://[a-z]{1,20}\.(com|net|org|vn)$"))]
    pub String,
);

/// The documented shape of an absolute https URL.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(transparent)]
pub struct UrlDoc(
    #[schemars(pattern(r"^$|^https://[a-z]{1,20}\.(com|net|org|vn)(/[a-z0-9-]{1,20}){0,3}$"))]
    pub String,
);

/// A plan of the catalogue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanInput {
    /// 1–100 letters, digits, `_` or `-`.
    #[schemars(pattern(r"^[A-Za-z0-9_-]{1,100}$"))]
    pub code: String,
    /// Pricing-page user type.
    #[schemars(with = "PlanUserType")]
    pub user_type: String,
    /// Display name.
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    pub name: String,
    /// Lowest monthly price (whole units here; two decimals are taken too).
    #[schemars(with = "crate::domain::AmountInput")]
    pub monthly_min: u64,
    /// Highest monthly price, not below `monthlyMin`.
    #[schemars(with = "crate::domain::AmountInput")]
    pub monthly_max: u64,
}

/// An add-on of the catalogue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnInput {
    /// 1–100 letters, digits, `_` or `-`.
    #[schemars(pattern(r"^[A-Za-z0-9_-]{1,100}$"))]
    pub code: String,
    /// Display name.
    #[schemars(length(min = 1, max = 200), pattern(crate::domain::TEXT))]
    pub name: String,
    /// Monthly price.
    #[schemars(with = "crate::domain::AmountInput")]
    pub monthly_amount: u64,
    /// One-time price.
    #[schemars(with = "crate::domain::AmountInput")]
    pub one_time_amount: u64,
}

/// Rate limits to change, each a whole number from 0 (off) to 1,000,000.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitsInput {
    /// Public form submits per client IP per minute.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub public_per_ip_per_minute: u32,
    /// Public form submits per workspace per minute.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub public_per_workspace_per_minute: u32,
    /// Contact-sales requests per end user per minute.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub contact_per_user_per_minute: u32,
    /// Contact-sales requests per client IP per minute.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub contact_per_ip_per_minute: u32,
}

/// Pricing-page user types.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum PlanUserType {
    /// Industry.
    Industry,
    /// Service vendor.
    ServiceVendor,
    /// Product vendor.
    ProductVendor,
    /// Logistics.
    Logistics,
    /// Professional.
    Professional,
}

impl Workspace {
    /// A workspace with plain settings, for unit tests.
    #[cfg(test)]
    pub fn for_tests() -> Workspace {
        Workspace {
            id: "w".into(),
            slug: "s".into(),
            name: "n".into(),
            public_key: "pk".into(),
            allowed_origins: vec![],
            sales_email: None,
            scheduler_url: None,
            crisp_website_id: None,
            thank_you_url: None,
            default_locale: Default::default(),
            user_token_secret: None,
            gst_rate_bp: 1800,
            currency: "AUD".into(),
            retention_days: 0,
            spam_threshold: 70,
            plans: vec![],
            add_ons: vec![],
            rate_limits: Default::default(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    /// The API representation (without the token secret).
    pub fn view(&self) -> WorkspaceView {
        WorkspaceView {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            public_key: self.public_key.clone(),
            allowed_origins: self.allowed_origins.clone(),
            sales_email: self.sales_email.clone(),
            scheduler_url: self.scheduler_url.clone(),
            crisp_website_id: self.crisp_website_id.clone(),
            thank_you_url: self.thank_you_url.clone(),
            default_locale: self.default_locale,
            user_token_secret_set: self.user_token_secret.is_some(),
            gst_rate: Money(self.gst_rate_bp),
            currency: self.currency.clone(),
            retention_days: self.retention_days,
            spam_threshold: self.spam_threshold,
            plans: self
                .plans
                .iter()
                .map(|p| PlanView {
                    code: p.code.clone(),
                    user_type: p.user_type.clone(),
                    name: p.name.clone(),
                    monthly_min: Money(p.monthly_min),
                    monthly_max: Money(p.monthly_max),
                })
                .collect(),
            add_ons: self
                .add_ons
                .iter()
                .map(|a| AddOnView {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    monthly_amount: Money(a.monthly_amount),
                    one_time_amount: Money(a.one_time_amount),
                })
                .collect(),
            rate_limits: self.rate_limits,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            role: None,
        }
    }

    /// Applies a parsed patch; returns the names of the settings it changed.
    pub fn apply(&mut self, patch: SettingsPatch) -> Vec<&'static str> {
        let mut changed = vec![];
        macro_rules! set {
            ($field:ident, $name:literal) => {
                if let Some(v) = patch.$field {
                    if self.$field != v {
                        self.$field = v;
                        changed.push($name);
                    }
                }
            };
        }
        set!(name, "name");
        set!(allowed_origins, "allowedOrigins");
        set!(sales_email, "salesEmail");
        set!(scheduler_url, "schedulerUrl");
        set!(crisp_website_id, "crispWebsiteId");
        set!(thank_you_url, "thankYouUrl");
        set!(default_locale, "defaultLocale");
        set!(user_token_secret, "userTokenSecret");
        set!(gst_rate_bp, "gstRate");
        set!(currency, "currency");
        set!(retention_days, "retentionDays");
        set!(spam_threshold, "spamThreshold");
        set!(plans, "plans");
        set!(add_ons, "addOns");
        if let Some(rl) = patch.rate_limits {
            let merged = rl.merge(self.rate_limits);
            if merged != self.rate_limits {
                self.rate_limits = merged;
                changed.push("rateLimits");
            }
        }
        changed
    }
}

/// A partial rate-limit update.
#[derive(Debug, Default, Clone, Copy)]
pub struct RateLimitsPatch([Option<u32>; 4]);

impl RateLimitsPatch {
    fn merge(self, mut base: RateLimits) -> RateLimits {
        let [a, b, c, d] = self.0;
        base.public_per_ip_per_minute = a.unwrap_or(base.public_per_ip_per_minute);
        base.public_per_workspace_per_minute = b.unwrap_or(base.public_per_workspace_per_minute);
        base.contact_per_user_per_minute = c.unwrap_or(base.contact_per_user_per_minute);
        base.contact_per_ip_per_minute = d.unwrap_or(base.contact_per_ip_per_minute);
        base
    }
}

/// A validated settings change: `Some` for each setting present in the request.
#[derive(Debug, Default)]
pub struct SettingsPatch {
    name: Option<String>,
    allowed_origins: Option<Vec<String>>,
    sales_email: Option<Option<String>>,
    scheduler_url: Option<Option<String>>,
    crisp_website_id: Option<Option<String>>,
    thank_you_url: Option<Option<String>>,
    default_locale: Option<Locale>,
    user_token_secret: Option<Option<String>>,
    gst_rate_bp: Option<i64>,
    currency: Option<String>,
    retention_days: Option<i64>,
    spam_threshold: Option<i64>,
    plans: Option<Vec<Plan>>,
    add_ons: Option<Vec<AddOn>>,
    rate_limits: Option<RateLimitsPatch>,
}

/// An `allowedOrigins` list (null clears it): at most 50 origins, each named when bad,
/// duplicates dropped. Shared by the workspace settings and the forms of `inquiries`.
pub fn parse_origins(v: &Value, errs: &mut FieldErrors) -> Option<Vec<String>> {
    match v {
        Value::Null => Some(vec![]),
        Value::Array(items) if items.len() <= 50 => {
            let mut list = vec![];
            for (i, item) in items.iter().enumerate() {
                let field = format!("allowedOrigins[{i}]");
                if let Some(o) = errs.take(&field, as_str(item).and_then(domain::parse_origin)) {
                    if !list.contains(&o) {
                        list.push(o);
                    }
                }
            }
            Some(list)
        }
        Value::Array(_) => {
            errs.add("allowedOrigins", "must have at most 50 origins");
            None
        }
        _ => {
            errs.add("allowedOrigins", "must be a list of origins");
            None
        }
    }
}

/// A patch that sets only the allowed origins.
impl SettingsPatch {
    /// Sets the allowed origins to `origins`.
    pub fn origins(origins: Vec<String>) -> SettingsPatch {
        SettingsPatch {
            allowed_origins: Some(origins),
            ..SettingsPatch::default()
        }
    }
}

fn as_str(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| "must be a string".to_string())
}

/// A nullable string setting: null or "" clears it.
fn nullable(
    v: &Value,
    parse: impl Fn(&str) -> Result<String, String>,
) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => parse(s).map(Some),
        _ => Err("must be a string or null".into()),
    }
}

fn money(v: Option<&Value>) -> Result<i64, String> {
    match v {
        None | Some(Value::Null) => Err("is required".into()),
        Some(Value::Number(n)) => money_to_minor(n.as_f64().unwrap_or(-1.0)),
        Some(_) => Err("must be a number".into()),
    }
}

fn code(v: Option<&Value>) -> Result<String, String> {
    let s = v
        .ok_or("is required")?
        .as_str()
        .ok_or("must be a string")?
        .trim();
    let ok = (1..=100).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err("must be 1-100 letters, digits, _ or -".into())
    }
}

fn text(v: Option<&Value>, max: usize) -> Result<String, String> {
    match v {
        None | Some(Value::Null) => Err("is required".into()),
        Some(Value::String(s)) => domain::required_text(Some(s), max),
        Some(_) => Err("must be a string".into()),
    }
}

fn parse_plans(v: &Value, errs: &mut FieldErrors) -> Option<Vec<Plan>> {
    let Some(items) = v.as_array() else {
        errs.add("plans", "must be a list");
        return None;
    };
    if items.len() > 200 {
        errs.add("plans", "must have at most 200 plans");
        return None;
    }
    let mut plans = vec![];
    for (i, item) in items.iter().enumerate() {
        let f = |k: &str| format!("plans[{i}].{k}");
        let Some(o) = item.as_object() else {
            errs.add(&format!("plans[{i}]"), "must be an object");
            continue;
        };
        let code = errs.take(&f("code"), code(o.get("code")));
        let user_type = errs.take(
            &f("userType"),
            o.get("userType")
                .and_then(Value::as_str)
                .filter(|t| PLAN_USER_TYPES.contains(t))
                .map(str::to_string)
                .ok_or_else(|| format!("must be one of {}", PLAN_USER_TYPES.join(", "))),
        );
        let name = errs.take(&f("name"), text(o.get("name"), 200));
        let min = errs.take(&f("monthlyMin"), money(o.get("monthlyMin")));
        let max = errs.take(&f("monthlyMax"), money(o.get("monthlyMax")));
        if let (Some(a), Some(b)) = (min, max) {
            if b < a {
                errs.add(&f("monthlyMax"), "must not be below the monthly minimum");
            }
        }
        if let Some(c) = &code {
            if plans.iter().any(|p: &Plan| &p.code == c) {
                errs.add(&f("code"), "is used by another plan");
            }
        }
        if let (Some(code), Some(user_type), Some(name), Some(monthly_min), Some(monthly_max)) =
            (code, user_type, name, min, max)
        {
            plans.push(Plan {
                code,
                user_type,
                name,
                monthly_min,
                monthly_max,
            });
        }
    }
    Some(plans)
}

fn parse_add_ons(v: &Value, errs: &mut FieldErrors) -> Option<Vec<AddOn>> {
    let Some(items) = v.as_array() else {
        errs.add("addOns", "must be a list");
        return None;
    };
    if items.len() > 200 {
        errs.add("addOns", "must have at most 200 add-ons");
        return None;
    }
    let mut out = vec![];
    for (i, item) in items.iter().enumerate() {
        let f = |k: &str| format!("addOns[{i}].{k}");
        let Some(o) = item.as_object() else {
            errs.add(&format!("addOns[{i}]"), "must be an object");
            continue;
        };
        let code = errs.take(&f("code"), code(o.get("code")));
        let name = errs.take(&f("name"), text(o.get("name"), 200));
        let monthly = errs.take(&f("monthlyAmount"), money(o.get("monthlyAmount")));
        let once = errs.take(&f("oneTimeAmount"), money(o.get("oneTimeAmount")));
        if let Some(c) = &code {
            if out.iter().any(|a: &AddOn| &a.code == c) {
                errs.add(&f("code"), "is used by another add-on");
            }
        }
        if let (Some(code), Some(name), Some(monthly_amount), Some(one_time_amount)) =
            (code, name, monthly, once)
        {
            out.push(AddOn {
                code,
                name,
                monthly_amount,
                one_time_amount,
            });
        }
    }
    Some(out)
}

fn parse_rate_limits(v: &Value, errs: &mut FieldErrors) -> Option<RateLimitsPatch> {
    let Some(o) = v.as_object() else {
        errs.add("rateLimits", "must be an object");
        return None;
    };
    let keys = [
        "publicPerIpPerMinute",
        "publicPerWorkspacePerMinute",
        "contactPerUserPerMinute",
        "contactPerIpPerMinute",
    ];
    let mut patch = RateLimitsPatch::default();
    for (i, k) in keys.iter().enumerate() {
        if let Some(v) = o.get(*k) {
            patch.0[i] = errs.take(
                &format!("rateLimits.{k}"),
                crate::json::whole_number(v)
                    .and_then(|n| u64::try_from(n).ok())
                    .filter(|n| *n <= 1_000_000)
                    .map(|n| n as u32)
                    .ok_or_else(|| "must be a whole number from 0 to 1000000".to_string()),
            );
        }
    }
    Some(patch)
}

impl SettingsPatch {
    /// Parses a PATCH body; every bad setting is named in `errs`.
    pub fn parse(body: &Map<String, Value>, errs: &mut FieldErrors) -> SettingsPatch {
        let mut p = SettingsPatch::default();
        if let Some(v) = body.get("name") {
            p.name = errs.take(
                "name",
                as_str(v).and_then(|s| domain::required_text(Some(s), 100)),
            );
        }
        if let Some(v) = body.get("allowedOrigins") {
            p.allowed_origins = parse_origins(v, errs);
        }
        if let Some(v) = body.get("salesEmail") {
            p.sales_email = errs.take(
                "salesEmail",
                nullable(v, |s| Email::parse(s).map(Email::into_inner)),
            );
        }
        if let Some(v) = body.get("schedulerUrl") {
            p.scheduler_url = errs.take("schedulerUrl", nullable(v, domain::parse_url));
        }
        if let Some(v) = body.get("thankYouUrl") {
            p.thank_you_url = errs.take("thankYouUrl", nullable(v, domain::parse_url));
        }
        if let Some(v) = body.get("crispWebsiteId") {
            p.crisp_website_id = errs.take(
                "crispWebsiteId",
                nullable(v, |s| {
                    let s = s.trim();
                    if s.len() <= 100 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                        Ok(s.to_string())
                    } else {
                        Err("must be up to 100 letters, digits or dashes".into())
                    }
                }),
            );
        }
        if let Some(v) = body.get("defaultLocale") {
            p.default_locale = errs.take("defaultLocale", as_str(v).and_then(Locale::parse));
        }
        if let Some(v) = body.get("userTokenSecret") {
            p.user_token_secret = errs.take(
                "userTokenSecret",
                match v {
                    Value::Null => Ok(None),
                    Value::String(s) if s.chars().count() < 32 => {
                        Err("must be at least 32 characters".into())
                    }
                    Value::String(s) if s.chars().count() > 512 => {
                        Err("must be at most 512 characters".into())
                    }
                    Value::String(s) => Ok(Some(s.clone())),
                    _ => Err("must be a string or null".into()),
                },
            );
        }
        if let Some(v) = body.get("gstRate") {
            p.gst_rate_bp = errs.take(
                "gstRate",
                match v.as_f64() {
                    Some(r) if (0.0..=100.0).contains(&r) => money_to_minor(r),
                    _ => Err("must be a percentage from 0 to 100".into()),
                },
            );
        }
        if let Some(v) = body.get("currency") {
            p.currency = errs.take(
                "currency",
                match v.as_str() {
                    Some(c) if c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase()) => {
                        Ok(c.to_string())
                    }
                    _ => Err("must be a three-letter currency code such as AUD".into()),
                },
            );
        }
        if let Some(v) = body.get("retentionDays") {
            p.retention_days = errs.take(
                "retentionDays",
                match v
                    .as_i64()
                    .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                {
                    Some(d) if (0..=36500).contains(&d) => Ok(d),
                    _ => Err("must be a whole number of days from 0 to 36500".into()),
                },
            );
        }
        if let Some(v) = body.get("spamThreshold") {
            p.spam_threshold = errs.take(
                "spamThreshold",
                crate::json::whole_number(v)
                    .filter(|n| (0..=100).contains(n))
                    .ok_or_else(|| "must be a whole number from 0 to 100".to_string()),
            );
        }
        if let Some(v) = body.get("plans") {
            p.plans = parse_plans(v, errs);
        }
        if let Some(v) = body.get("addOns") {
            p.add_ons = parse_add_ons(v, errs);
        }
        if let Some(v) = body.get("rateLimits") {
            p.rate_limits = parse_rate_limits(v, errs);
        }
        p
    }
}
