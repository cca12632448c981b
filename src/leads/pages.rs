//! The unified inbox page and the example pricing page.

use std::collections::BTreeMap;

use askama::Template;
use rocket::http::Status;
use rocket::response::content::RawHtml;
use rocket::{get, routes, Route, State};

use super::{page_of, readable, LeadsQuery};
use crate::admin::{render, Chrome, Page};
use crate::app::App;
use crate::auth::permissions::Perm;
use crate::error::FieldErrors;
use crate::lifecycle::Status as LeadStatus;
use crate::util;

/// The HTTP routes of these pages.
pub fn routes() -> Vec<Route> {
    routes![inbox, pricing_example]
}

struct Row {
    id: String,
    href: String,
    kind_label: &'static str,
    created_at: String,
    created_short: String,
    name: String,
    email: String,
    company: String,
    status: String,
    status_label: String,
}

#[derive(Template)]
#[template(path = "leads.html")]
struct InboxPage {
    chrome: Chrome,
    rows: Vec<Row>,
    q: String,
    kind: String,
    status: String,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: BTreeMap<String, String>,
    page: i64,
    pages: i64,
    total: i64,
    query: String,
}

/// `GET /admin/leads` — the Find permission of each kind: every lead kind, newest first.
#[get("/admin/leads?<query..>")]
async fn inbox(app: &State<App>, page: Page, query: LeadsQuery) -> Result<RawHtml<String>, Status> {
    let kinds = readable(page.role);
    if kinds.is_empty() {
        return Err(Status::Forbidden);
    }
    let mut errs = FieldErrors::default();
    let inbox = query.parse(&kinds, &mut errs);
    let ws = page.workspace.id.clone();
    let b = inbox.clone();
    let cut = crate::pricing_selections::service::cutoffs(&app.clock);
    let (items, total) = app
        .store
        .read(move |c| page_of(c, &ws, &b, &cut))
        .await
        .map_err(|e| e.status)?;
    let t = page.t();
    let vi = t.lang == "vi";
    let label = |s: LeadStatus| if vi { s.label().1 } else { s.label().0 };
    let rows = items
        .iter()
        .map(|v| {
            let kind = v["kind"].as_str().unwrap_or("");
            let id = v["id"].as_str().unwrap_or("").to_string();
            let status = v["status"].as_str().unwrap_or("").to_string();
            let created = v["createdAt"].as_str().unwrap_or("").to_string();
            Row {
                href: if kind == "inquiry" {
                    format!("/admin/inquiries/{id}")
                } else {
                    format!("/admin/contact-requests/{id}")
                },
                kind_label: if kind == "inquiry" {
                    t.kind_inquiry
                } else {
                    t.kind_contact
                },
                id,
                created_short: util::short_time(&created),
                created_at: created,
                name: v["name"].as_str().unwrap_or("").to_string(),
                email: v["email"].as_str().unwrap_or("").to_string(),
                company: v["company"].as_str().unwrap_or("").to_string(),
                status_label: LeadStatus::parse(&status)
                    .map(label)
                    .unwrap_or("")
                    .to_string(),
                status,
            }
        })
        .collect();
    let mut qs = vec![];
    if inbox.kinds.len() == 1 && query_kind(&query).is_some() {
        qs.push(format!("kind={}", inbox.kinds[0]));
    }
    if let Some(s) = inbox.status {
        qs.push(format!("status={}", s.as_str()));
    }
    if let Some(q) = &inbox.q {
        qs.push(format!("q={}", util::urlencode(q)));
    }
    render(&InboxPage {
        rows,
        q: inbox.q.clone().unwrap_or_default(),
        kind: query_kind(&query).unwrap_or_default(),
        status: inbox
            .status
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        kinds: vec![
            ("inquiry", t.kind_inquiry),
            ("contact_request", t.kind_contact),
        ],
        statuses: LeadStatus::ALL
            .iter()
            .map(|s| (s.as_str(), label(*s)))
            .collect(),
        errors: errs.into_map(),
        page: inbox.page.page,
        pages: ((total + inbox.page.limit - 1) / inbox.page.limit).max(1),
        total,
        query: qs.join("&"),
        chrome: page.chrome("leads", None),
    })
}

fn query_kind(q: &LeadsQuery) -> Option<String> {
    q.kind().filter(|k| !k.trim().is_empty())
}

#[derive(Template)]
#[template(path = "pricing_example.html")]
struct PricingPage {
    chrome: Chrome,
    title: &'static str,
    intro: &'static str,
    button: &'static str,
    quantity_label: &'static str,
    sales_email: String,
    plans: Vec<(&'static str, &'static str, &'static str)>,
}

/// `GET /examples/pricing` — WorkspacePermissions.Read: the widget wired to a pricing page.
#[get("/examples/pricing")]
fn pricing_example(page: Page) -> Result<RawHtml<String>, Status> {
    if !page.role.can(Perm::WorkspaceRead) {
        return Err(Status::Forbidden);
    }
    let t = page.t();
    render(&PricingPage {
        title: t.pricing_title,
        intro: t.pricing_intro,
        button: t.contact_sales,
        quantity_label: t.quantity,
        sales_email: page.workspace.sales_email.clone().unwrap_or_default(),
        plans: vec![
            ("payg", "Pay as you go", "$0.002 / unit"),
            ("monthly", "Monthly", "$499 / month"),
            ("annual", "Annual", "$4,990 / year"),
        ],
        chrome: page.chrome("pricing", None),
    })
}
