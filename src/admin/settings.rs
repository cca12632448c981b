//! The settings pages, one per section (workspace, form and origins, Contact Sales, plan
//! catalogue, limits, end-user tokens). Every section posts only its own fields, turned into
//! the same patch the API takes, so both share one validation; the catalogue is edited as
//! rows, and errors name the field in words.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};
use serde_json::{json, Map, Value};

use super::i18n::{self, Strings};
use super::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::domain::minor_to_number;
use crate::error::FieldErrors;
use crate::workspaces::model::{SettingsPatch, PLAN_USER_TYPES};
use crate::workspaces::update_settings;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![workspace_section, section_page, save]
}

/// The sections, in the order the page lists them.
pub const SECTIONS: [&str; 6] = [
    "workspace",
    "form",
    "contact",
    "catalogue",
    "limits",
    "tokens",
];

/// Blank rows offered for new plans and add-ons.
const BLANK_ROWS: usize = 2;

fn section_label(t: &Strings, s: &str) -> &'static str {
    match s {
        "workspace" => t.set_workspace,
        "form" => t.set_form,
        "contact" => t.set_contact,
        "catalogue" => t.catalogue,
        "limits" => t.set_limits,
        _ => t.set_tokens,
    }
}

/// One plan row of the editor, as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanRow {
    code: String,
    user_type: String,
    name: String,
    min: String,
    max: String,
    bad: bool,
}

/// One add-on row of the editor, as typed.
#[derive(Debug, Clone, Default)]
pub struct AddOnRow {
    code: String,
    name: String,
    monthly: String,
    one_time: String,
    bad: bool,
}

/// What the forms show, as text.
#[derive(Default)]
struct Values {
    name: String,
    default_locale: String,
    allowed_origins: String,
    thank_you_url: String,
    sales_email: String,
    scheduler_url: String,
    crisp_website_id: String,
    gst_rate: String,
    currency: String,
    retention_days: String,
    spam_threshold: String,
    plans: Vec<PlanRow>,
    add_ons: Vec<AddOnRow>,
    rl_public_ip: String,
    rl_public_ws: String,
    rl_contact_user: String,
    rl_contact_ip: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    section: &'static str,
    sections: Vec<(&'static str, &'static str)>,
    f: Values,
    user_types: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    secret_set: bool,
    errors: Vec<(String, String)>,
    show_backups: bool,
}

fn number(minor: i64) -> String {
    minor_to_number(minor).to_string()
}

fn values_of(page: &Page) -> Values {
    let w = &page.workspace;
    let mut plans: Vec<PlanRow> = w
        .plans
        .iter()
        .map(|p| PlanRow {
            code: p.code.clone(),
            user_type: p.user_type.clone(),
            name: p.name.clone(),
            min: number(p.monthly_min),
            max: number(p.monthly_max),
            bad: false,
        })
        .collect();
    plans.extend(std::iter::repeat_n(PlanRow::default(), BLANK_ROWS));
    let mut add_ons: Vec<AddOnRow> = w
        .add_ons
        .iter()
        .map(|a| AddOnRow {
            code: a.code.clone(),
            name: a.name.clone(),
            monthly: number(a.monthly_amount),
            one_time: number(a.one_time_amount),
            bad: false,
        })
        .collect();
    add_ons.extend(std::iter::repeat_n(AddOnRow::default(), BLANK_ROWS));
    Values {
        name: w.name.clone(),
        default_locale: w.default_locale.as_str().into(),
        allowed_origins: w.allowed_origins.join("\n"),
        thank_you_url: w.thank_you_url.clone().unwrap_or_default(),
        sales_email: w.sales_email.clone().unwrap_or_default(),
        scheduler_url: w.scheduler_url.clone().unwrap_or_default(),
        crisp_website_id: w.crisp_website_id.clone().unwrap_or_default(),
        gst_rate: number(w.gst_rate_bp),
        currency: w.currency.clone(),
        retention_days: w.retention_days.to_string(),
        spam_threshold: w.spam_threshold.to_string(),
        plans,
        add_ons,
        rl_public_ip: w.rate_limits.public_per_ip_per_minute.to_string(),
        rl_public_ws: w.rate_limits.public_per_workspace_per_minute.to_string(),
        rl_contact_user: w.rate_limits.contact_per_user_per_minute.to_string(),
        rl_contact_ip: w.rate_limits.contact_per_ip_per_minute.to_string(),
    }
}

