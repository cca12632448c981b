//! Workspace pages: overview, settings, members and the viewer's API tokens.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};
use serde_json::{json, Map, Value};

use super::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::{Perm, Role};
use crate::auth::{password, sessions, tokens, users};
use crate::domain::{self, minor_to_number, Email};
use crate::error::{ApiError, FieldErrors};
use crate::workspaces::model::SettingsPatch;
use crate::workspaces::update_settings;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![
        home,
        settings_page,
        save_settings,
        members_page,
        add_member,
        change_role,
        remove_member,
        reset_link,
        tokens_page,
        create_token,
        revoke_token
    ]
}

fn flash(f: Option<FlashMessage<'_>>) -> Option<(String, String)> {
    f.map(|m| (m.kind().to_string(), m.message().to_string()))
}

fn allowed(page: &Page, perm: Perm) -> Result<(), Status> {
    if page.role.can(perm) {
        Ok(())
    } else {
        Err(Status::Forbidden)
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    user_name: String,
    slug: String,
    role: &'static str,
    member_count: usize,
    public_key: String,
    funnel: Vec<(&'static str, i64)>,
    chart: String,
    legend: Vec<(&'static str, &'static str)>,
    median_reply: String,
    conversion: String,
    notify_rate: String,
    channels: Vec<(&'static str, i64, i64, i64)>,
}

/// `GET /admin` — WorkspacePermissions.Read.
#[get("/admin")]
async fn home(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<RawHtml<String>, Status> {
    allowed(&page, Perm::WorkspaceRead)?;
    let ws = page.workspace.id.clone();
    let since = crate::util::rfc3339(crate::util::now() - time::Duration::days(30));
    let (kinds, scope) = (app.kinds.clone(), app.scope());
    let (members, counts, stats, outbox) = app
        .store
        .read(move |c| {
            Ok((
                users::members(c, &ws)?,
                crate::analytics::counts(c, &ws, &since)?,
                super::dashboard::load(c, &kinds, &scope, &ws)?,
                crate::delivery::outbox::counts(c, Some(&ws))?,
            ))
        })
        .await
        .map_err(|e| e.status)?;
    let sent = app
        .metrics
        .notifications_sent
        .load(std::sync::atomic::Ordering::Relaxed);
    let failed = app
        .metrics
        .notifications_failed
        .load(std::sync::atomic::Ordering::Relaxed);
    let t = page.t();
    let count = |channel: &str, statuses: &[&str]| -> i64 {
        outbox
            .iter()
            .filter(|(c, s, _)| c == channel && statuses.contains(&s.as_str()))
            .map(|(_, _, n)| n)
            .sum()
    };
    let channels = [
        ("webhook", t.nav_webhooks),
        ("email", t.notify_email),
        ("push", t.notify_push),
    ]
    .into_iter()
    .map(|(c, label)| {
        (
            label,
            count(c, &["succeeded"]),
            count(c, &["dead"]),
            count(c, &["pending", "failed"]),
        )
    })
    .collect();
    let colours: Vec<(&str, &str)> = app
        .kinds
        .all()
        .iter()
        .map(|k| (k.id(), k.colour()))
        .collect();
    let funnel = counts
        .into_iter()
        .zip([t.clicked, t.submitted, t.failed])
        .map(|((_, n), label)| (label, n))
        .collect();
    render(&HomePage {
        chrome: page.chrome("home", flash(f)),
        user_name: page.staff.user.name.clone(),
        slug: page.workspace.slug.clone(),
        role: page.role.as_str(),
        member_count: members.len(),
        public_key: page.workspace.public_key.clone(),
        funnel,
        chart: super::dashboard::volume_svg(&stats.volume, &colours, t.chart_title),
        legend: app
            .kinds
            .all()
            .iter()
            .map(|k| (k.label().get(t.lang), k.colour()))
            .collect(),
        median_reply: stats
            .median_reply_seconds
            .map(super::dashboard::human_duration)
            .unwrap_or_else(|| t.no_data.into()),
        conversion: if stats.created_30d == 0 {
            t.no_data.into()
        } else {
            format!(
                "{} % ({} / {})",
                stats.converted_30d * 100 / stats.created_30d,
                stats.converted_30d,
                stats.created_30d
            )
        },
        channels,
        notify_rate: if sent + failed == 0 {
            t.no_data.into()
        } else {
            format!(
                "{:.1} % ({sent} / {})",
                sent as f64 * 100.0 / (sent + failed) as f64,
                sent + failed
            )
        },
    })
}

/// The settings form's values, as text.
#[derive(Default)]
struct SettingsValues {
    name: String,
    allowed_origins: String,
    sales_email: String,
    scheduler_url: String,
    crisp_website_id: String,
    thank_you_url: String,
    default_locale: String,
    gst_rate: String,
    plans: String,
    add_ons: String,
    rl_public_ip: String,
    rl_public_ws: String,
    rl_contact_user: String,
    rl_contact_ip: String,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    f: SettingsValues,
    can_edit: bool,
    secret_set: bool,
    errors: BTreeMap<String, String>,
}

fn values_of(page: &Page) -> SettingsValues {
    let w = &page.workspace;
    let view = w.view();
    SettingsValues {
        name: w.name.clone(),
        allowed_origins: w.allowed_origins.join("\n"),
        sales_email: w.sales_email.clone().unwrap_or_default(),
        scheduler_url: w.scheduler_url.clone().unwrap_or_default(),
        crisp_website_id: w.crisp_website_id.clone().unwrap_or_default(),
        thank_you_url: w.thank_you_url.clone().unwrap_or_default(),
        default_locale: w.default_locale.as_str().into(),
        gst_rate: minor_to_number(w.gst_rate_bp).to_string(),
        plans: serde_json::to_string_pretty(&view.plans).unwrap_or_default(),
        add_ons: serde_json::to_string_pretty(&view.add_ons).unwrap_or_default(),
        rl_public_ip: w.rate_limits.public_per_ip_per_minute.to_string(),
        rl_public_ws: w.rate_limits.public_per_workspace_per_minute.to_string(),
        rl_contact_user: w.rate_limits.contact_per_user_per_minute.to_string(),
        rl_contact_ip: w.rate_limits.contact_per_ip_per_minute.to_string(),
    }
}

/// `GET /admin/settings` — WorkspacePermissions.Read (editing needs Update).
#[get("/admin/settings")]
fn settings_page(page: Page, f: Option<FlashMessage<'_>>) -> Result<RawHtml<String>, Status> {
    allowed(&page, Perm::WorkspaceRead)?;
    render(&SettingsPage {
        f: values_of(&page),
        can_edit: page.role.can(Perm::WorkspaceUpdate),
        secret_set: page.workspace.user_token_secret.is_some(),
        errors: BTreeMap::new(),
        chrome: page.chrome("settings", flash(f)),
    })
}

#[derive(FromForm)]
struct SettingsForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    name: Option<String>,
    allowed_origins: Option<String>,
    sales_email: Option<String>,
    scheduler_url: Option<String>,
    crisp_website_id: Option<String>,
    thank_you_url: Option<String>,
    default_locale: Option<String>,
    user_token_secret: Option<String>,
    clear_secret: Option<String>,
    gst_rate: Option<String>,
    plans: Option<String>,
    add_ons: Option<String>,
    rl_public_ip: Option<String>,
    rl_public_ws: Option<String>,
    rl_contact_user: Option<String>,
    rl_contact_ip: Option<String>,
}

/// Turns the form into the same JSON patch the API takes, so both share one validation.
fn form_to_patch(f: &SettingsForm, errs: &mut FieldErrors) -> Map<String, Value> {
    let mut m = Map::new();
    let s = |v: &Option<String>| json!(v.clone().unwrap_or_default());
    m.insert("name".into(), s(&f.name));
    let origins: Vec<&str> = f
        .allowed_origins
        .as_deref()
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    m.insert("allowedOrigins".into(), json!(origins));
    m.insert("salesEmail".into(), s(&f.sales_email));
    m.insert("schedulerUrl".into(), s(&f.scheduler_url));
    m.insert("crispWebsiteId".into(), s(&f.crisp_website_id));
    m.insert("thankYouUrl".into(), s(&f.thank_you_url));
    m.insert("defaultLocale".into(), s(&f.default_locale));
    if f.clear_secret.is_some() {
        m.insert("userTokenSecret".into(), Value::Null);
    } else if let Some(secret) = f.user_token_secret.as_deref().filter(|v| !v.is_empty()) {
        m.insert("userTokenSecret".into(), json!(secret));
    }
    match f
        .gst_rate
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .parse::<f64>()
    {
        Ok(n) => {
            m.insert("gstRate".into(), json!(n));
        }
        Err(_) => errs.add("gstRate", "must be a number"),
    }
    for (key, raw) in [("plans", &f.plans), ("addOns", &f.add_ons)] {
        let text = raw.as_deref().unwrap_or("").trim();
        let text = if text.is_empty() { "[]" } else { text };
        match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                m.insert(key.into(), v);
            }
            Err(e) => errs.add(key, format!("is not valid JSON: {e}")),
        }
    }
    let mut limits = Map::new();
    for (key, raw) in [
        ("publicPerIpPerMinute", &f.rl_public_ip),
        ("publicPerWorkspacePerMinute", &f.rl_public_ws),
        ("contactPerUserPerMinute", &f.rl_contact_user),
        ("contactPerIpPerMinute", &f.rl_contact_ip),
    ] {
        match raw.as_deref().map(str::trim).unwrap_or("").parse::<u64>() {
            Ok(n) => {
                limits.insert(key.into(), json!(n));
            }
            Err(_) => errs.add(&format!("rateLimits.{key}"), "must be a whole number"),
        }
    }
    m.insert("rateLimits".into(), Value::Object(limits));
    m
}

/// `POST /admin/settings` — WorkspacePermissions.Update.
#[post("/admin/settings", data = "<form>")]
async fn save_settings(
    app: &State<App>,
    page: Page,
    form: Form<SettingsForm>,
) -> Result<Either<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page, Perm::WorkspaceUpdate)?;
    let f = form.into_inner();
    let mut errs = FieldErrors::default();
    let obj = form_to_patch(&f, &mut errs);
    let patch = SettingsPatch::parse(&obj, &mut errs);
    match update_settings(app, &page.staff, page.workspace.id.clone(), patch, errs).await {
        Ok(_) => Ok(Either::Left(Flash::success(
            Redirect::to("/admin/settings"),
            page.t().saved,
        ))),
        Err(e) if e.code == "VALIDATION_ERROR" => {
            let errors: BTreeMap<String, String> = e
                .details
                .and_then(|d| serde_json::from_value(*d).ok())
                .unwrap_or_default();
            let values = SettingsValues {
                name: f.name.unwrap_or_default(),
                allowed_origins: f.allowed_origins.unwrap_or_default(),
                sales_email: f.sales_email.unwrap_or_default(),
                scheduler_url: f.scheduler_url.unwrap_or_default(),
                crisp_website_id: f.crisp_website_id.unwrap_or_default(),
                thank_you_url: f.thank_you_url.unwrap_or_default(),
                default_locale: f.default_locale.unwrap_or_default(),
                gst_rate: f.gst_rate.unwrap_or_default(),
                plans: f.plans.unwrap_or_default(),
                add_ons: f.add_ons.unwrap_or_default(),
                rl_public_ip: f.rl_public_ip.unwrap_or_default(),
                rl_public_ws: f.rl_public_ws.unwrap_or_default(),
                rl_contact_user: f.rl_contact_user.unwrap_or_default(),
                rl_contact_ip: f.rl_contact_ip.unwrap_or_default(),
            };
            let html = render(&SettingsPage {
                f: values,
                can_edit: true,
                secret_set: page.workspace.user_token_secret.is_some(),
                errors,
                chrome: page.chrome("settings", None),
            })?;
            Ok(Either::Right((Status::BadRequest, html)))
        }
        Err(e) => Err(e.status),
    }
}

