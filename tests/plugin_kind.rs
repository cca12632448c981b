//! A fourth lead kind, defined only here, plugs into the shared machinery through one
//! registration: it shows in the inbox API and page, CSV export, the realtime topics, the
//! shared lifecycle calls and the OpenAPI document, with no change to leadbox's own code.
//! `ARCHITECTURE.md` ("Adding a lead kind") walks through the same steps.

mod common;

use common::live::{next_json, subscribe, try_subscribe, Live};
use common::{TempDir, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use leadbox::app::App;
use leadbox::error::ApiError;
use leadbox::json::{created, ApiResult, Body};
use leadbox::leads::index::IndexSql;
use leadbox::leads::kind::{Label, LeadKind, Meta, Registry, Scope, Table, Topics};
use leadbox::leads::lifecycle::STATUSES;
use leadbox::ops::openapi::{schema_of, Operation, SchemaFn, Success};
use leadbox::store::NewEvent;
use leadbox::workspaces::guard::Ctx;
use rocket::http::Status;
use rocket::{post, routes, Route, State};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Value};

/// Demo bookings: a kind that exists only in this test crate.
struct DemoRequests;

const SUBMITTED: &str = "observation/demo/request/submitted";

const META: Meta = Meta {
    id: "demo_request",
    id_prefix: "demo",
    resource: "DemoRequest",
    sender: Label {
        en: "booking page",
        vi: "trang đặt lịch",
    },
    label: Label {
        en: "Demo request",
        vi: "Yêu cầu demo",
    },
    colour: "#7a3fd1",
    collection: "demo-requests",
    admin_path: "/admin/demo-requests",
    topics: Topics {
        submitted: SUBMITTED,
        updated: "observation/demo/request/updated",
    },
    statuses: STATUSES,
    lifecycle_table: Some("demo_requests"),
};

#[derive(Deserialize, schemars::JsonSchema)]
struct Booking {
    name: String,
    email: String,
    company: Option<String>,
}

/// `POST /api/v1/demo-requests` — DemoRequestPermissions.Create: books a demo.
#[post("/api/v1/demo-requests", data = "<body>")]
async fn book(app: &State<App>, ctx: Ctx, body: Body<Booking>) -> ApiResult {
    ctx.require(DemoRequests.perm(leadbox::auth::permissions::LeadAction::Create))?;
    let b = body.0;
    let id = format!("demo_{}", uuid::Uuid::now_v7());
    let ws = ctx.workspace.id.clone();
    let row = id.clone();
    app.store
        .write(move |tx| {
            let now = leadbox::util::now_str();
            let who = leadbox::leads::people::Who {
                email: Some(&b.email),
                end_user_id: None,
            };
            let person = leadbox::leads::people::resolve(tx, &ws, &who, &now)?;
            tx.execute(
                "INSERT INTO demo_requests (id, workspace_id, name, email, company, status,
                     created_at, updated_at, person_id) VALUES (?1, ?2, ?3, ?4, ?5, 'NEW', ?6, ?6, ?7)",
                rusqlite::params![row, ws, b.name, b.email, b.company, now, person],
            )?;
            tx.append(NewEvent {
                workspace_id: Some(ws),
                topic: SUBMITTED.into(),
                subject_id: Some(row.clone()),
                actor_id: None,
                data: json!({ "id": row, "name": b.name }),
            })?;
            Ok(())
        })
        .await?;
    Ok(created(json!({ "id": id, "status": "NEW" })))
}

/// A demo request as its API shows it.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
struct DemoView {
    id: String,
    name: String,
    status: String,
    assignee_id: Option<String>,
}