fn page_of(
    page: &Page,
    section: &'static str,
    f: Values,
    errors: Vec<(String, String)>,
    flash: Option<(String, String)>,
) -> SettingsPage {
    let t = page.t();
    SettingsPage {
        section,
        sections: SECTIONS.iter().map(|s| (*s, section_label(t, s))).collect(),
        show_backups: page.role.can(Perm::BackupManage),
        f,
        user_types: PLAN_USER_TYPES
            .iter()
            .map(|u| (*u, i18n::user_type_label(t, u)))
            .collect(),
        can_edit: page.role.can(Perm::WorkspaceUpdate),
        secret_set: page.workspace.user_token_secret.is_some(),
        errors,
        chrome: page.chrome("settings", flash),
    }
}

fn show(page: Page, section: &str, f: Option<FlashMessage<'_>>) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::WorkspaceRead) {
        return Err(Status::Forbidden);
    }
    let section = SECTIONS
        .iter()
        .find(|s| **s == section)
        .ok_or(Status::NotFound)?;
    let flash = f.map(|m| (m.kind().to_string(), m.message().to_string()));
    render(&page_of(&page, section, values_of(&page), vec![], flash))
}

/// `GET /admin/settings` — WorkspacePermissions.Read (editing needs Update): the workspace
/// section.
#[get("/admin/settings")]
fn workspace_section(page: Page, f: Option<FlashMessage<'_>>) -> Result<RawHtml<String>, Status> {
    show(page, "workspace", f)
}

/// `GET /admin/settings/<section>` — WorkspacePermissions.Read.
#[get("/admin/settings/<section>")]
fn section_page(
    page: Page,
    section: &str,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    show(page, section, f)
}

/// Every field any section sends; a section sends only its own, and absent ones stay.
#[derive(FromForm, Default)]
struct SettingsForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    section: Option<String>,
    name: Option<String>,
    default_locale: Option<String>,
    allowed_origins: Option<String>,
    thank_you_url: Option<String>,
    sales_email: Option<String>,
    scheduler_url: Option<String>,
    crisp_website_id: Option<String>,
    user_token_secret: Option<String>,
    clear_secret: Option<String>,
    gst_rate: Option<String>,
    currency: Option<String>,
    retention_days: Option<String>,
    spam_threshold: Option<String>,
    /// Set by the catalogue section: its rows below replace the catalogue.
    catalogue: Option<String>,
    plan_code: Vec<String>,
    plan_user_type: Vec<String>,
    plan_name: Vec<String>,
    plan_min: Vec<String>,
    plan_max: Vec<String>,
    /// Row numbers (from 0) to remove; anything else is not a row and removes nothing.
    plan_remove: Vec<String>,
    addon_code: Vec<String>,
    addon_name: Vec<String>,
    addon_monthly: Vec<String>,
    addon_one_time: Vec<String>,
    addon_remove: Vec<String>,
    rl_public_ip: Option<String>,
    rl_public_ws: Option<String>,
    rl_contact_user: Option<String>,
    rl_contact_ip: Option<String>,
}