/// A member row on the members page.
struct MemberRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    role_label: &'static str,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    members: Vec<MemberRow>,
    roles: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    is_owner: bool,
    link: Option<(String, String)>,
    errors: Vec<(String, String)>,
    new_name: String,
    new_email: String,
}

async fn members_html(
    app: &App,
    page: &Page,
    status: Status,
    flash_msg: Option<(String, String)>,
    errors: BTreeMap<String, String>,
    typed: (String, String),
    link: Option<(String, String)>,
) -> Result<(Status, RawHtml<String>), Status> {
    let t = page.t();
    let ws = page.workspace.id.clone();
    let list = app
        .store
        .read(move |c| users::members(c, &ws))
        .await
        .map_err(|e| e.status)?;
    let html = render(&MembersPage {
        members: list
            .into_iter()
            .map(|m| MemberRow {
                is_self: m.user.id == page.staff.user.id,
                id: m.user.id,
                name: m.user.name,
                email: m.user.email,
                role: m.role.as_str(),
                role_label: super::i18n::role_label(t, m.role),
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), super::i18n::role_label(t, *r)))
            .collect(),
        can_manage: page.role.can(Perm::MemberManage),
        is_owner: page.role == Role::Owner,
        link,
        errors: super::i18n::errors(t, &errors),
        new_name: typed.0,
        new_email: typed.1,
        chrome: page.chrome("members", flash_msg),
    })?;
    Ok((status, html))
}