impl LeadKind for DemoRequests {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn schema(&self) -> Option<&'static str> {
        Some(
            "CREATE TABLE IF NOT EXISTS demo_requests (
                id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, name TEXT NOT NULL,
                email TEXT NOT NULL, company TEXT, status TEXT NOT NULL, assignee_id TEXT,
                replied_at TEXT, converted_at TEXT, lost_reason TEXT, created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL, deleted_at TEXT, person_id TEXT)",
        )
    }
    fn index(&self) -> IndexSql {
        IndexSql {
            table: "demo_requests",
            select: "SELECT t.id, t.workspace_id, t.deleted_at IS NOT NULL AS hidden, t.status,
                    NULL AS turns_at, NULL AS turns_to, t.name, t.email, t.company,
                    t.created_at, t.updated_at, t.assignee_id, NULL AS end_user_id,
                    t.person_id, '' AS body, NULL AS source
                 FROM demo_requests t",
            key: "t.rowid",
            end_user: None,
        }
    }
    fn erase(&self, c: &Connection, ws: &str, id: &str) -> Result<(), ApiError> {
        c.execute(
            "UPDATE demo_requests SET name = '', email = '', company = NULL
             WHERE workspace_id = ?1 AND id = ?2",
            [ws, id],
        )?;
        Ok(())
    }
    fn find_json(&self, c: &Connection, ws: &str, id: &str, _: &Scope) -> Result<Value, ApiError> {
        c.query_row(
            "SELECT id, name, status, assignee_id FROM demo_requests
             WHERE workspace_id = ?1 AND id = ?2",
            [ws, id],
            |r| {
                Ok(DemoView {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    status: r.get(2)?,
                    assignee_id: r.get(3)?,
                })
            },
        )
        .optional()?
        .ok_or_else(ApiError::not_found)
        .map(|v| serde_json::to_value(v).unwrap_or(Value::Null))
    }
    fn view_schema(&self) -> SchemaFn {
        schema_of::<Success<DemoView>>
    }
    fn export(&self, c: &Connection, ws: &str, _: &Scope) -> Result<Table, ApiError> {
        let mut stmt =
            c.prepare("SELECT id, name, email FROM demo_requests WHERE workspace_id = ?1")?;
        let rows = stmt
            .query_map([ws], |r| Ok(vec![r.get(0)?, r.get(1)?, r.get(2)?]))?
            .collect::<Result<_, _>>()?;
        Ok(Table {
            header: vec!["id".into(), "name".into(), "email".into()],
            rows,
        })
    }
    fn routes(&self) -> Vec<Route> {
        routes![book]
    }
    fn operations(&self) -> Vec<Operation> {
        vec![Operation::new(
            "post",
            "/api/v1/demo-requests",
            "Book a demo",
            "DemoRequestPermissions.Create",
        )
        .body::<Booking>()
        .ok::<DemoView>(201, "Booked")]
    }
}

fn registry() -> Registry {
    leadbox::kinds().with(DemoRequests)
}

