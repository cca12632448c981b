//! A staff user's notification choices per workspace, and their browser push subscriptions.

use rocket::{delete, get, post, put, routes, Route, State};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::{ApiError, FieldErrors};
use crate::json::{created, ok, ApiResult, Body};
use crate::util;
use crate::workspaces::guard::Ctx;

/// Email choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailChoices {
    /// An email for every new lead.
    pub new_leads: bool,
    /// An email when a lead is assigned to me.
    pub assigned_to_me: bool,
    /// A daily digest.
    pub daily_digest: bool,
    /// An email when a lead passes its first-response target (owners and admins).
    pub escalations: bool,
}

/// Push choices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushChoices {
    /// A push for every new lead.
    pub new_leads: bool,
    /// A push when a lead is assigned to me.
    pub assigned_to_me: bool,
    /// A push when a lead passes its first-response target (owners and admins).
    pub escalations: bool,
}

/// Every choice of one user in one workspace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Choices {
    /// Email.
    pub email: EmailChoices,
    /// Browser push.
    pub push: PushChoices,
    /// The escalation choices as made (email, push); `None` until made.
    #[serde(skip)]
    #[schemars(skip)]
    pub chosen_escalations: (Option<bool>, Option<bool>),
}

/// What the API answers: the choices, and what this leadbox can send.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoicesView {
    /// Email.
    pub email: EmailChoices,
    /// Browser push.
    pub push: PushChoices,
    /// False when SMTP is not configured: email choices are kept but nothing is sent.
    pub email_available: bool,
    /// Browsers of this user that allowed push.
    pub push_subscriptions: i64,
}

/// A change of choices; a field left out keeps its value.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChoicesBody {
    /// Email choices.
    pub email: Option<EmailBody>,
    /// Push choices.
    pub push: Option<PushBody>,
}

/// Email choices to change.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailBody {
    /// Every new lead.
    pub new_leads: Option<bool>,
    /// Leads assigned to me.
    pub assigned_to_me: Option<bool>,
    /// Daily digest.
    pub daily_digest: Option<bool>,
    /// Leads past their first-response target (sent to owners and admins only).
    pub escalations: Option<bool>,
}

/// Push choices to change.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PushBody {
    /// Every new lead.
    pub new_leads: Option<bool>,
    /// Leads assigned to me.
    pub assigned_to_me: Option<bool>,
    /// Leads past their first-response target (sent to owners and admins only).
    pub escalations: Option<bool>,
}

impl Choices {
    /// Chooses escalations on a channel (`None` leaves it as it is).
    pub fn choose_escalations(&mut self, email: Option<bool>, push: Option<bool>) {
        if email.is_some() {
            self.chosen_escalations.0 = email;
        }
        if push.is_some() {
            self.chosen_escalations.1 = push;
        }
        self.settle();
    }

    /// The escalation choices in effect: as chosen, else on every channel that takes new or
    /// assigned leads.
    fn settle(&mut self) {
        self.email.escalations = self
            .chosen_escalations
            .0
            .unwrap_or(self.email.new_leads || self.email.assigned_to_me);
        self.push.escalations = self
            .chosen_escalations
            .1
            .unwrap_or(self.push.new_leads || self.push.assigned_to_me);
    }

    /// Applies a change.
    pub fn apply(mut self, b: ChoicesBody) -> Choices {
        if let Some(e) = b.email {
            self.email.new_leads = e.new_leads.unwrap_or(self.email.new_leads);
            self.email.assigned_to_me = e.assigned_to_me.unwrap_or(self.email.assigned_to_me);
            self.email.daily_digest = e.daily_digest.unwrap_or(self.email.daily_digest);
            self.chosen_escalations.0 = e.escalations.or(self.chosen_escalations.0);
        }
        if let Some(p) = b.push {
            self.push.new_leads = p.new_leads.unwrap_or(self.push.new_leads);
            self.push.assigned_to_me = p.assigned_to_me.unwrap_or(self.push.assigned_to_me);
            self.chosen_escalations.1 = p.escalations.or(self.chosen_escalations.1);
        }
        self.settle();
        self
    }
}