/// `GET /admin/members` — MemberPermissions.Find.
#[get("/admin/members")]
async fn members_page(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<(Status, RawHtml<String>), Status> {
    allowed(&page, Perm::MemberFind)?;
    members_html(
        app,
        &page,
        Status::Ok,
        flash(f),
        BTreeMap::new(),
        Default::default(),
        None,
    )
    .await
}

#[derive(FromForm)]
struct AddMemberForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    role: Option<String>,
}

/// Owner-ship changes need an owner: checks that `page` may give or take `role`.
fn may_touch_owner(page: &Page, from: Option<Role>, to: Option<Role>) -> Result<(), String> {
    let touches_owner = from == Some(Role::Owner) || to == Some(Role::Owner);
    if touches_owner && page.role != Role::Owner {
        Err(page.t().only_owners_owner.into())
    } else {
        Ok(())
    }
}

/// `POST /admin/members` — MemberPermissions.Manage: adds a member, creating the account if new.
#[post("/admin/members", data = "<form>")]
async fn add_member(
    app: &State<App>,
    page: Page,
    form: Form<AddMemberForm>,
) -> Result<Either<Flash<Redirect>, (Status, RawHtml<String>)>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page, Perm::MemberManage)?;
    let f = form.into_inner();
    let mut errs = FieldErrors::default();
    let email = errs.take(
        "email",
        Email::parse_login(f.email.as_deref().unwrap_or("")),
    );
    let role = errs.take("role", Role::parse(f.role.as_deref().unwrap_or("")));
    let name = errs
        .take("name", domain::optional_text(f.name.as_deref(), 200))
        .flatten();
    if let Some(r) = role {
        if let Err(m) = may_touch_owner(&page, None, Some(r)) {
            errs.add("role", m);
        }
    }
    let typed = (
        f.name.clone().unwrap_or_default(),
        f.email.clone().unwrap_or_default(),
    );
    let (Some(email), Some(role), true) = (email.clone(), role, errs.is_empty()) else {
        return members_html(
            app,
            &page,
            Status::BadRequest,
            None,
            errs.into_map(),
            typed,
            None,
        )
        .await
        .map(Either::Right);
    };
    let login = email.as_str().to_string();
    let existing = app
        .store
        .read(move |c| users::with_hash_by_email(c, &login))
        .await
        .map_err(|e| e.status)?;
    // A new account without a password gets a one-time link to choose one (an invitation).
    let invite = existing.is_none() && f.password.as_deref().unwrap_or("").is_empty();
    let hash = match existing {
        Some(_) => None,
        // Nobody knows this one; the link replaces it.
        None if invite => Some(
            password::hash(crate::util::random_string(40))
                .await
                .map_err(|e| e.status)?,
        ),
        None => match domain::parse_password(f.password.as_deref().unwrap_or("")) {
            Ok(pw) => Some(password::hash(pw).await.map_err(|e| e.status)?),
            Err(m) => {
                let mut errs = BTreeMap::new();
                errs.insert("password".to_string(), m);
                return members_html(app, &page, Status::BadRequest, None, errs, typed, None)
                    .await
                    .map(Either::Right);
            }
        },
    };
    let ws = page.workspace.id.clone();
    let display =
        name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_string());
    let (user_id, user_name) = app
        .store
        .write(move |tx| {
            let user = match users::with_hash_by_email(tx, email.as_str())? {
                Some((u, _)) => u,
                None => users::insert(tx, email.as_str(), &display, hash.as_deref().unwrap_or(""))?,
            };
            users::set_membership(tx, &ws, &user.id, role)?;
            Ok((user.id, user.name))
        })
        .await
        .map_err(|e| e.status)?;
    if invite {
        let link = super::security::issue_link(app, user_id, page.staff.user.id.clone()).await?;
        return members_html(
            app,
            &page,
            Status::Ok,
            Some(("success".into(), page.t().member_added.into())),
            BTreeMap::new(),
            Default::default(),
            Some((user_name, link)),
        )
        .await
        .map(Either::Right);
    }
    Ok(Either::Left(Flash::success(
        Redirect::to("/admin/members"),
        page.t().member_added,
    )))
}

