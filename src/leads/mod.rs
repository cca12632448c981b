//! The unified inbox: every lead kind in one list, newest first (`GET /api/v1/leads`).

pub mod pages;

use rocket::form::FromForm;
use rocket::{get, routes, Route, State};
use rusqlite::types::ToSql;
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::{ApiError, FieldErrors};
use crate::json::{ok, ApiResult};
use crate::lifecycle::Status;
use crate::paging::{self, Page, Where};
use crate::workspaces::guard::Ctx;

/// The HTTP routes of this capability.
pub fn routes() -> Vec<Route> {
    let mut r = routes![list];
    r.extend(pages::routes());
    r
}

/// Lead kinds and the permission that lists each.
pub const KINDS: &[(&str, Perm)] = &[
    ("inquiry", Perm::InquiryFind),
    ("contact_request", Perm::ContactRequestFind),
    ("pricing_selection", Perm::PricingSelectionFind),
];

/// Query parameters of the inbox, validated by hand.
#[derive(FromForm, Default, Debug, Clone)]
pub struct LeadsQuery {
    kind: Option<String>,
    status: Option<String>,
    #[field(name = "assigneeId")]
    assignee_id: Option<String>,
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<String>,
    limit: Option<String>,
    #[field(name = "sortBy")]
    sort_by: Option<String>,
    #[field(name = "sortOrder")]
    sort_order: Option<String>,
}

/// A validated inbox query.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// Kinds to include.
    pub kinds: Vec<&'static str>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this assignee (`none` = unassigned).
    pub assignee_id: Option<String>,
    /// Words in name, email or company.
    pub q: Option<String>,
    /// Created at or after.
    pub from: Option<String>,
    /// Created before.
    pub to: Option<String>,
    /// Sort column.
    pub column: &'static str,
    /// Ascending.
    pub asc: bool,
    /// Paging.
    pub page: Page,
}

impl LeadsQuery {
    /// The `kind` asked for, as given.
    pub fn kind(&self) -> Option<String> {
        self.kind.clone()
    }

    /// Validates every parameter for a caller who may read `readable` kinds.
    pub fn parse(&self, readable: &[&'static str], errs: &mut FieldErrors) -> Inbox {
        let kinds = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            None => readable.to_vec(),
            Some(k) => match KINDS.iter().find(|(name, _)| *name == k) {
                Some((name, _)) if readable.contains(name) => vec![*name],
                Some(_) => vec![],
                None => {
                    errs.add(
                        "kind",
                        "must be inquiry, contact_request or pricing_selection",
                    );
                    vec![]
                }
            },
        };
        let status = self
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| errs.take("status", Status::parse(s)));
        let q = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|q| {
                if q.chars().count() > 200 {
                    errs.add("q", "must be at most 200 characters");
                    None
                } else {
                    Some(q.to_string())
                }
            });
        let page = paging::parse_page(self.page.as_deref(), self.limit.as_deref(), errs);
        let (column, asc) = paging::parse_sort(
            self.sort_by.as_deref(),
            self.sort_order.as_deref(),
            &[
                ("createdAt", "created_at"),
                ("status", "status"),
                ("name", "name"),
            ],
            errs,
        );
        Inbox {
            kinds,
            status,
            assignee_id: self.assignee_id.clone().filter(|a| !a.trim().is_empty()),
            q,
            from: paging::parse_bound("from", self.from.as_deref(), false, errs),
            to: paging::parse_bound("to", self.to.as_deref(), true, errs),
            column,
            asc,
            page,
        }
    }
}

/// Every lead kind as rows of one shape; pricing selections with their effective status as of
/// the cut-offs (our own timestamps, so they are safe to inline).
fn union(cut: &crate::pricing_selections::queries::Cutoffs) -> String {
    let effective = crate::pricing_selections::queries::EFFECTIVE
        .replace("status", "p.status")
        .replace("created_at", "p.created_at")
        .replace("contacted_at", "p.contacted_at")
        .replace(":pcut", &format!("'{}'", cut.pending.replace('\'', "")))
        .replace(":ccut", &format!("'{}'", cut.contacted.replace('\'', "")));
    format!(
        "{UNION} UNION ALL
         SELECT 'pricing_selection', p.id, {effective}, COALESCE(e.name, e.email, p.user_id), e.email,
            e.company, p.created_at, p.contacted_by, p.workspace_id, p.rowid
         FROM pricing_selections p
         LEFT JOIN end_users e ON e.workspace_id = p.workspace_id AND e.id = p.user_id"
    )
}