fn cell(v: &[String], i: usize) -> String {
    v.get(i).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// A typed amount as a JSON number; an error on `key` when it is not one.
fn amount(raw: &str, key: &str, errs: &mut FieldErrors) -> Value {
    match raw.replace(',', "").parse::<f64>() {
        Ok(n) if n.is_finite() => json!(n),
        _ => {
            errs.add(key, "must be a number");
            Value::Null
        }
    }
}

/// Whether row `i` is ticked for removal.
fn removed(ticked: &[String], i: usize) -> bool {
    ticked.iter().any(|t| t.trim().parse::<usize>() == Ok(i))
}

/// Plan row `i` as typed.
fn plan_row(f: &SettingsForm, i: usize) -> PlanRow {
    PlanRow {
        code: cell(&f.plan_code, i),
        user_type: cell(&f.plan_user_type, i),
        name: cell(&f.plan_name, i),
        min: cell(&f.plan_min, i),
        max: cell(&f.plan_max, i),
        bad: false,
    }
}

/// Add-on row `i` as typed.
fn add_on_row(f: &SettingsForm, i: usize) -> AddOnRow {
    AddOnRow {
        code: cell(&f.addon_code, i),
        name: cell(&f.addon_name, i),
        monthly: cell(&f.addon_monthly, i),
        one_time: cell(&f.addon_one_time, i),
        bad: false,
    }
}

/// The catalogue entries the plan rows make (blank and removed rows left out), with each
/// entry's row number for naming errors.
fn plan_rows(f: &SettingsForm, errs: &mut FieldErrors) -> (Vec<Value>, Vec<usize>) {
    let n = f.plan_code.len().max(f.plan_name.len());
    let (mut out, mut at) = (vec![], vec![]);
    for i in 0..n {
        let row = plan_row(f, i);
        let blank =
            row.code.is_empty() && row.name.is_empty() && row.min.is_empty() && row.max.is_empty();
        if blank || removed(&f.plan_remove, i) {
            continue;
        }
        // Keys by list position, like the API's own checks; `to_row` maps them back.
        let k = out.len();
        let key = |sub: &str| format!("plans[{k}].{sub}");
        let min = amount(&row.min, &key("monthlyMin"), errs);
        let max = amount(&row.max, &key("monthlyMax"), errs);
        out.push(json!({ "code": row.code, "userType": row.user_type, "name": row.name, "monthlyMin": min, "monthlyMax": max }));
        at.push(i);
    }
    (out, at)
}

/// The same for the add-on rows.
fn add_on_rows(f: &SettingsForm, errs: &mut FieldErrors) -> (Vec<Value>, Vec<usize>) {
    let n = f.addon_code.len().max(f.addon_name.len());
    let (mut out, mut at) = (vec![], vec![]);
    for i in 0..n {
        let row = add_on_row(f, i);
        let blank = row.code.is_empty()
            && row.name.is_empty()
            && row.monthly.is_empty()
            && row.one_time.is_empty();
        if blank || removed(&f.addon_remove, i) {
            continue;
        }
        let k = out.len();
        let key = |sub: &str| format!("addOns[{k}].{sub}");
        let monthly = if row.monthly.is_empty() {
            json!(0)
        } else {
            amount(&row.monthly, &key("monthlyAmount"), errs)
        };
        let one_time = if row.one_time.is_empty() {
            json!(0)
        } else {
            amount(&row.one_time, &key("oneTimeAmount"), errs)
        };
        out.push(json!({ "code": row.code, "name": row.name, "monthlyAmount": monthly, "oneTimeAmount": one_time }));
        at.push(i);
    }
    (out, at)
}

/// `plans[2].code` of the patch → `plans[<row>].code` of the form.
fn to_row(key: &str, prefix: &str, at: &[usize]) -> Option<String> {
    let rest = key.strip_prefix(prefix)?;
    let (i, sub) = rest.split_once(']')?;
    let row = at.get(i.parse::<usize>().ok()?)?;
    Some(format!("{prefix}{row}]{sub}"))
}

/// The fields the form sent, as the API's JSON patch.
fn patch_of(
    f: &SettingsForm,
    errs: &mut FieldErrors,
) -> (Map<String, Value>, Vec<usize>, Vec<usize>) {
    let mut m = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), json!(v.trim()));
        }
    };
    put("name", &f.name);
    put("defaultLocale", &f.default_locale);
    put("thankYouUrl", &f.thank_you_url);
    put("salesEmail", &f.sales_email);
    put("schedulerUrl", &f.scheduler_url);
    put("crispWebsiteId", &f.crisp_website_id);
    put(
        "currency",
        &f.currency.as_ref().map(|c| c.trim().to_ascii_uppercase()),
    );
    if let Some(o) = &f.allowed_origins {
        let origins: Vec<&str> = o.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        m.insert("allowedOrigins".into(), json!(origins));
    }
    if f.clear_secret.is_some() {
        m.insert("userTokenSecret".into(), Value::Null);
    } else if let Some(secret) = f.user_token_secret.as_deref().filter(|v| !v.is_empty()) {
        m.insert("userTokenSecret".into(), json!(secret));
    }
    if let Some(d) = &f.retention_days {
        match d.trim().parse::<i64>() {
            Ok(n) => {
                m.insert("retentionDays".into(), json!(n));
            }
            Err(_) => errs.add(
                "retentionDays",
                "must be a whole number of days from 0 to 36500",
            ),
        }
    }
    if let Some(d) = &f.spam_threshold {
        match d.trim().parse::<i64>() {
            Ok(n) => {
                m.insert("spamThreshold".into(), json!(n));
            }
            Err(_) => errs.add("spamThreshold", "must be a whole number from 0 to 100"),
        }
    }
    if let Some(g) = &f.gst_rate {
        match g.trim().parse::<f64>() {
            Ok(n) => {
                m.insert("gstRate".into(), json!(n));
            }
            Err(_) => errs.add("gstRate", "must be a number"),
        }
    }
    let (mut plans_at, mut add_ons_at) = (vec![], vec![]);
    if f.catalogue.is_some() {
        let (plans, at) = plan_rows(f, errs);
        m.insert("plans".into(), json!(plans));
        plans_at = at;
        let (add_ons, at) = add_on_rows(f, errs);
        m.insert("addOns".into(), json!(add_ons));
        add_ons_at = at;
    }
    let mut limits = Map::new();
    for (key, raw) in [
        ("publicPerIpPerMinute", &f.rl_public_ip),
        ("publicPerWorkspacePerMinute", &f.rl_public_ws),
        ("contactPerUserPerMinute", &f.rl_contact_user),
        ("contactPerIpPerMinute", &f.rl_contact_ip),
    ] {
        let Some(raw) = raw else { continue };
        match raw.trim().parse::<u64>() {
            Ok(n) => {
                limits.insert(key.into(), json!(n));
            }
            Err(_) => errs.add(&format!("rateLimits.{key}"), "must be a whole number"),
        }
    }
    if !limits.is_empty() {
        m.insert("rateLimits".into(), Value::Object(limits));
    }
    (m, plans_at, add_ons_at)
}