#[derive(FromForm)]
struct RoleForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    role: Option<String>,
}

/// Applies a membership change with the owner rules; `to = None` removes.
async fn change_membership(
    app: &App,
    page: &Page,
    user_id: &str,
    to: Option<Role>,
) -> Result<(), String> {
    let ws = page.workspace.id.clone();
    let uid = user_id.to_string();
    let current = app
        .store
        .read(move |c| users::role_in(c, &uid, &ws))
        .await
        .map_err(|e| e.message)?
        .ok_or_else(|| "not a member".to_string())?;
    may_touch_owner(page, Some(current), to)?;
    let ws = page.workspace.id.clone();
    let uid = user_id.to_string();
    let last_owner = page.t().last_owner;
    app.store
        .write(move |tx| {
            let demotes_owner = current == Role::Owner && to != Some(Role::Owner);
            if demotes_owner && users::owner_count(tx, &ws)? <= 1 {
                return Err(ApiError::conflict("LAST_OWNER", last_owner));
            }
            match to {
                Some(role) => users::set_membership(tx, &ws, &uid, role),
                None => {
                    users::remove_membership(tx, &ws, &uid)?;
                    let left: i64 = tx.query_row(
                        "SELECT COUNT(*) FROM memberships WHERE user_id = ?1",
                        [&uid],
                        |r| r.get(0),
                    )?;
                    if left == 0 {
                        sessions::delete_for_user(tx, &uid)?;
                    }
                    Ok(())
                }
            }
        })
        .await
        .map_err(|e| e.message)
}

