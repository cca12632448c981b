//! The members page: who belongs to the workspace, invitations, roles, reset links and
//! removal, with the owner rules.

use std::collections::BTreeMap;

use askama::Template;
use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::content::RawHtml;
use rocket::response::{Flash, Redirect};
use rocket::{get, post, routes, Either, Route, State};

use super::{flash, render, Chrome, CsrfForm, Page};
use crate::app::App;
use crate::auth::permissions::{Perm, Role};
use crate::auth::{invitations, sessions, users};
use crate::domain::{self, Email};
use crate::error::{ApiError, FieldErrors};

/// The HTTP routes of the members page.
pub fn routes() -> Vec<Route> {
    routes![
        members_page,
        add_member,
        change_role,
        remove_member,
        reset_link,
        revoke_invitation
    ]
}

/// A member row on the members page.
struct MemberRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    role_label: &'static str,
    is_self: bool,
    /// Why the viewer can change nothing about this member (the only owner, or an owner seen
    /// by an admin); none: they can.
    locked: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    chrome: Chrome,
    members: Vec<MemberRow>,
    roles: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    is_owner: bool,
    link: Option<LinkBox>,
    invitations: Vec<InvitationRow>,
    errors: Vec<(String, String)>,
    new_name: String,
    new_email: String,
}

/// A one-time link shown once on the members page (reset or invitation).
struct LinkBox {
    title: String,
    help: String,
    url: String,
}

struct InvitationRow {
    id: String,
    email: String,
    role_label: &'static str,
    expires: String,
}

async fn members_html(
    app: &App,
    page: &Page,
    status: Status,
    flash_msg: Option<(String, String)>,
    errors: BTreeMap<String, String>,
    typed: (String, String),
    link: Option<LinkBox>,
) -> Result<(Status, RawHtml<String>), Status> {
    let t = page.t();
    let ws = page.workspace.id.clone();
    let (list, pending) = app
        .store
        .read(move |c| Ok((users::members(c, &ws)?, invitations::pending(c, &ws)?)))
        .await
        .map_err(|e| e.status)?;
    let owners = list.iter().filter(|m| m.role == Role::Owner).count();
    let html = render(&MembersPage {
        members: list
            .into_iter()
            .map(|m| MemberRow {
                locked: match m.role {
                    Role::Owner if owners <= 1 => Some(t.last_owner),
                    Role::Owner if page.role != Role::Owner => Some(t.only_owners_owner),
                    _ => None,
                },
                is_self: m.user.id == page.staff.user.id,
                id: m.user.id,
                name: m.user.name,
                email: m.user.email,
                role: m.role.as_str(),
                role_label: super::i18n::role_label(t, m.role),
            })
            .collect(),
        // Only an owner may make someone an owner.
        roles: Role::ALL
            .iter()
            .filter(|r| page.role == Role::Owner || **r != Role::Owner)
            .map(|r| (r.as_str(), super::i18n::role_label(t, *r)))
            .collect(),
        can_manage: page.role.can(Perm::MemberManage),
        is_owner: page.role == Role::Owner,
        link,
        invitations: pending
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                email: i.email,
                role_label: super::i18n::role_label(t, i.role),
                expires: i.expires_at,
            })
            .collect(),
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
    page.allow(Perm::MemberFind)?;
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
    page.allow(Perm::MemberManage)?;
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
    // The same answer whether or not the address has an account anywhere on this appliance:
    // an invitation the person accepts themself.
    let ws = page.workspace.id.clone();
    let by = page.staff.user.id.clone();
    let login = email.as_str().to_string();
    let created = app
        .store
        .write(move |tx| {
            let member = users::members(tx, &ws)?
                .iter()
                .any(|m| m.user.email.eq_ignore_ascii_case(&login));
            if member {
                return Ok(None);
            }
            invitations::create(tx, &ws, &login, name.as_deref(), role, &by).map(Some)
        })
        .await
        .map_err(|e| e.status)?;
    let Some(token) = created else {
        let mut errs = BTreeMap::new();
        errs.insert("email".to_string(), page.t().already_member.to_string());
        return members_html(app, &page, Status::BadRequest, None, errs, typed, None)
            .await
            .map(Either::Right);
    };
    let link = app.courier.link(&format!("/invite/{token}"));
    if app.courier.email_enabled() {
        let t = super::i18n::strings(page.workspace.default_locale);
        let role_name = super::i18n::role_label(t, role);
        let fill = |s: &str| {
            s.replace("{workspace}", &page.workspace.name)
                .replace("{role}", role_name)
                .replace("{inviter}", &page.staff.user.name)
                .replace("{link}", &link)
        };
        let (subject, text) = (fill(t.invite_mail_subject), fill(t.invite_mail_body));
        let courier = app.courier.clone();
        let to = email.as_str().to_string();
        rocket::tokio::spawn(async move {
            if let Err(e) = courier.send_now(&to, &subject, text).await {
                tracing::warn!(error = %e, "could not send an invitation email");
            }
        });
    }
    members_html(
        app,
        &page,
        Status::Ok,
        Some(("success".into(), page.t().invitation_created.into())),
        BTreeMap::new(),
        Default::default(),
        Some(LinkBox {
            title: page
                .t()
                .invitation_link_title
                .replace("{email}", email.as_str()),
            help: if app.courier.email_enabled() {
                format!(
                    "{} {}",
                    page.t().invitation_link_help,
                    page.t().invitation_emailed
                )
            } else {
                page.t().invitation_link_help.to_string()
            },
            url: link,
        }),
    )
    .await
    .map(Either::Right)
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
    page.allow(Perm::MemberManage)?;
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
        Some(LinkBox {
            title: page.t().reset_link_title.replace("{name}", &member.name),
            help: page.t().reset_link_help.to_string(),
            url: link,
        }),
    )
    .await
}

/// `POST /admin/members/invitations/<id>/revoke` — MemberPermissions.Manage.
#[post("/admin/members/invitations/<id>/revoke", data = "<form>")]
async fn revoke_invitation(
    app: &State<App>,
    page: Page,
    id: &str,
    form: Form<CsrfForm>,
) -> Result<Flash<Redirect>, Status> {
    page.check_csrf(form.csrf.as_deref())?;
    page.allow(Perm::MemberManage)?;
    let (ws, id) = (page.workspace.id.clone(), id.to_string());
    let done = app
        .store
        .write(move |tx| invitations::revoke(tx, &ws, &id))
        .await
        .map_err(|e| e.status)?;
    if !done {
        return Err(Status::NotFound);
    }
    Ok(Flash::success(
        Redirect::to("/admin/members"),
        page.t().invitation_revoked,
    ))
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
    page.allow(Perm::MemberManage)?;
    let back = Redirect::to("/admin/members");
    Ok(match change_membership(app, &page, user_id, None).await {
        Ok(()) => Flash::success(back, page.t().member_removed),
        Err(m) => Flash::error(back, m),
    })
}
