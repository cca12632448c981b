//! The admin shell: page chrome, the signed-in page guard, embedded static files, security
//! headers and the HTML catchers. Pages themselves live in `account` and `workspace`.

pub mod account;
pub mod backups;
pub mod dashboard;
pub mod i18n;
pub mod invite;
pub mod members;
pub mod overview;
pub mod search;
pub mod security;
pub mod settings;
pub mod tokens;
pub mod when;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::LazyLock;

use askama::Template;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::content::RawHtml;
use rocket::response::Redirect;
use rocket::{catch, get, routes, Either, Response, Route};
use rust_embed::RustEmbed;
use sha2::Digest;

use crate::app::App;
use crate::auth::guards::{authenticate, Staff};
use crate::auth::permissions::{Perm, Role};
use crate::auth::sessions::Session;
use crate::domain::Locale;
use crate::util;
use crate::workspaces::model::Workspace;
use crate::workspaces::queries;
use i18n::Strings;

/// The HTTP routes of the admin shell.
pub fn routes() -> Vec<Route> {
    let mut r = routes![root, static_file, favicon];
    r.extend(account::routes());
    r.extend(search::routes());
    r.extend(security::routes());
    r.extend(invite::routes());
    r.extend(backups::routes());
    r.extend(settings::routes());
    r.extend(overview::routes());
    r.extend(members::routes());
    r.extend(tokens::routes());
    r
}

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// A short hash of every embedded static file: the cache-busting `?v=` of asset URLs.
pub static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = sha2::Sha256::new();
    let mut names: Vec<Cow<'static, str>> = Assets::iter().collect();
    names.sort();
    for name in names {
        h.update(name.as_bytes());
        if let Some(f) = Assets::get(&name) {
            h.update(&f.data);
        }
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// `GET /` — public: sends people to the admin.
#[get("/")]
fn root() -> Redirect {
    Redirect::to("/admin")
}

/// `GET /favicon.ico` — public: browsers ask for it whatever the page says.
#[get("/favicon.ico")]
fn favicon() -> Option<StaticFile> {
    asset("favicon.svg", false)
}

/// An embedded static file with its content type and caching.
pub struct StaticFile {
    body: Cow<'static, [u8]>,
    content_type: ContentType,
    immutable: bool,
}

impl StaticFile {
    /// The file's contents.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }
}

impl<'r> rocket::response::Responder<'r, 'static> for StaticFile {
    fn respond_to(self, _: &'r Request<'_>) -> rocket::response::Result<'static> {
        let cache = if self.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        Response::build()
            .header(self.content_type)
            .header(Header::new("Cache-Control", cache))
            .sized_body(self.body.len(), std::io::Cursor::new(self.body))
            .ok()
    }
}

/// Looks up an embedded file by name.
pub fn asset(name: &str, versioned: bool) -> Option<StaticFile> {
    let file = Assets::get(name)?;
    let ext = name.rsplit('.').next().unwrap_or("");
    let content_type = ContentType::from_extension(ext).unwrap_or(ContentType::Binary);
    Some(StaticFile {
        body: file.data,
        content_type,
        immutable: versioned,
    })
}

/// `GET /static/<path..>` — public: embedded CSS and JS; `?v=` URLs are cached for a year.
#[get("/static/<path..>?<v>")]
fn static_file(path: PathBuf, v: Option<&str>) -> Option<StaticFile> {
    let name = path.to_str()?;
    asset(name, v.is_some())
}

/// One workspace in the switcher.
pub struct WsOption {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Shown now.
    pub current: bool,
}

/// Who is signed in, for the top bar.
pub struct UserChrome {
    /// Display name.
    pub name: String,
    /// Login.
    pub email: String,
    /// Id (the live script shows a due-soon reminder to its assignee only).
    pub id: String,
    /// Owner or admin here: told when a lead passes its first-response target.
    pub escalations: bool,
}