const UNION: &str = "SELECT 'inquiry' AS kind, id, status, name, email, business_name AS company,
        created_at, assignee_id, workspace_id, rowid AS rid
     FROM inquiries WHERE spam = 0 AND deleted_at IS NULL
     UNION ALL
     SELECT 'contact_request', r.id, r.status, COALESCE(e.name, r.account_email, r.user_id),
        r.account_email, e.company, r.created_at, r.assignee_id, r.workspace_id, r.rowid
     FROM sales_contact_requests r
     LEFT JOIN end_users e ON e.workspace_id = r.workspace_id AND e.id = r.user_id
     WHERE r.deleted_at IS NULL";

/// One page of the inbox and its total.
pub fn page_of(
    conn: &Connection,
    workspace_id: &str,
    inbox: &Inbox,
    cut: &crate::pricing_selections::queries::Cutoffs,
) -> Result<(Vec<Value>, i64), ApiError> {
    let all = union(cut);
    if inbox.kinds.is_empty() {
        return Ok((vec![], 0));
    }
    let mut w = Where::new(
        &format!(
            "workspace_id = ? AND kind IN ({})",
            vec!["?"; inbox.kinds.len()].join(",")
        ),
        std::iter::once(workspace_id.to_string())
            .chain(inbox.kinds.iter().map(|k| k.to_string()))
            .map(|v| Box::new(v) as Box<dyn ToSql>)
            .collect(),
    );
    w.eq("status", inbox.status.map(|s| s.as_str()));
    w.assignee(inbox.assignee_id.as_deref());
    w.search(inbox.q.as_deref(), &["name", "email", "company"]);
    w.created(inbox.from.as_deref(), inbox.to.as_deref());
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM ({all}) WHERE {}", w.sql),
        w.params().as_slice(),
        |r| r.get(0),
    )?;
    let dir = if inbox.asc { "ASC" } else { "DESC" };
    w.args.push(Box::new(inbox.page.limit));
    w.args
        .push(Box::new((inbox.page.page - 1) * inbox.page.limit));
    let params = w.params();
    let mut stmt = conn.prepare(&format!(
        "SELECT kind, id, status, name, email, company, created_at, assignee_id FROM ({all})
         WHERE {} ORDER BY {} {dir}, created_at {dir}, rid {dir} LIMIT ? OFFSET ?",
        w.sql, inbox.column
    ))?;
    let rows = stmt.query_map(params.as_slice(), |r| {
        let status: String = r.get(2)?;
        Ok(json!({
            "kind": r.get::<_, String>(0)?,
            "id": r.get::<_, String>(1)?,
            "status": status,
            "statusLabel": Status::parse(&status).map(|s| s.label_json()).unwrap_or(Value::Null),
            "name": r.get::<_, Option<String>>(3)?,
            "email": r.get::<_, Option<String>>(4)?,
            "company": r.get::<_, Option<String>>(5)?,
            "createdAt": r.get::<_, String>(6)?,
            "assigneeId": r.get::<_, Option<String>>(7)?,
        }))
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// The kinds a role may list.
pub fn readable(ctx_role: crate::auth::permissions::Role) -> Vec<&'static str> {
    KINDS
        .iter()
        .filter(|(_, p)| ctx_role.can(*p))
        .map(|(k, _)| *k)
        .collect()
}

/// `GET /api/v1/leads` — each kind's Find permission (InquiryPermissions.Find,
/// ContactRequestPermissions.Find); kinds the role cannot read are left out.
#[get("/api/v1/leads?<query..>")]
async fn list(app: &State<App>, ctx: Ctx, query: LeadsQuery) -> ApiResult {
    let readable = readable(ctx.role);
    if readable.is_empty() {
        ctx.require(Perm::InquiryFind)?;
    }
    let mut errs = FieldErrors::default();
    let inbox = query.parse(&readable, &mut errs);
    errs.finish()?;
    let ws = ctx.workspace.id.clone();
    let page = inbox.page;
    let cut = crate::pricing_selections::service::cutoffs(&app.clock);
    let (items, total) = app
        .store
        .read(move |c| page_of(c, &ws, &inbox, &cut))
        .await?;
    Ok(ok(paging::paged(items, page, total)))
}