/// A user's choices in a workspace (all off until chosen).
pub fn get(conn: &Connection, ws: &str, user: &str) -> Result<Choices, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT email_new_leads, email_assigned, email_daily_digest, push_new_leads,
                 push_assigned, email_escalations, push_escalations
             FROM notification_prefs WHERE workspace_id = ?1 AND user_id = ?2",
        )?
        .query_row([ws, user], |r| {
            let mut c = Choices {
                email: EmailChoices {
                    new_leads: r.get(0)?,
                    assigned_to_me: r.get(1)?,
                    daily_digest: r.get(2)?,
                    escalations: false,
                },
                push: PushChoices {
                    new_leads: r.get(3)?,
                    assigned_to_me: r.get(4)?,
                    escalations: false,
                },
                chosen_escalations: (r.get(5)?, r.get(6)?),
            };
            c.settle();
            Ok(c)
        })
        .optional()?
        .unwrap_or_default())
}

/// Stores a user's choices.
pub fn set(conn: &Connection, ws: &str, user: &str, c: Choices) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO notification_prefs (workspace_id, user_id, email_new_leads, email_assigned,
             email_daily_digest, push_new_leads, push_assigned, updated_at, email_escalations,
             push_escalations)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET
             email_new_leads = excluded.email_new_leads, email_assigned = excluded.email_assigned,
             email_daily_digest = excluded.email_daily_digest,
             push_new_leads = excluded.push_new_leads, push_assigned = excluded.push_assigned,
             email_escalations = excluded.email_escalations,
             push_escalations = excluded.push_escalations,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        ws,
        user,
        c.email.new_leads,
        c.email.assigned_to_me,
        c.email.daily_digest,
        c.push.new_leads,
        c.push.assigned_to_me,
        util::now_str(),
        c.chosen_escalations.0,
        c.chosen_escalations.1
    ])?;
    Ok(())
}

/// How many browsers of a user allowed push.
pub fn subscription_count(conn: &Connection, user: &str) -> Result<i64, ApiError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM push_subscriptions WHERE user_id = ?1",
        [user],
        |r| r.get(0),
    )?)
}

/// A browser's subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionBody {
    /// The push service URL (https).
    #[schemars(length(min = 1, max = 2000), url, pattern(r"^https://"))]
    pub endpoint: String,
    /// The browser's keys.
    pub keys: SubscriptionKeys,
    /// Ignored (browsers send it).
    #[serde(default)]
    pub expiration_time: Option<serde_json::Value>,
}

/// The keys of a subscription.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SubscriptionKeys {
    /// The browser's P-256 public key: 65 bytes, base64url.
    #[schemars(pattern(r"^[A-Za-z0-9_-]{87}=?$"))]
    pub p256dh: String,
    /// The 16-byte auth secret, base64url.
    #[schemars(pattern(r"^[A-Za-z0-9_-]{22}(==)?$"))]
    pub auth: String,
}

/// A stored subscription.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    /// `push_…`
    pub id: String,
    /// Created.
    pub created_at: String,
}

/// The VAPID public key.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VapidKey {
    /// base64url of the uncompressed P-256 point (`applicationServerKey`).
    pub public_key: String,
}

/// Stores (or refreshes) a subscription of `user`; answers its id.
pub fn subscribe(
    conn: &Connection,
    user: &str,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> Result<SubscriptionView, ApiError> {
    let now = util::now_str();
    conn.prepare_cached(
        "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
             p256dh = excluded.p256dh, auth = excluded.auth",
    )?
    .execute(params![
        util::new_id("push"),
        user,
        endpoint,
        p256dh,
        auth,
        now
    ])?;
    Ok(conn.query_row(
        "SELECT id, created_at FROM push_subscriptions WHERE endpoint = ?1",
        [endpoint],
        |r| {
            Ok(SubscriptionView {
                id: r.get(0)?,
                created_at: r.get(1)?,
            })
        },
    )?)
}

/// Checks a subscription body.
pub fn parse_subscription(
    b: &SubscriptionBody,
    allow_private: bool,
) -> Result<(String, String, String), FieldErrors> {
    let mut errs = FieldErrors::default();
    let endpoint = errs.take(
        "endpoint",
        super::outbound::check_url(&b.endpoint, allow_private).and_then(|u| {
            if u.scheme() == "https" || allow_private {
                Ok(u.to_string())
            } else {
                Err("must be an https URL".into())
            }
        }),
    );
    if let Err((field, msg)) = super::push::check_keys(&b.keys.p256dh, &b.keys.auth) {
        errs.add(field, msg);
    }
    errs.or(|| {
        (
            endpoint.unwrap_or_default(),
            b.keys.p256dh.trim().to_string(),
            b.keys.auth.trim().to_string(),
        )
    })
}

/// Routes.
pub fn routes() -> Vec<Route> {
    routes![get_api, put_api, vapid_api, subscribe_api, unsubscribe_api]
}

async fn view(app: &App, ws: String, user: String) -> Result<ChoicesView, ApiError> {
    let email_available = app.courier.email_enabled();
    app.store
        .read(move |c| {
            let ch = get(c, &ws, &user)?;
            Ok(ChoicesView {
                email: ch.email,
                push: ch.push,
                email_available,
                push_subscriptions: subscription_count(c, &user)?,
            })
        })
        .await
}

/// `GET /api/v1/me/notifications` — WorkspacePermissions.Read: my choices here.
#[get("/api/v1/me/notifications")]
async fn get_api(app: &State<App>, ctx: Ctx) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    Ok(ok(view(
        app,
        ctx.workspace.id.clone(),
        ctx.staff.user.id.clone(),
    )
    .await?))
}