/// `POST /admin/members/<user_id>/role` — MemberPermissions.Manage.
#[post("/admin/members/<user_id>/role", data = "<form>")]
async fn change_role(
    app: &State<App>,
    page: Page,
    user_id: &str,
    form: Form<RoleForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page, Perm::MemberManage)?;
    let role = Role::parse(form.role.as_deref().unwrap_or("")).map_err(|_| Status::BadRequest)?;
    let back = Redirect::to("/admin/members");
    Ok(
        match change_membership(app, &page, user_id, Some(role)).await {
            Ok(()) => Flash::success(back, page.t().role_changed),
            Err(m) => Flash::error(back, m),
        },
    )
}

/// `POST /admin/members/<user_id>/reset-link` — owners only: a one-time link for a member of
/// this workspace to choose a new password, shown once.
#[post("/admin/members/<user_id>/reset-link", data = "<form>")]
async fn reset_link(
    app: &State<App>,
    page: Page,
    user_id: &str,
    form: Form<RoleForm>,
) -> Result<(Status, RawHtml<String>), Status> {
    page.check_csrf(form.csrf.as_deref())?;
    if page.role != Role::Owner {
        return Err(Status::Forbidden);
    }
    let (ws, uid) = (page.workspace.id.clone(), user_id.to_string());
    let member = app
        .store
        .read(move |c| {
            Ok(match users::role_in(c, &uid, &ws)? {
                Some(_) => users::by_id(c, &uid)?,
                None => None,
            })
        })
        .await
        .map_err(|e| e.status)?
        .ok_or(Status::NotFound)?;
    let link =
        super::security::issue_link(app, member.id.clone(), page.staff.user.id.clone()).await?;
    tracing::info!(user_id = %member.id, by = %page.staff.user.id, "one-time reset link issued");
    members_html(
        app,
        &page,
        Status::Ok,
        None,
        BTreeMap::new(),
        Default::default(),
        Some((member.name, link)),
    )
    .await
}