async fn book_one(app: &TestApp, token: &str, name: &str) -> String {
    let (s, b) = app
        .post_json(
            "/api/v1/demo-requests",
            Some(token),
            json!({ "name": name, "email": "dana@example.com", "company": "Đà Nẵng Tech" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    b["data"]["id"].as_str().unwrap().to_string()
}

#[rocket::async_test]
async fn a_fourth_kind_appears_in_the_inbox_api_with_its_label_status_and_link() {
    let app = TestApp::spawn_kinds(registry()).await;
    let token = app.owner_token().await;
    let id = book_one(&app, &token, "Dana Demo").await;
    app.new_inquiry("Ivy Inquiry").await;
    let (s, all) = app.get("/api/v1/leads", Some(&token)).await;
    assert_eq!(s, Status::Ok);
    let items = all["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{all}");
    let demo = items
        .iter()
        .find(|i| i["id"] == id)
        .expect("the demo request is listed");
    assert_eq!(demo["kind"], "demo_request");
    assert_eq!(
        demo["kindLabel"],
        json!({ "en": "Demo request", "vi": "Yêu cầu demo" })
    );
    assert_eq!(demo["statusLabel"], json!({ "en": "New", "vi": "Mới" }));
    assert_eq!(demo["adminUrl"], format!("/admin/demo-requests/{id}"));
    let (_, only) = app
        .get("/api/v1/leads?kind=demo_request", Some(&token))
        .await;
    assert_eq!(only["data"]["pagination"]["totalItems"], 1);
    assert_eq!(only["data"]["items"][0]["id"], id);
    let (_, found) = app
        .get("/api/v1/leads?q=N%E1%BA%B5ng%20tech", Some(&token))
        .await;
    assert_eq!(found["data"]["items"][0]["id"], id, "searchable by company");
    let (s, one) = app.get(&format!("/api/v1/leads/{id}"), Some(&token)).await;
    assert_eq!(s, Status::Ok);
    assert_eq!(one["data"]["name"], "Dana Demo");
    let (_, badge) = app.get("/api/v1/leads/new-count", Some(&token)).await;
    assert_eq!(badge["data"]["count"], 2, "the NEW badge counts it");
}

#[rocket::async_test]
async fn a_fourth_kind_gets_the_shared_lifecycle_and_its_permissions() {
    let app = TestApp::spawn_kinds(registry()).await;
    let owner = app.owner_token().await;
    let id = book_one(&app, &owner, "Dana Demo").await;
    let me = app.user_id(OWNER_EMAIL);
    let (s, b) = app
        .post_json(
            &format!("/api/v1/demo-requests/{id}/assign"),
            Some(&owner),
            json!({ "assigneeId": me }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["status"], "ASSIGNED");
    let (s, b) = app
        .post_json(
            &format!("/api/v1/demo-requests/{id}/convert"),
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(s, Status::Conflict);
    common::assert_error(&b, "INVALID_TRANSITION", None);
    let viewer = app
        .user_with_role("viewer@example.com", "viewer", "default")
        .await;
    let (s, b) = app
        .post_json(
            &format!("/api/v1/demo-requests/{id}/lose"),
            Some(&viewer),
            json!({ "reason": "no budget" }),
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    assert_eq!(
        b["error"]["details"]["permission"],
        "DemoRequestPermissions.Resolve"
    );
    let (s, b) = app
        .get("/api/v1/leads?kind=demo_request", Some(&viewer))
        .await;
    assert_eq!(s, Status::Ok, "viewers read every kind: {b}");
}

#[rocket::async_test]
async fn a_fourth_kind_is_in_the_inbox_csv_page_and_its_own_export() {
    let app = TestApp::spawn_kinds(registry()).await;
    let token = app.owner_token().await;
    let id = book_one(&app, &token, "=Dana Demo").await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = app.page("/admin/leads").await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains(&format!("href=\"/admin/demo-requests/{id}\"")),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"demo_request\""),
        "the kind filter offers it"
    );
    let res = app
        .client
        .get("/admin/leads.csv?kind=demo_request")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let csv = res.into_string().await.unwrap();
    assert!(csv.starts_with("\u{feff}Received,Kind,Id,Name"), "{csv}");
    assert!(
        csv.contains(&format!(",Demo request,{id},'=Dana Demo,")),
        "{csv}"
    );
    let res = app
        .client
        .get("/admin/export/demo_request")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
    let own = res.into_string().await.unwrap();
    assert_eq!(
        own,
        format!("\u{feff}id,name,email\r\n{id},'=Dana Demo,dana@example.com\r\n")
    );
}

#[rocket::async_test]
async fn a_fourth_kind_is_documented_in_the_openapi_document() {
    let app = TestApp::spawn_kinds(registry()).await;
    let (_, doc) = app.get("/api/openapi.json", None).await;
    let paths = &doc["paths"];
    assert_eq!(
        paths["/api/v1/demo-requests"]["post"]["x-permission"],
        "DemoRequestPermissions.Create"
    );
    for (method, path, perm) in [
        ("post", "/api/v1/demo-requests/{id}/assign", "Assign"),
        ("post", "/api/v1/demo-requests/{id}/lose", "Resolve"),
        ("delete", "/api/v1/demo-requests/{id}", "Delete"),
    ] {
        assert_eq!(
            paths[path][method]["x-permission"],
            format!("DemoRequestPermissions.{perm}"),
            "{method} {path}"
        );
    }
    let (_, plain) = TestApp::spawn().await.get("/api/openapi.json", None).await;
    assert!(plain["paths"]["/api/v1/demo-requests"].is_null());
}

#[rocket::async_test]
async fn a_fourth_kind_has_realtime_topics_that_deliver_its_leads() {
    let dir = TempDir::new();
    let live = Live::start_kinds(dir.path(), 20, registry()).await;
    let token = live.owner_token().await;
    let mut ws = live.socket(&token).await;
    subscribe(&mut ws, SUBMITTED, "collection", None).await;
    let (s, b) = live
        .call(
            "POST",
            "/api/v1/demo-requests",
            &token,
            json!({ "name": "Live Demo", "email": "live@example.com" }),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let ev = next_json(&mut ws, 5000).await.expect("the event arrives");
    assert_eq!(ev["topic"], SUBMITTED);
    assert_eq!(ev["data"]["id"], b["data"]["id"]);
    // The same topic is unknown to an appliance without the kind.
    live.stop().await;
    let plain_dir = TempDir::new();
    let plain = Live::start(plain_dir.path()).await;
    let token = plain.owner_token().await;
    let mut ws = plain.socket(&token).await;
    let refused = try_subscribe(&mut ws, SUBMITTED, "collection", None)
        .await
        .unwrap_err();
    assert_eq!(refused["code"], "UNKNOWN_TOPIC");
    plain.stop().await;
}