/// What every page's layout needs.
pub struct Chrome {
    /// The strings of the viewer's language.
    pub t: &'static Strings,
    /// Cache-busting asset version.
    pub asset_v: &'static str,
    /// The signed-in user, if any.
    pub user: Option<UserChrome>,
    /// CSRF token for the page's forms.
    pub csrf: String,
    /// Workspaces to switch between.
    pub workspaces: Vec<WsOption>,
    /// Current workspace name.
    pub ws_name: String,
    /// Which navigation entry is current.
    pub active: &'static str,
    /// A one-off notice: (kind, text).
    pub flash: Option<(String, String)>,
    /// Leads waiting in NEW (the live badge starts from it).
    pub new_count: i64,
    /// Realtime topics the page's script subscribes to, space-separated.
    pub live_topics: String,
    /// The viewer's chosen time zone (`data-tz`); empty: the browser's.
    pub tz: String,
    /// How the viewer reads times: `<time datetime="{{ at }}">{{ chrome.local.short(at) }}</time>`.
    pub local: when::Local,
}

impl Chrome {
    /// Chrome for pages shown before sign-in.
    pub fn public(locale: Locale, csrf: String) -> Chrome {
        Chrome {
            t: i18n::strings(locale),
            asset_v: ASSET_VERSION.as_str(),
            user: None,
            csrf,
            workspaces: vec![],
            ws_name: String::new(),
            active: "",
            flash: None,
            new_count: 0,
            live_topics: String::new(),
            tz: String::new(),
            local: when::Local::new(None),
        }
    }
}

/// The person line of a lead's page: a link to the person (empty when there is none or the
/// role may not see people) and to the older open lead this one may duplicate (empty if none).
#[derive(Debug, Clone, Default)]
pub struct PersonBox {
    /// `/admin/people/{id}`.
    pub href: String,
    /// The older open lead's page.
    pub duplicate_href: String,
}

/// A signed-in staff member on an admin page, in their current workspace.
pub struct Page {
    /// Who.
    pub staff: Staff,
    /// Their browser session.
    pub session: Session,
    /// The workspace shown.
    pub workspace: Workspace,
    /// Their role in it.
    pub role: Role,
    /// All their workspaces.
    pub memberships: Vec<(Workspace, Role)>,
    /// Leads in NEW in this workspace.
    pub new_count: i64,
    /// The realtime topics of the kinds the role may read, space-separated.
    pub live_topics: String,
}

impl Page {
    /// 403 unless the signed-in member's role holds `perm`.
    pub fn allow(&self, perm: crate::auth::permissions::Perm) -> Result<(), Status> {
        if self.role.can(perm) {
            Ok(())
        } else {
            Err(Status::Forbidden)
        }
    }