/// `POST /admin/members/<user_id>/remove` — MemberPermissions.Manage.
#[post("/admin/members/<user_id>/remove", data = "<form>")]
async fn remove_member(
    app: &State<App>,
    page: Page,
    user_id: &str,
    form: Form<RoleForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page, Perm::MemberManage)?;
    let back = Redirect::to("/admin/members");
    Ok(match change_membership(app, &page, user_id, None).await {
        Ok(()) => Flash::success(back, page.t().member_removed),
        Err(m) => Flash::error(back, m),
    })
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<tokens::TokenInfo>,
    new_token: Option<String>,
    error: Option<String>,
}

async fn tokens_html(
    app: &App,
    page: &Page,
    status: Status,
    new_token: Option<String>,
    error: Option<String>,
    f: Option<(String, String)>,
) -> Result<(Status, RawHtml<String>), Status> {
    let uid = page.staff.user.id.clone();
    let list = app
        .store
        .read(move |c| tokens::list_for_user(c, &uid))
        .await
        .map_err(|e| e.status)?;
    let html = render(&TokensPage {
        chrome: page.chrome("tokens", f),
        tokens: list,
        new_token,
        error,
    })?;
    Ok((status, html))
}

/// `GET /admin/tokens` — TokenPermissions.Manage: the viewer's own tokens.
#[get("/admin/tokens")]
async fn tokens_page(
    app: &State<App>,
    page: Page,
    f: Option<FlashMessage<'_>>,
) -> Result<(Status, RawHtml<String>), Status> {
    allowed(&page, Perm::TokenManage)?;
    tokens_html(app, &page, Status::Ok, None, None, flash(f)).await
}

#[derive(FromForm)]
struct TokenForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
    name: Option<String>,
}

/// `POST /admin/tokens` — TokenPermissions.Manage: shows the new secret once, on this page.
#[post("/admin/tokens", data = "<form>")]
async fn create_token(
    app: &State<App>,
    page: Page,
    form: Form<TokenForm>,
) -> Result<(Status, RawHtml<String>), Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page, Perm::TokenManage)?;
    let name = match domain::required_text(form.name.as_deref(), 100) {
        Ok(n) => n,
        Err(m) => {
            let msg = format!("{}: {m}", page.t().token_name);
            return tokens_html(app, &page, Status::BadRequest, None, Some(msg), None).await;
        }
    };
    let uid = page.staff.user.id.clone();
    let (_, secret) = app
        .store
        .write(move |tx| tokens::create(tx, &uid, &name))
        .await
        .map_err(|e| e.status)?;
    tokens_html(app, &page, Status::Created, Some(secret), None, None).await
}

/// `POST /admin/tokens/<id>/revoke` — TokenPermissions.Manage, own tokens only.
#[post("/admin/tokens/<id>/revoke", data = "<form>")]
async fn revoke_token(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    allowed(&page, Perm::TokenManage)?;
    let (uid, tid) = (page.staff.user.id.clone(), id.to_string());
    let done = app
        .store
        .write(move |tx| tokens::revoke(tx, &uid, &tid))
        .await
        .map_err(|e| e.status)?;
    if !done {
        return Err(Status::NotFound);
    }
    Ok(Flash::success(
        Redirect::to("/admin/tokens"),
        page.t().token_revoked,
    ))
}

#[derive(FromForm)]
struct CsrfForm {
    #[field(name = "_csrf")]
    csrf: Option<String>,
}
