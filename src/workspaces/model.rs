//! A workspace and its settings; parsing of the settings patch.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::{self, minor_to_number, money_to_minor, Email, Locale};
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
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
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

impl Workspace {
    /// The API representation (without the token secret).
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "slug": self.slug,
            "name": self.name,
            "publicKey": self.public_key,
            "allowedOrigins": self.allowed_origins,
            "salesEmail": self.sales_email,
            "schedulerUrl": self.scheduler_url,
            "crispWebsiteId": self.crisp_website_id,
            "thankYouUrl": self.thank_you_url,
            "defaultLocale": self.default_locale,
            "userTokenSecretSet": self.user_token_secret.is_some(),
            "gstRate": minor_to_number(self.gst_rate_bp),
            "plans": self.plans.iter().map(|p| json!({
                "code": p.code, "userType": p.user_type, "name": p.name,
                "monthlyMin": minor_to_number(p.monthly_min),
                "monthlyMax": minor_to_number(p.monthly_max),
            })).collect::<Vec<_>>(),
            "addOns": self.add_ons.iter().map(|a| json!({
                "code": a.code, "name": a.name,
                "monthlyAmount": minor_to_number(a.monthly_amount),
                "oneTimeAmount": minor_to_number(a.one_time_amount),
            })).collect::<Vec<_>>(),
            "rateLimits": self.rate_limits,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        })
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
    plans: Option<Vec<Plan>>,
    add_ons: Option<Vec<AddOn>>,
    rate_limits: Option<RateLimitsPatch>,
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
                errs.add(&f("monthlyMax"), "must not be below monthlyMin");
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
                v.as_u64()
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
            match v {
                Value::Null => p.allowed_origins = Some(vec![]),
                Value::Array(items) if items.len() <= 50 => {
                    let mut list = vec![];
                    for (i, item) in items.iter().enumerate() {
                        let field = format!("allowedOrigins[{i}]");
                        if let Some(o) =
                            errs.take(&field, as_str(item).and_then(domain::parse_origin))
                        {
                            if !list.contains(&o) {
                                list.push(o);
                            }
                        }
                    }
                    p.allowed_origins = Some(list);
                }
                Value::Array(_) => errs.add("allowedOrigins", "must have at most 50 origins"),
                _ => errs.add("allowedOrigins", "must be a list of origins"),
            }
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
                    Value::String(s) if s.len() > 512 => {
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