    /// The viewer's strings.
    pub fn t(&self) -> &'static Strings {
        i18n::strings(self.staff.user.locale)
    }

    /// The layout data for a page of section `active`.
    pub fn chrome(&self, active: &'static str, flash: Option<(String, String)>) -> Chrome {
        Chrome {
            t: self.t(),
            asset_v: ASSET_VERSION.as_str(),
            user: Some(UserChrome {
                name: self.staff.user.name.clone(),
                email: self.staff.user.email.clone(),
                id: self.staff.user.id.clone(),
                escalations: matches!(self.role, Role::Owner | Role::Admin),
            }),
            csrf: self.session.csrf.clone(),
            workspaces: self
                .memberships
                .iter()
                .map(|(w, _)| WsOption {
                    id: w.id.clone(),
                    name: w.name.clone(),
                    current: w.id == self.workspace.id,
                })
                .collect(),
            ws_name: self.workspace.name.clone(),
            active,
            flash,
            new_count: self.new_count,
            live_topics: self.live_topics.clone(),
            tz: self.staff.user.time_zone.clone().unwrap_or_default(),
            local: self.local(),
        }
    }

    /// The members of the workspace shown: `(id, name)`, for timelines and assignee pickers.
    pub async fn members(&self, app: &App) -> Result<Vec<(String, String)>, Status> {
        let ws = self.workspace.id.clone();
        app.store
            .read(move |c| crate::leads::timeline::member_names(c, &ws))
            .await
            .map_err(|e| e.status)
    }

    /// How the viewer reads times.
    pub fn local(&self) -> when::Local {
        when::Local::new(self.staff.user.time_zone.as_deref())
    }

    /// The internal notes of a lead of this workspace.
    pub async fn notes(
        &self,
        app: &App,
        lead_id: &str,
    ) -> Result<Vec<crate::leads::notes::Note>, Status> {
        let (ws, id) = (self.workspace.id.clone(), lead_id.to_string());
        app.store
            .read(move |c| crate::leads::notes::for_lead(c, &ws, &id))
            .await
            .map_err(|e| e.status)
    }

    /// Who a lead of this workspace belongs to, for its page.
    pub async fn person_box(&self, app: &App, lead_id: &str) -> Result<PersonBox, Status> {
        let (ws, id) = (self.workspace.id.clone(), lead_id.to_string());
        let (person, dup) = app
            .store
            .read(move |c| crate::leads::inbox::person_of(c, &ws, &id))
            .await
            .map_err(|e| e.status)?;
        let dup_href = dup.as_deref().and_then(|d| {
            app.kinds
                .of_record(d)
                .map(|k| format!("{}/{}", k.admin_path(), d))
        });
        Ok(PersonBox {
            href: person
                .filter(|_| self.role.can(Perm::PersonFind))
                .map(|p| format!("/admin/people/{p}"))
                .unwrap_or_default(),
            duplicate_href: dup_href.unwrap_or_default(),
        })
    }

    /// 403 unless the form echoed this session's CSRF token.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), Status> {
        if util::ct_eq(sent.unwrap_or(""), &self.session.csrf) {
            Ok(())
        } else {
            Err(Status::Forbidden)
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Page {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        // Pages use the session only; an API token is no way into the admin.
        if req.headers().contains("Authorization") {
            return Outcome::Error((Status::Unauthorized, ()));
        }
        let staff = match authenticate(req).await {
            Ok(s) => s,
            // The session could not be looked up: say so rather than ask to sign in again.
            Err(e) if e.status == Status::ServiceUnavailable => {
                return Outcome::Error((Status::ServiceUnavailable, ()))
            }
            Err(_) => return Outcome::Error((Status::Unauthorized, ())),
        };
        let Some(session) = staff.session().cloned() else {
            return Outcome::Error((Status::Unauthorized, ()));
        };
        let app = App::of(req);
        let user_id = staff.user.id.clone();
        let memberships = match app
            .store
            .read(move |c| queries::for_user(c, &user_id))
            .await
        {
            Ok(m) => m,
            Err(e) => return Outcome::Error((e.status, ())),
        };
        let current = session
            .workspace_id
            .as_deref()
            .and_then(|id| memberships.iter().find(|(w, _)| w.id == id))
            .or_else(|| memberships.first())
            .cloned();
        let Some((workspace, role)) = current else {
            return Outcome::Error((Status::Forbidden, ()));
        };
        let (ws, kinds, scope) = (workspace.id.clone(), app.kinds.clone(), app.scope());
        let readable = crate::leads::inbox::readable(&kinds, role);
        let new_count = app
            .store
            .read(move |c| crate::leads::inbox::count_fresh(c, &kinds, &scope, &ws, &readable))
            .await
            .unwrap_or(0);
        let live_topics = app
            .kinds
            .all()
            .iter()
            .filter(|k| role.can(k.perm(crate::auth::permissions::LeadAction::Find)))
            .flat_map(|k| [k.topics().submitted, k.topics().updated])
            .collect::<Vec<_>>();
        let live_topics = if live_topics.is_empty() {
            String::new()
        } else {
            let sla = crate::leads::routing::sla::TOPICS;
            [live_topics.as_slice(), sla.as_slice()].concat().join(" ")
        };
        Outcome::Success(Page {
            staff,
            session,
            workspace,
            role,
            memberships,
            new_count,
            live_topics,
        })
    }
}