/// The form as typed, for showing it again with its errors.
fn typed(page: &Page, f: &SettingsForm) -> Values {
    let mut v = values_of(page);
    let keep = |dst: &mut String, src: &Option<String>| {
        if let Some(s) = src {
            *dst = s.clone();
        }
    };
    keep(&mut v.name, &f.name);
    keep(&mut v.default_locale, &f.default_locale);
    keep(&mut v.allowed_origins, &f.allowed_origins);
    keep(&mut v.thank_you_url, &f.thank_you_url);
    keep(&mut v.sales_email, &f.sales_email);
    keep(&mut v.scheduler_url, &f.scheduler_url);
    keep(&mut v.crisp_website_id, &f.crisp_website_id);
    keep(&mut v.gst_rate, &f.gst_rate);
    keep(&mut v.currency, &f.currency);
    keep(&mut v.retention_days, &f.retention_days);
    keep(&mut v.spam_threshold, &f.spam_threshold);
    keep(&mut v.rl_public_ip, &f.rl_public_ip);
    keep(&mut v.rl_public_ws, &f.rl_public_ws);
    keep(&mut v.rl_contact_user, &f.rl_contact_user);
    keep(&mut v.rl_contact_ip, &f.rl_contact_ip);
    if f.catalogue.is_some() {
        v.plans = (0..f.plan_code.len()).map(|i| plan_row(f, i)).collect();
        v.add_ons = (0..f.addon_code.len()).map(|i| add_on_row(f, i)).collect();
    }
    v
}

/// `POST /admin/settings` — WorkspacePermissions.Update: saves the fields of one section.
#[post("/admin/settings", data = "<form>")]
async fn save(
    app: &State<App>,
    page: Page,
    form: Form<SettingsForm>,
) -> Result<Either<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if !page.role.can(Perm::WorkspaceUpdate) {
        return Err(Status::Forbidden);
    }
    let f = form.into_inner();
    let section = SECTIONS
        .iter()
        .find(|s| Some(**s) == f.section.as_deref())
        .copied()
        .unwrap_or("workspace");
    let back = if section == "workspace" {
        "/admin/settings".to_string()
    } else {
        format!("/admin/settings/{section}")
    };
    let mut errs = FieldErrors::default();
    let (obj, plans_at, add_ons_at) = patch_of(&f, &mut errs);
    let patch = SettingsPatch::parse(&obj, &mut errs);
    match update_settings(app, &page.staff, page.workspace.id.clone(), patch, errs).await {
        Ok(_) => Ok(Either::Left(Flash::success(
            Redirect::to(back),
            page.t().saved,
        ))),
        Err(e) if e.code == "VALIDATION_ERROR" => {
            let raw: BTreeMap<String, String> = e
                .details
                .and_then(|d| serde_json::from_value(*d).ok())
                .unwrap_or_default();
            // Errors of the rows name the row the person typed in, not the list position.
            let raw: BTreeMap<String, String> = raw
                .into_iter()
                .map(|(k, v)| {
                    let k = to_row(&k, "plans[", &plans_at)
                        .or_else(|| to_row(&k, "addOns[", &add_ons_at))
                        .unwrap_or(k);
                    (k, v)
                })
                .collect();
            let mut values = typed(&page, &f);
            for (i, row) in values.plans.iter_mut().enumerate() {
                row.bad = raw.keys().any(|k| k.starts_with(&format!("plans[{i}]")));
            }
            for (i, row) in values.add_ons.iter_mut().enumerate() {
                row.bad = raw.keys().any(|k| k.starts_with(&format!("addOns[{i}]")));
            }
            let errors = i18n::errors(page.t(), &raw);
            let html = render(&page_of(&page, section, values, errors, None))?;
            Ok(Either::Right((Status::BadRequest, html)))
        }
        Err(e) => Err(e.status),
    }
}
