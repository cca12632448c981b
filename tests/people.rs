//! People (SPEC §12): one person across the three channels, duplicates, merge and split, the
//! GDPR export and erasure (checked against the database file and its WAL), and full-text
//! search over every lead kind.

mod common;

use common::receiver::Receiver;
use common::{assert_error, contact_body, user_token, TestApp};
use rocket::http::Status;
use serde_json::{json, Value};

const USER: &str = "550e8400-e29b-41d4-a716-446655440000";

/// Captures one lead of each kind for one buyer: the public form with `form_email`, Contact
/// Sales and a pricing selection from the end user `USER` whose account email is
/// `account_email`.
async fn three_channels(
    app: &TestApp,
    owner: &str,
    form_email: &str,
    account_email: &str,
) -> (String, String, String) {
    let (s, b) = app
        .submit(
            json!({ "name": "Nguyễn Văn An", "email": form_email, "phone": "+84 912 345 678",
            "businessName": "Sông Hồng Logistics",
            "message": "We need a quote for forty trucks, please call after lunch." }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let inquiry = b["data"]["id"].as_str().unwrap().to_string();
    app.enable_end_users(json!({
        "plans": [{ "code": "INDUSTRY_GROWTH", "userType": "industry", "name": "Growth",
                    "monthlyMin": 12000, "monthlyMax": 20000 }],
        "addOns": [], "gstRate": 18
    }))
    .await;
    let (s, b, _) = app
        .contact(&user_token(USER, account_email), contact_body(), &[])
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let contact = b["requestId"].as_str().unwrap().to_string();
    let (s, b) = app
        .put_json(
            &format!("/api/v1/users/{USER}"),
            Some(owner),
            json!({ "email": account_email, "name": "Nguyễn Văn An", "signupType": "industry" }),
        )
        .await;
    assert!(s == Status::Ok || s == Status::Created, "{b}");
    let end_user = common::jwt(
        common::USER_SECRET,
        json!({ "sub": USER, "exp": common::unix_now() + 600 }),
    );
    let (s, b) = app
        .post_json(
            "/api/v1/pricing-selections",
            Some(&end_user),
            json!({
                "userId": USER, "userType": "industry", "selectedPlanCode": "INDUSTRY_GROWTH",
                "selectedAddOnCodes": [],
                "pricing": { "planMonthlyMin": 12000, "planMonthlyMax": 20000, "addOnsMonthlyAmount": 0,
                    "addOnsOneTimeAmount": 0, "gstRate": 18, "estimatedFirstMonthMin": 14160,
                    "estimatedFirstMonthMax": 23600, "estimatedRecurringMin": 14160, "estimatedRecurringMax": 23600 },
                "source": "pricing_page", "capturedAt": "2024-01-15T10:30:00Z"
            }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let selection = b["data"]["id"].as_str().unwrap().to_string();
    (inquiry, contact, selection)
}

/// Assigns the lead to the owner and records a reply.
async fn reply(app: &TestApp, owner: &str, collection: &str, id: &str, body: &str) {
    let me = app.user_id(common::OWNER_EMAIL);
    let (s, b) = app
        .post_json(
            &format!("/api/v1/{collection}/{id}/assign"),
            Some(owner),
            json!({ "assigneeId": me }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, b) = app
        .post_json(
            &format!("/api/v1/{collection}/{id}/reply"),
            Some(owner),
            json!({ "body": body }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
}

/// Writes an internal note on a lead's page, signed in as the owner.
async fn note(app: &TestApp, id: &str, admin: &str, body: &str) {
    let (_, html) = app.page(&format!("/admin/{admin}/{id}")).await;
    let csrf = common::csrf_of(&html);
    let (s, _, _) = app
        .post_form(
            &format!("/admin/{admin}/{id}/notes"),
            &[("_csrf", &csrf), ("body", body)],
        )
        .await;
    assert!(s.code < 400, "{s}");
}

async fn person_of(app: &TestApp, owner: &str, lead: &str) -> Option<String> {
    let (s, b) = app.get(&format!("/api/v1/leads/{lead}"), Some(owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    b["data"]["personId"].as_str().map(str::to_string)
}

async fn person(app: &TestApp, owner: &str, id: &str) -> Value {
    let (s, b) = app.get(&format!("/api/v1/people/{id}"), Some(owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    b["data"].clone()
}

fn lead_ids(p: &Value) -> Vec<String> {
    let mut v: Vec<String> = p["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[rocket::async_test]
async fn the_three_channels_with_one_email_land_on_one_person() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    // Case and a `+tag` differ; the account email is the plain one.
    let (inq, contact, sel) = three_channels(
        &app,
        &owner,
        "An.Nguyen+Website@SongHong.vn",
        "an.nguyen@songhong.vn",
    )
    .await;
    let p = person_of(&app, &owner, &inq)
        .await
        .expect("an inquiry has a person");
    assert_eq!(
        person_of(&app, &owner, &contact).await.as_deref(),
        Some(p.as_str())
    );
    assert_eq!(
        person_of(&app, &owner, &sel).await.as_deref(),
        Some(p.as_str())
    );
    // Every kind's own API carries personId too.
    let (_, b) = app
        .get(&format!("/api/v1/inquiries/{inq}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["personId"], json!(p));
    let (_, b) = app
        .get(&format!("/api/v1/pricing-selections/{USER}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["id"], json!(sel), "{b}");
    assert_eq!(b["data"]["personId"], json!(p), "{b}");
    let got = person(&app, &owner, &p).await;
    let mut want = vec![inq.clone(), contact.clone(), sel.clone()];
    want.sort();
    assert_eq!(lead_ids(&got), want);
    assert_eq!(got["emails"], json!(["an.nguyen@songhong.vn"]));
    assert_eq!(got["endUserIds"], json!([USER]));
    let kinds: Vec<&str> = got["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["submitted", "submitted", "submitted"],
        "one merged timeline"
    );
    // On the person's page each step names where its lead came from, in the viewer's language.
    let csrf = app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (s, html) = app.page(&format!("/admin/people/{p}")).await;
    assert_eq!(s, Status::Ok);
    for sender in ["· web form", "· in the app", "· at signup"] {
        assert_eq!(html.matches(sender).count(), 1, "{sender}: {html}");
    }
    // Its leads: each time with its instant (the browser shows it in its zone), each pickable
    // to split off.
    let table = &html[html.find("id=\"person-leads\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<time datetime=\"20").count(), 3, "{table}");
    assert_eq!(table.matches(" UTC</time>").count(), 3, "{table}");
    assert_eq!(table.matches("name=\"leads\"").count(), 3, "{table}");
    assert!(html.contains("id=\"split-button\""));
    app.post_form("/admin/locale", &[("_csrf", &csrf), ("locale", "vi")])
        .await;
    let (s, html) = app.page(&format!("/admin/people/{p}")).await;
    assert_eq!(s, Status::Ok);
    for sender in ["· biểu mẫu web", "· trong ứng dụng", "· khi đăng ký"] {
        assert_eq!(html.matches(sender).count(), 1, "{sender}: {html}");
    }
    // A different address is a different person; a second lead of the first is a duplicate.
    let (_, b) = app
        .submit(json!({ "name": "Other", "email": "other@example.com", "message": "Hello there" }))
        .await;
    let other = b["data"]["id"].as_str().unwrap().to_string();
    let single = person_of(&app, &owner, &other).await.unwrap();
    assert_ne!(single, p);
    // With one lead there is nothing to split: no picker, no button.
    let (s, html) = app.page(&format!("/admin/people/{single}")).await;
    assert_eq!(s, Status::Ok);
    assert!(!html.contains("name=\"leads\""), "{html}");
    assert!(!html.contains("id=\"split-button\""), "{html}");
    // The people list and its search.
    let (s, b) = app.get("/api/v1/people?q=Nguyen", Some(&owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["items"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["data"]["items"][0]["id"], json!(p));
    assert_eq!(b["data"]["items"][0]["leads"], 3);
    let (_, b) = app.get("/api/v1/people", Some(&owner)).await;
    assert_eq!(b["data"]["pagination"]["totalItems"], 2, "{b}");
    // `q` on each kind's own list.
    for (list, id) in [
        ("inquiries", &inq),
        ("contact-requests", &contact),
        ("pricing-selections", &sel),
    ] {
        let (s, b) = app
            .get(&format!("/api/v1/{list}?q=nguyen"), Some(&owner))
            .await;
        assert_eq!(s, Status::Ok, "{b}");
        assert_eq!(b["data"]["items"][0]["id"], json!(id), "{list}: {b}");
        assert_eq!(b["data"]["pagination"]["totalItems"], 1, "{list}: {b}");
        let (_, b) = app
            .get(&format!("/api/v1/{list}?q=nobodyatall"), Some(&owner))
            .await;
        assert_eq!(b["data"]["pagination"]["totalItems"], 0, "{list}: {b}");
    }
}

#[rocket::async_test]
async fn duplicates_are_flagged_while_the_older_lead_is_open_and_merge_and_split_move_leads() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let submit = |email: &'static str, name: &'static str| {
        let app = &app;
        async move {
            let (s, b) = app
                .submit(json!({ "name": name, "email": email, "message": "Please send a quote" }))
                .await;
            assert_eq!(s, Status::Created, "{b}");
            b["data"]["id"].as_str().unwrap().to_string()
        }
    };
    let first = submit("jane@acme.test", "Jane Roe").await;
    let second = submit("JANE@acme.test", "Jane Roe").await;
    let (_, b) = app
        .get(&format!("/api/v1/leads/{second}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["duplicateOf"], json!(first), "{b}");
    assert_eq!(
        b["data"]["duplicateUrl"],
        json!(format!("/admin/inquiries/{first}"))
    );
    let (_, b) = app
        .get(&format!("/api/v1/leads/{first}"), Some(&owner))
        .await;
    assert!(
        b["data"]["duplicateOf"].is_null(),
        "the older one is not the duplicate"
    );
    // The inbox shows it too, and the lead's page links the older one.
    let (_, b) = app.get("/api/v1/leads", Some(&owner)).await;
    let row = b["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == json!(second))
        .unwrap()
        .clone();
    assert_eq!(row["duplicateOf"], json!(first));
    app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (_, html) = app.page(&format!("/admin/inquiries/{second}")).await;
    assert!(
        html.contains(&format!(
            "href=\"/admin/inquiries/{first}\" id=\"duplicate-link\""
        )),
        "{html}"
    );
    // Closing the older lead clears the flag.
    let (s, b) = app
        .post_json(
            &format!("/api/v1/inquiries/{first}/lose"),
            Some(&owner),
            json!({ "reason": "double submit" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (_, b) = app
        .get(&format!("/api/v1/leads/{second}"), Some(&owner))
        .await;
    assert!(b["data"]["duplicateOf"].is_null(), "{b}");

    // Merge: a lead sent from another address joins Jane.
    let third = submit("jroe@personal.test", "J. Roe").await;
    let jane = person_of(&app, &owner, &first).await.unwrap();
    let other = person_of(&app, &owner, &third).await.unwrap();
    reply(&app, &owner, "inquiries", &third, "Sent the quote").await;
    let before = person(&app, &owner, &other).await["timeline"]
        .as_array()
        .unwrap()
        .len();
    let (s, b) = app
        .post_json(
            &format!("/api/v1/people/{jane}/merge"),
            Some(&owner),
            json!({ "otherId": other }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let mut want = vec![first.clone(), second.clone(), third.clone()];
    want.sort();
    assert_eq!(lead_ids(&b["data"]), want);
    assert_eq!(
        person_of(&app, &owner, &third).await.as_deref(),
        Some(jane.as_str())
    );
    // The merged-away id answers the person it joined; every step is still there.
    let merged = person(&app, &owner, &other).await;
    assert_eq!(merged["id"], json!(jane));
    let steps = merged["timeline"].as_array().unwrap();
    assert!(
        steps
            .iter()
            .any(|e| e["type"] == "merged" && e["leadId"].is_null()),
        "{merged:#}"
    );
    assert!(steps
        .iter()
        .any(|e| e["type"] == "replied" && e["leadId"] == json!(third)));
    // A new lead from the merged address lands on Jane.
    let fourth = submit("jroe@personal.test", "J. Roe").await;
    assert_eq!(
        person_of(&app, &owner, &fourth).await.as_deref(),
        Some(jane.as_str())
    );

    // Split them off again: the leads and the address go to a new person, timelines intact.
    let (s, b) = app
        .post_json(
            &format!("/api/v1/people/{jane}/split"),
            Some(&owner),
            json!({ "leadIds": [third, fourth] }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let new_id = b["data"]["newPersonId"].as_str().unwrap().to_string();
    let mut left = vec![first.clone(), second.clone()];
    left.sort();
    assert_eq!(lead_ids(&b["data"]["person"]), left);
    let split = person(&app, &owner, &new_id).await;
    let mut moved = vec![third.clone(), fourth.clone()];
    moved.sort();
    assert_eq!(lead_ids(&split), moved);
    assert_eq!(split["emails"], json!(["jroe@personal.test"]));
    let steps = split["timeline"].as_array().unwrap();
    assert!(steps.iter().any(|e| e["type"] == "split"));
    assert!(
        steps.len() > before,
        "the split person keeps every step of its leads"
    );
    let fifth = submit("jroe@personal.test", "J. Roe").await;
    assert_eq!(
        person_of(&app, &owner, &fifth).await.as_deref(),
        Some(new_id.as_str())
    );

    // Bad inputs, each named.
    let cases = [
        (
            format!("/api/v1/people/{jane}/merge"),
            json!({ "otherId": jane }),
            Status::BadRequest,
            Some("otherId"),
        ),
        (
            format!("/api/v1/people/{jane}/merge"),
            json!({ "otherId": "per_nobody" }),
            Status::NotFound,
            None,
        ),
        (
            format!("/api/v1/people/{jane}/merge"),
            json!({ "otherId": "" }),
            Status::BadRequest,
            Some("otherId"),
        ),
        (
            format!("/api/v1/people/{jane}/merge"),
            json!({ "other": 1 }),
            Status::BadRequest,
            None,
        ),
        (
            format!("/api/v1/people/{jane}/split"),
            json!({ "leadIds": [] }),
            Status::BadRequest,
            Some("leadIds"),
        ),
        (
            format!("/api/v1/people/{jane}/split"),
            json!({ "leadIds": [first, second] }),
            Status::BadRequest,
            Some("leadIds"),
        ),
        (
            format!("/api/v1/people/{jane}/split"),
            json!({ "leadIds": [fifth] }),
            Status::BadRequest,
            Some("leadIds"),
        ),
        (
            "/api/v1/people/per_nobody/merge".to_string(),
            json!({ "otherId": jane }),
            Status::NotFound,
            None,
        ),
        (
            format!("/api/v1/people/{other}/merge"),
            json!({ "otherId": new_id }),
            Status::Conflict,
            None,
        ),
    ];
    for (uri, body, status, field) in cases {
        let (s, b) = app.post_json(&uri, Some(&owner), body.clone()).await;
        assert_eq!(s, status, "{uri} {body}: {b}");
        if let Some(f) = field {
            assert_error(&b, "VALIDATION_ERROR", Some(f));
        }
    }
    let (s, _) = app.get("/api/v1/people/per_nobody", Some(&owner)).await;
    assert_eq!(s, Status::NotFound);
    let (s, b) = app.get("/api/v1/people?limit=500", Some(&owner)).await;
    assert_eq!(s, Status::BadRequest, "{b}");
    assert_error(&b, "VALIDATION_ERROR", Some("limit"));
}

/// Every text value of every row of every table, with the table's name.
fn all_text(db: &rusqlite::Connection) -> Vec<(String, String)> {
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = vec![];
    for t in tables {
        let Ok(mut stmt) = db.prepare(&format!("SELECT * FROM \"{t}\"")) else {
            continue;
        };
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let v = match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        String::from_utf8_lossy(b).to_string()
                    }
                    _ => continue,
                };
                out.push((t.clone(), v));
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).any(|w| w == n)
}

#[rocket::async_test]
async fn erasure_leaves_nothing_of_the_person_in_the_file_and_counts_stay_true() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(|f| f.merge(("webhook_allow_private", true))).await;
    let owner = app.owner_token().await;
    let (s, b) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&owner),
            json!({ "url": rx.url("/in"), "topics": ["*"] }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let email = "an.nguyen@songhong.vn";
    let (inq, contact, sel) = three_channels(&app, &owner, email, email).await;
    let p = person_of(&app, &owner, &inq).await.unwrap();
    app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    // A reply and a note that name them too.
    reply(
        &app,
        &owner,
        "inquiries",
        &inq,
        "Chào anh Nguyễn Văn An, here is the quote",
    )
    .await;
    note(
        &app,
        &contact,
        "contact-requests",
        "Called +84 912 345 678, wants trucks",
    )
    .await;
    // Someone else, who must stay.
    let (_, b) = app
        .submit(json!({ "name": "Keep Me", "email": "keep@example.com", "message": "Keep this message" }))
        .await;
    let kept = b["data"]["id"].as_str().unwrap().to_string();

    let secrets = [
        email,
        "Nguyễn Văn An",
        "+84 912 345 678",
        "We need a quote for forty trucks, please call after lunch.",
        "Sông Hồng Logistics",
        "here is the quote",
        "wants trucks",
    ];
    // The export before erasure holds every record the email is in.
    let (s, export) = app
        .get(&format!("/api/v1/people/{p}/export"), Some(&owner))
        .await;
    assert_eq!(s, Status::Ok, "{export}");
    let doc = export["data"].to_string();
    let db = app.db();
    let derived = ["lead_index", "lead_fts", "person_keys"];
    for (table, text) in all_text(&db) {
        if !text.contains(email)
            || table.starts_with("lead_fts")
            || derived.contains(&table.as_str())
        {
            continue;
        }
        // The record is in the export: its id, or (events, deliveries) its subject's.
        let named = [&inq, &contact, &sel, &p]
            .iter()
            .any(|id| text.contains(id.as_str()) && doc.contains(id.as_str()))
            || (table == "end_users" && doc.contains(USER))
            || doc.contains(&text);
        assert!(
            named,
            "{table} holds the email in a record the export lacks: {text}"
        );
    }
    for needle in [
        "\"record\"",
        "\"notes\"",
        "\"timeline\"",
        "\"endUsers\"",
        "\"deliveries\"",
        "wants trucks",
        "here is the quote",
    ] {
        assert!(doc.contains(needle), "the export lacks {needle}");
    }
    let counts = |app: &TestApp| {
        let db = app.db();
        let n = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            n("SELECT COUNT(*) FROM inquiries"),
            n("SELECT COUNT(*) FROM sales_contact_requests"),
            n("SELECT COUNT(*) FROM pricing_selections"),
            n("SELECT COUNT(*) FROM events"),
        )
    };
    let before = counts(&app);
    let (_, list_before) = app.get("/api/v1/leads", Some(&owner)).await;
    let overview = |html: &str| {
        let i = html.find("<svg class=\"chart\"").unwrap_or(0);
        html[i..].split("</svg>").next().unwrap_or("").to_string()
    };
    let (_, home_before) = app.page("/admin").await;

    // Roles and bad input first.
    let viewer = app
        .user_with_role("viewer@example.com", "viewer", "default")
        .await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/people/{p}/erase"),
            Some(&viewer),
            json!({ "reason": "asked" }),
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, _) = app
        .get(&format!("/api/v1/people/{p}/export"), Some(&viewer))
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, b) = app
        .post_json(
            &format!("/api/v1/people/{p}/erase"),
            Some(&owner),
            json!({ "reason": "  " }),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&b, "VALIDATION_ERROR", Some("reason"));

    let (s, b) = app
        .post_json(
            &format!("/api/v1/people/{p}/erase"),
            Some(&owner),
            json!({ "reason": "asked by email" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["leadIds"].as_array().unwrap().len(), 3);
    let (s, b) = app
        .post_json(
            &format!("/api/v1/people/{p}/erase"),
            Some(&owner),
            json!({ "reason": "again" }),
        )
        .await;
    assert_eq!(s, Status::Conflict, "{b}");

    // Counts, lists and the Overview are as they were.
    assert_eq!(counts(&app).0, before.0);
    assert_eq!(counts(&app).1, before.1);
    assert_eq!(counts(&app).2, before.2);
    assert_eq!(
        counts(&app).3,
        before.3 + 1,
        "the erasure is one more event"
    );
    let (_, list_after) = app.get("/api/v1/leads", Some(&owner)).await;
    assert_eq!(
        list_after["data"]["pagination"],
        list_before["data"]["pagination"]
    );
    let ids = |l: &Value| -> Vec<String> {
        l["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].to_string())
            .collect()
    };
    assert_eq!(ids(&list_after), ids(&list_before));
    let (_, home_after) = app.page("/admin").await;
    assert_eq!(overview(&home_after), overview(&home_before));
    let tomb = person(&app, &owner, &p).await;
    assert_eq!(tomb["erased"]["erased"], true);
    assert_eq!(tomb["erased"]["reason"], "asked by email");
    assert_eq!(
        tomb["timeline"].as_array().unwrap().len(),
        6,
        "submitted ×3, assigned, replied, erased: {tomb}"
    );

    // Nothing of them in any table, event, the file or the WAL after a checkpoint.
    let db = app.db();
    for (table, text) in all_text(&db) {
        for s in secrets {
            assert!(!text.contains(s), "{table} still holds {s:?}: {text}");
        }
        assert!(
            !text.to_lowercase().contains("nguyen van an"),
            "{table}: {text}"
        );
    }
    assert!(
        all_text(&db)
            .iter()
            .any(|(_, t)| t.contains("Keep this message")),
        "others are kept"
    );
    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let dir = app.dir.path().to_path_buf();
    for file in ["leadbox.db", "leadbox.db-wal"] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
        for s in secrets {
            assert!(!contains(&bytes, s), "{file} still holds {s:?}");
        }
    }
    // Webhooks hear of it, with ids only.
    let hits = rx
        .wait_for("the erased event", 20, |h| {
            h.iter()
                .any(|x| x.json()["type"] == "observation/people/person/erased")
        })
        .await;
    let erased = hits
        .iter()
        .find(|x| x.json()["type"] == "observation/people/person/erased")
        .unwrap()
        .json();
    assert_eq!(erased["data"]["personId"], json!(p), "{erased}");
    // Search no longer finds them; the others still can be found.
    let (_, b) = app.get("/api/v1/leads?q=trucks", Some(&owner)).await;
    assert_eq!(b["data"]["pagination"]["totalItems"], 0, "{b}");
    let (_, b) = app.get("/api/v1/leads?q=keep", Some(&owner)).await;
    assert_eq!(b["data"]["items"][0]["id"], json!(kept));
}

#[rocket::async_test]
async fn search_finds_replies_notes_and_vietnamese_with_or_without_marks_ranking_names_first() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let submit = |name: &'static str, message: &'static str| {
        let app = &app;
        async move {
            let (s, b) = app
                .submit(json!({ "name": name, "email": format!("{}@example.com", name.len()), "message": message }))
                .await;
            assert_eq!(s, Status::Created, "{b}");
            b["data"]["id"].as_str().unwrap().to_string()
        }
    };
    app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let by_name = submit("Tran Minh Quote", "Hello, we are looking around").await;
    let by_message = submit("Le Thi Hoa", "Please send a quote for the annual plan").await;
    let vietnamese = submit("Nguyễn Thị Đào", "Xin chào, chúng tôi cần báo giá").await;
    let quiet = submit("Pham Van Binh", "Just browsing").await;
    reply(
        &app,
        &owner,
        "inquiries",
        &quiet,
        "Sent the brochure by courier",
    )
    .await;
    note(&app, &by_name, "inquiries", "Budget approved in Hanoi").await;
    let found = |q: &'static str| {
        let app = &app;
        let owner = owner.clone();
        async move {
            let (s, b) = app
                .get(
                    &format!("/api/v1/leads?q={}", leadbox::util::urlencode(q)),
                    Some(&owner),
                )
                .await;
            assert_eq!(s, Status::Ok, "{q}: {b}");
            b["data"]["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        found("courier").await,
        vec![quiet.clone()],
        "a reply's words"
    );
    assert_eq!(
        found("hanoi").await,
        vec![by_name.clone()],
        "a note's words"
    );
    assert_eq!(found("Nguyễn").await, vec![vietnamese.clone()]);
    assert_eq!(
        found("nguyen").await,
        vec![vietnamese.clone()],
        "without diacritics"
    );
    assert_eq!(found("dao").await, vec![vietnamese.clone()], "đ folds to d");
    assert_eq!(
        found("Nguy").await,
        vec![vietnamese.clone()],
        "half typed, plain letters"
    );
    assert_eq!(
        found("Nguyễ").await,
        vec![vietnamese.clone()],
        "half typed, with a mark"
    );
    assert_eq!(found("bao gia").await, vec![vietnamese.clone()]);
    assert_eq!(
        found("quote").await,
        vec![by_name.clone(), by_message.clone()],
        "a name match ranks first"
    );
    assert_eq!(found("quo").await.len(), 2, "the last word is a prefix");
    assert!(
        found("qu").await.is_empty(),
        "a two-letter word matches whole words only"
    );
    assert_eq!(
        found("browsing pha").await,
        vec![quiet.clone()],
        "whole words, then the last one widened"
    );
    assert!(
        found("\"*)(").await.is_empty(),
        "punctuation only finds nothing"
    );
    // Snippets mark the match, escaped.
    let (_, b) = app.get("/api/v1/leads?q=annual", Some(&owner)).await;
    let snip = b["data"]["items"][0]["snippet"].as_str().unwrap();
    assert!(snip.contains("<mark>annual</mark>"), "{snip}");
    // Each kind's own list searches the same way.
    let (_, b) = app.get("/api/v1/inquiries?q=courier", Some(&owner)).await;
    assert_eq!(b["data"]["items"][0]["id"], json!(quiet), "{b}");
    let (_, b) = app.get("/api/v1/inquiries?q=nguyen", Some(&owner)).await;
    assert_eq!(b["data"]["pagination"]["totalItems"], 1, "{b}");
    // A sort asked for wins over rank.
    let (_, b) = app
        .get(
            "/api/v1/leads?q=quote&sortBy=createdAt&sortOrder=desc",
            Some(&owner),
        )
        .await;
    assert_eq!(b["data"]["items"][0]["id"], json!(by_message), "{b}");
    // The top bar's search box is on every admin page and lands on the inbox.
    let (_, html) = app.page("/admin/members").await;
    assert!(html.contains("id=\"top-q\""));
    let (_, html) = app.page("/admin/leads?q=courier").await;
    assert!(
        html.contains("<mark>courier</mark>"),
        "highlighted in the inbox"
    );
}

#[rocket::async_test]
async fn every_list_query_uses_an_index() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.new_inquiry("Someone").await;
    let state = app.state();
    let kinds = state.kinds.clone();
    let ws = app.workspace_id("default");
    let db = app.db();
    let plans = leadbox::leads::inbox::explain(&db, &kinds, &state.scope(), &ws).unwrap();
    assert!(plans.len() >= 6, "{plans:#?}");
    for (what, plan) in &plans {
        let scans: Vec<&String> = plan
            .iter()
            .filter(|l| {
                l.contains("SCAN")
                    && !l.contains("VIRTUAL TABLE")
                    && !l.contains("USING")
                    && !l.contains("lead_counts")
            })
            .collect();
        assert!(
            scans.is_empty(),
            "{what} scans a table without an index: {plan:#?}"
        );
        assert!(
            !plan
                .iter()
                .any(|l| l.contains("USE TEMP B-TREE FOR ORDER BY")),
            "{what} sorts: {plan:#?}"
        );
    }
    let _ = owner;
}

#[rocket::async_test]
async fn an_erased_lead_cannot_be_edited_back_to_life() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let (_, b) = app
        .submit(json!({ "name": "Gone Soon", "email": "gone@example.com", "message": "Forget me later" }))
        .await;
    let id = b["data"]["id"].as_str().unwrap().to_string();
    let p = person_of(&app, &owner, &id).await.unwrap();
    let (s, b) = app
        .post_json(
            &format!("/api/v1/people/{p}/erase"),
            Some(&owner),
            json!({ "reason": "asked" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, b) = app
        .patch_json(
            &format!("/api/v1/inquiries/{id}"),
            Some(&owner),
            json!({ "name": "Back Again" }),
        )
        .await;
    assert_eq!(s, Status::Conflict, "{b}");
    assert_error(&b, "PERSON_ERASED", None);
    // Merging into or from an erased person is refused too; unknown people are 404 first.
    let (s, _) = app
        .post_json(
            &format!("/api/v1/people/{p}/merge"),
            Some(&owner),
            json!({ "otherId": p }),
        )
        .await;
    assert_eq!(s, Status::Conflict);
    let (s, _) = app
        .post_json(
            "/api/v1/people/0/merge",
            Some(&owner),
            json!({ "otherId": "0" }),
        )
        .await;
    assert_eq!(s, Status::NotFound);
}

#[rocket::async_test]
async fn retention_erases_leads_closed_longer_ago_than_the_workspace_keeps_them() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for (bad, why) in [
        (json!(-1), "negative"),
        (json!(40000), "too many"),
        (json!("x"), "text"),
        (json!(1.5), "a fraction"),
    ] {
        let (s, b) = app
            .patch_json(
                "/api/v1/workspaces/default",
                Some(&owner),
                json!({ "retentionDays": bad }),
            )
            .await;
        assert_eq!(s, Status::BadRequest, "{why}: {b}");
        assert_error(&b, "VALIDATION_ERROR", Some("retentionDays"));
    }
    let (s, b) = app
        .patch_json(
            "/api/v1/workspaces/default",
            Some(&owner),
            json!({ "retentionDays": 30 }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["retentionDays"], 30);
    let submit = |email: &'static str| {
        let app = &app;
        async move {
            let (_, b) = app
                .submit(json!({ "name": "Old Lead", "email": email, "message": "Remember me for a while" }))
                .await;
            b["data"]["id"].as_str().unwrap().to_string()
        }
    };
    let closed = submit("closed@example.com").await;
    let open = submit("open@example.com").await;
    let (s, b) = app
        .post_json(
            &format!("/api/v1/inquiries/{closed}/lose"),
            Some(&owner),
            json!({ "reason": "no budget" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let state = app.state();
    let h = state.housekeeping();
    // Not yet: closed today.
    leadbox::retention(&h).await;
    let (_, b) = app
        .get(&format!("/api/v1/inquiries/{closed}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["email"], "closed@example.com");
    // Thirty-one days on, the closed one is erased with its person; the open one stays.
    state.clock.advance(time::Duration::days(31));
    leadbox::retention(&h).await;
    let (_, b) = app
        .get(&format!("/api/v1/inquiries/{closed}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["email"], "", "{b}");
    let p = b["data"]["personId"].as_str().unwrap().to_string();
    assert_eq!(person(&app, &owner, &p).await["erased"]["by"], "retention");
    let (_, b) = app
        .get(&format!("/api/v1/inquiries/{open}"), Some(&owner))
        .await;
    assert_eq!(b["data"]["email"], "open@example.com");
}

/// The `lx_` triggers and the database's schema version (which every open connection checks
/// before it runs a statement, parsing the whole schema again when it moved).
fn index_triggers(app: &TestApp) -> (Vec<String>, i64) {
    let db = app.db();
    let names = db
        .prepare("SELECT name || ':' || sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'lx\\_%' ESCAPE '\\' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let version = db
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .unwrap();
    (names, version)
}

/// Searches for `word` and answers how many leads match.
async fn found(app: &TestApp, owner: &str, word: &str) -> Value {
    let (s, b) = app
        .get(&format!("/api/v1/leads?q={word}"), Some(owner))
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    b["data"]["pagination"]["totalItems"].clone()
}

#[rocket::async_test]
async fn a_restart_keeps_unchanged_index_triggers_and_makes_missing_ones_again() {
    let dir = common::TempDir::new();
    let first = {
        let app = TestApp::spawn_in(dir.path()).await;
        let owner = app.owner_token().await;
        let (s, b) = app
            .submit(
                json!({ "name": "Quill Before", "email": "before@example.com",
                "message": "walrus tusks" }),
            )
            .await;
        assert_eq!(s, Status::Created, "{b}");
        assert_eq!(found(&app, &owner, "walrus").await, 1);
        index_triggers(&app)
    };
    assert!(first.0.len() >= 10, "{:?}", first.0);
    // Nothing changed: the second start leaves the schema as it was, and capture, search and
    // the response clock still work through the triggers the first start made.
    {
        let app = TestApp::spawn_in(dir.path()).await;
        assert_eq!(index_triggers(&app), first);
        let owner = app.owner_token().await;
        let (s, b) = app
            .submit(json!({ "name": "Quill After", "email": "after@example.com",
                "message": "walrus again" }))
            .await;
        assert_eq!(s, Status::Created, "{b}");
        assert_eq!(found(&app, &owner, "walrus").await, 2);
        assert_eq!(found(&app, &owner, "again").await, 1);
        // A note reaches the search through its trigger.
        let id = b["data"]["id"].as_str().unwrap().to_string();
        app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
            .await;
        note(&app, &id, "inquiries", "narwhal horns").await;
        assert_eq!(found(&app, &owner, "narwhal").await, 1);
    }
    // A trigger gone missing (dropped by hand) is made again at the next start, with the rest.
    {
        let db = rusqlite::Connection::open(dir.path().join("leadbox.db")).unwrap();
        let name = first.0.iter().find(|t| t.contains("_insert")).unwrap();
        let name = name.split(':').next().unwrap();
        db.execute_batch(&format!("DROP TRIGGER {name};")).unwrap();
    }
    let app = TestApp::spawn_in(dir.path()).await;
    let (names, version) = index_triggers(&app);
    assert_eq!(names, first.0);
    assert!(version > first.1);
    let owner = app.owner_token().await;
    let (s, b) = app
        .submit(json!({ "name": "Quill Third", "email": "third@example.com",
            "message": "walrus thrice" }))
        .await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(found(&app, &owner, "walrus").await, 3);
}