/// The form of a button that carries nothing but the session's CSRF token.
#[derive(rocket::form::FromForm)]
pub struct CsrfForm {
    /// The session's CSRF token.
    #[field(name = "_csrf")]
    pub csrf: Option<String>,
}

/// The form every lead detail page posts its lifecycle actions with.
#[derive(rocket::form::FromForm)]
pub struct LeadActionForm {
    /// The session's CSRF token.
    #[field(name = "_csrf")]
    pub csrf: Option<String>,
    /// For `assign`.
    pub assignee_id: Option<String>,
    /// For `reply`.
    pub body: Option<String>,
    /// For `lose`.
    pub reason: Option<String>,
}

impl LeadActionForm {
    /// The lifecycle move an action name in the URL stands for, if it is one.
    pub fn lifecycle_move(&self, action: &str) -> Option<crate::leads::lifecycle::Move> {
        use crate::leads::lifecycle::Move;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Some(match action {
            "assign" => Move::Assign(text(&self.assignee_id)),
            "reply" => Move::Reply(text(&self.body)),
            "convert" => Move::Convert,
            "lose" => Move::Lose(text(&self.reason)),
            _ => return None,
        })
    }
}

/// A flash message as the page chrome shows it: `(kind, message)`.
pub fn flash(f: Option<rocket::request::FlashMessage<'_>>) -> Option<(String, String)> {
    f.map(|m| (m.kind().to_string(), m.message().to_string()))
}

/// Renders a template, or a 500 with the cause logged.
pub fn render<T: Template>(t: &T) -> Result<RawHtml<String>, Status> {
    t.render().map(RawHtml).map_err(|e| {
        tracing::error!(cause = %e, "template failed");
        Status::InternalServerError
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
}

/// An error page for `status` in `locale`.
pub fn error_page(status: Status, locale: Locale) -> RawHtml<String> {
    let t = i18n::strings(locale);
    let title = match status.code {
        401 => t.err_401,
        403 => t.err_403,
        404 => t.err_404,
        410 => t.err_410,
        413 => t.err_413,
        c if c >= 500 => t.err_500,
        _ => t.err_other,
    };
    let page = ErrorPage {
        chrome: Chrome::public(locale, String::new()),
        title: title.to_string(),
        message: format!("{} · {}", t.err_code, status.code),
    };
    page.render().map(RawHtml).unwrap_or_else(|e| {
        // The error page itself failed: log it, and still answer with the status.
        tracing::error!(cause = %e, "error page template failed");
        RawHtml(format!("<h1>{}</h1>", status.code))
    })
}

/// HTML catcher for pages: a signed-out visitor is sent to the sign-in page.
#[catch(default)]
pub fn page_catcher(
    status: Status,
    req: &Request<'_>,
) -> Either<(Status, RawHtml<String>), Redirect> {
    if status == Status::Unauthorized && req.method() == rocket::http::Method::Get {
        return Either::Right(Redirect::to(search::sign_in_then(req)));
    }
    let lang = req
        .headers()
        .get_one("Accept-Language")
        .map(account::prefers)
        .unwrap_or(Locale::En);
    Either::Left((status, error_page(status, lang)))
}

/// Security headers on every answer; a strict CSP on pages that did not set their own.
pub struct SecurityHeaders;

/// The admin pages' policy: no inline script, nothing from elsewhere, no framing.
pub const ADMIN_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info {
            name: "security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _: &'r Request<'_>, res: &mut Response<'r>) {
        res.set_header(Header::new("X-Content-Type-Options", "nosniff"));
        res.set_header(Header::new("Referrer-Policy", "same-origin"));
        let is_html = res.content_type().map(|c| c.is_html()).unwrap_or(false);
        if is_html && !res.headers().contains("Content-Security-Policy") {
            res.set_header(Header::new("Content-Security-Policy", ADMIN_CSP));
            res.set_header(Header::new("X-Frame-Options", "DENY"));
        }
    }
}