/// `PUT /api/v1/me/notifications` — WorkspacePermissions.Read: changes my choices here.
#[put("/api/v1/me/notifications", data = "<body>")]
async fn put_api(app: &State<App>, ctx: Ctx, body: Body<ChoicesBody>) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    let (ws, user) = (ctx.workspace.id.clone(), ctx.staff.user.id.clone());
    let (w, u) = (ws.clone(), user.clone());
    app.store
        .write(move |tx| {
            let now = get(tx, &w, &u)?.apply(body.0);
            set(tx, &w, &u, now)
        })
        .await?;
    Ok(ok(view(app, ws, user).await?))
}

/// `GET /api/v1/push/vapid-public-key` — WorkspacePermissions.Read.
#[get("/api/v1/push/vapid-public-key")]
async fn vapid_api(app: &State<App>, ctx: Ctx) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    Ok(ok(VapidKey {
        public_key: app.courier.vapid.public.clone(),
    }))
}

/// `POST /api/v1/me/push-subscriptions` — WorkspacePermissions.Read: this browser allows push.
#[post("/api/v1/me/push-subscriptions", data = "<body>")]
async fn subscribe_api(app: &State<App>, ctx: Ctx, body: Body<SubscriptionBody>) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    let (endpoint, p256dh, auth) =
        parse_subscription(&body.0, app.courier.outbound.allows_private())?;
    let user = ctx.staff.user.id.clone();
    let v = app
        .store
        .write(move |tx| subscribe(tx, &user, &endpoint, &p256dh, &auth))
        .await?;
    Ok(created(v))
}

/// `DELETE /api/v1/me/push-subscriptions/<id>` — WorkspacePermissions.Read: one of my browsers
/// stops push.
#[delete("/api/v1/me/push-subscriptions/<id>")]
async fn unsubscribe_api(app: &State<App>, ctx: Ctx, id: &str) -> ApiResult {
    ctx.require(Perm::WorkspaceRead)?;
    let (user, id) = (ctx.staff.user.id.clone(), id.to_string());
    let gone = id.clone();
    app.store
        .write(move |tx| {
            let n = tx.execute(
                "DELETE FROM push_subscriptions WHERE id = ?1 AND user_id = ?2",
                [&id, &user],
            )?;
            if n == 0 {
                return Err(ApiError::not_found());
            }
            tx.execute(
                "DELETE FROM deliveries WHERE channel = 'push' AND target_id = ?1
                     AND status IN ('pending', 'failed')",
                [&id],
            )?;
            Ok(())
        })
        .await?;
    Ok(ok(crate::ops::openapi::Deleted {
        id: gone,
        deleted: true,
    }))
}

/// The operations for the API document.
pub fn operations() -> Vec<crate::ops::openapi::Operation> {
    use crate::ops::openapi::{Deleted, Operation};
    const P: &str = "WorkspacePermissions.Read";
    vec![
        Operation::new(
            "get",
            "/api/v1/me/notifications",
            "My notification choices in this workspace",
            P,
        )
        .ok::<ChoicesView>(200, "The choices"),
        Operation::new(
            "put",
            "/api/v1/me/notifications",
            "Change my notification choices; a field left out keeps its value",
            P,
        )
        .body::<ChoicesBody>()
        .ok::<ChoicesView>(200, "The choices now"),
        Operation::new(
            "get",
            "/api/v1/push/vapid-public-key",
            "The key browsers subscribe to push with",
            P,
        )
        .ok::<VapidKey>(200, "The key"),
        Operation::new(
            "post",
            "/api/v1/me/push-subscriptions",
            "This browser allows push notifications",
            P,
        )
        .body::<SubscriptionBody>()
        .ok::<SubscriptionView>(201, "Stored"),
        Operation::new(
            "delete",
            "/api/v1/me/push-subscriptions/{id}",
            "Stop push to one of my browsers",
            P,
        )
        .ok::<Deleted>(200, "Removed"),
    ]
}
