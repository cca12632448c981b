//! Forms with their own questions (SPEC §14): each field type's answer checked and named,
//! per-form origins and thank-you pages, answers in the API, CSV, search and webhooks;
//! attribution stored and filtered; quarantine of an unlisted origin's posts and their release.

mod common;

use common::receiver::Receiver;
use common::{assert_error, inquiry, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

fn demo_form() -> Value {
    json!({
        "name": "Demo request",
        "fields": [
            {"key": "budget", "label": {"en": "Budget", "vi": "Ngân sách"}, "type": "select",
             "options": ["Under $1k", "$1k-$10k", "Over $10k"], "required": true},
            {"key": "seats", "label": {"en": "Seats", "vi": "Số chỗ"}, "type": "text"},
            {"key": "workEmail", "label": {"en": "Work email", "vi": "Email công việc"}, "type": "email"},
            {"key": "mobile", "label": {"en": "Mobile", "vi": "Di động"}, "type": "tel"},
            {"key": "site", "label": {"en": "Site", "vi": "Trang web"}, "type": "url"},
            {"key": "goals", "label": {"en": "Goals", "vi": "Mục tiêu"}, "type": "textarea"},
            {"key": "consent", "label": {"en": "I agree", "vi": "Tôi đồng ý"}, "type": "checkbox", "required": true}
        ],
        "thankYouUrl": "https://acme.test/thanks-demo",
        "allowedOrigins": ["https://demo.acme.test"]
    })
}

async fn new_form(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, b) = app.post_json("/api/v1/forms", Some(token), body).await;
    assert_eq!(s, Status::Created, "{b}");
    b["data"].clone()
}

fn answers() -> Value {
    let mut b = inquiry();
    b["budget"] = json!("$1k-$10k");
    b["seats"] = json!("25");
    b["workEmail"] = json!("ada@acme.test");
    b["mobile"] = json!("+84 90 123 4567");
    b["site"] = json!("acme.test");
    b["goals"] = json!("Route every lead to the right rep within minutes");
    b["consent"] = json!(true);
    b
}

async fn post_from(
    app: &TestApp,
    key: &str,
    origin: Option<&str>,
    body: Value,
) -> (Status, Option<String>, Value) {
    let mut req = app
        .client
        .post(format!("/api/public/forms/{key}/inquiries"))
        .header(ContentType::JSON)
        .body(body.to_string());
    if let Some(o) = origin {
        req = req.header(Header::new("Origin", o.to_string()));
    }
    let res = req.dispatch().await;
    let status = res.status();
    let cors = res
        .headers()
        .get_one("Access-Control-Allow-Origin")
        .map(str::to_string);
    let v =
        serde_json::from_str(&res.into_string().await.unwrap_or_default()).unwrap_or(Value::Null);
    (status, cors, v)
}

#[rocket::async_test]
async fn a_form_has_its_own_key_questions_origins_and_thank_you_page() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.settings(&owner, json!({"allowedOrigins": ["https://www.acme.test"]}))
        .await;
    let form = new_form(&app, &owner, demo_form()).await;
    let key = form["publicKey"].as_str().unwrap().to_string();
    assert!(key.starts_with("pk_") && key != app.public_key());
    assert_eq!(form["fields"].as_array().unwrap().len(), 7);

    // Its own origin and the workspace's are allowed; the answers come back on the lead.
    let (s, cors, b) = post_from(&app, &key, Some("https://demo.acme.test"), answers()).await;
    assert_eq!(s, Status::Created, "{b}");
    assert_eq!(cors.as_deref(), Some("https://demo.acme.test"));
    let (s, cors, _) = post_from(&app, &key, Some("https://www.acme.test"), answers()).await;
    assert_eq!(
        (s, cors.as_deref()),
        (Status::Created, Some("https://www.acme.test"))
    );
    // The form's origin is not the default form's.
    let (s, cors, _) = post_from(
        &app,
        &app.public_key(),
        Some("https://demo.acme.test"),
        inquiry(),
    )
    .await;
    assert_eq!(
        (s, cors),
        (Status::Created, None),
        "held in quarantine, no CORS"
    );

    let id = b["data"]["id"].as_str().unwrap();
    let (_, lead) = app
        .get(&format!("/api/v1/inquiries/{id}"), Some(&owner))
        .await;
    let d = &lead["data"];
    assert_eq!(d["formId"], form["id"]);
    assert_eq!(d["fields"]["budget"], "$1k-$10k");
    assert_eq!(d["fields"]["site"], "https://acme.test");
    assert_eq!(d["fields"]["consent"], true);
    assert_eq!(d["fields"]["workEmail"], "ada@acme.test");

    // A plain form post lands on the form's own thank-you page.
    let res = app
        .client
        .post(format!("/api/public/forms/{key}/inquiries"))
        .header(ContentType::Form)
        .body("name=Ada&email=ada%40example.com&message=Hello+there&budget=Over+%2410k&consent=on")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
    assert_eq!(
        res.headers().get_one("Location"),
        Some("https://acme.test/thanks-demo")
    );

    // The hosted page asks the form's questions in the visitor's language.
    let (s, html) = app.page(&format!("/f/{key}?lang=vi")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("Ngân sách") && html.contains("name=\"consent\""),
        "{html}"
    );
    assert!(
        !html.contains("name=\"business_name\""),
        "the form's questions replace the built-in ones"
    );

    // Search finds an answer; CSV has a column per question.
    let (_, found) = app
        .get("/api/v1/inquiries?q=rep+within+minutes", Some(&owner))
        .await;
    assert_eq!(found["data"]["pagination"]["totalItems"], 2, "{found}");
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, csv) = app.page("/admin/inquiries.csv").await;
    assert_eq!(s, Status::Ok);
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("fields.budget") && header.contains("fields.consent"),
        "{header}"
    );
    assert!(csv.contains("$1k-$10k") && csv.contains("Over $10k"));

    // The lead page shows the answers under their labels.
    let (_, page) = app.page(&format!("/admin/inquiries/{id}")).await;
    assert!(
        page.contains("id=\"answers\"") && page.contains("Budget") && page.contains("$1k-$10k")
    );

    // A deleted form's key stops working; its leads keep their answers.
    let fid = form["id"].as_str().unwrap();
    let (s, _) = app
        .send(
            rocket::http::Method::Delete,
            &format!("/api/v1/forms/{fid}"),
            Some(&owner),
            &[],
            None,
        )
        .await;
    assert_eq!(s, Status::Ok);
    // Asked again (the miss is now kept in memory), it is still not there, and a form made
    // after that is found at once.
    for _ in 0..2 {
        let (s, _, _) = post_from(&app, &key, None, answers()).await;
        assert_eq!(s, Status::NotFound);
    }
    let again = new_form(&app, &owner, demo_form()).await;
    let (s, _, b) = post_from(&app, again["publicKey"].as_str().unwrap(), None, answers()).await;
    assert_eq!(s, Status::Created, "{b}");
    let (s, _, _) = post_from(&app, &key, None, answers()).await;
    assert_eq!(s, Status::NotFound);
    let (_, lead) = app
        .get(&format!("/api/v1/inquiries/{id}"), Some(&owner))
        .await;
    assert_eq!(lead["data"]["fields"]["seats"], "25");
}

#[rocket::async_test]
async fn each_bad_answer_is_named_by_its_key_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let form = new_form(&app, &owner, demo_form()).await;
    let key = form["publicKey"].as_str().unwrap().to_string();
    let cases: [(&str, Value, &str); 8] = [
        ("budget", json!("Huge"), "must be one of the form's options"),
        ("budget", Value::Null, "is required"),
        (
            "seats",
            json!("x".repeat(501)),
            "must be at most 500 characters",
        ),
        (
            "workEmail",
            json!("not-an-email"),
            "must be a valid email address",
        ),
        (
            "mobile",
            json!("call me"),
            "must be a phone number (digits, spaces, + - ( ) .)",
        ),
        ("site", json!("not a site"), "must be a website address"),
        ("consent", json!(false), "must be ticked"),
        ("goals", json!({"a": 1}), "must be a string"),
    ];
    for (k, v, msg) in cases {
        let mut b = answers();
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v;
        }
        let (s, _, body) = post_from(&app, &key, None, b).await;
        assert_eq!(s, Status::BadRequest, "{k}: {body}");
        assert_error(&body, "VALIDATION_ERROR", Some(k));
        assert_eq!(body["error"]["details"][k], msg, "{k}");
    }
    let n: i64 = app
        .db()
        .query_row("SELECT count(*) FROM inquiries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    // A plain form post with a bad answer gets the page again, naming it, values kept.
    let res = app
        .client
        .post(format!("/api/public/forms/{key}/inquiries"))
        .header(ContentType::Form)
        .body("name=Ada&email=ada%40example.com&message=Hello&budget=Huge&seats=12")
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::BadRequest);
    let html = res.into_string().await.unwrap();
    assert!(html.contains("id=\"err-budget\"") && html.contains("id=\"err-consent\""));
    assert!(html.contains("value=\"12\""), "values kept");
}

#[rocket::async_test]
async fn bad_form_definitions_are_named() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let cases = [
        (json!({"fields": []}), "name"),
        (
            json!({"name": "x", "fields": [{"key": "Bad Key", "label": "x"}]}),
            "fields[0].key",
        ),
        (
            json!({"name": "x", "fields": [{"key": "email", "label": "x"}]}),
            "fields[0].key",
        ),
        (
            json!({"name": "x", "fields": [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}]}),
            "fields[1].key",
        ),
        (
            json!({"name": "x", "fields": [{"key": "a", "label": "x", "type": "radio"}]}),
            "fields[0].type",
        ),
        (
            json!({"name": "x", "fields": [{"key": "a", "label": "x", "type": "select"}]}),
            "fields[0].options",
        ),
        (
            json!({"name": "x", "fields": [{"key": "a"}]}),
            "fields[0].label",
        ),
        (json!({"name": "x", "fields": "no"}), "fields"),
        (
            json!({"name": "x", "thankYouUrl": "ftp://x"}),
            "thankYouUrl",
        ),
        (
            json!({"name": "x", "allowedOrigins": ["not an origin"]}),
            "allowedOrigins[0]",
        ),
        (json!({"name": "x", "colour": "red"}), "colour"),
    ];
    for (body, field) in cases {
        let (s, b) = app
            .post_json("/api/v1/forms", Some(&owner), body.clone())
            .await;
        assert_eq!(s, Status::BadRequest, "{body}: {b}");
        assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let (s, _) = app.get("/api/v1/forms/form_nope", Some(&owner)).await;
    assert_eq!(s, Status::NotFound);
    let (s, b) = app
        .patch_json(
            "/api/v1/forms/form_nope",
            Some(&owner),
            json!({"name": "y"}),
        )
        .await;
    assert_eq!(s, Status::NotFound, "{b}");
    // A viewer may read forms but not change them.
    let ws = app.workspace_id("default");
    let viewer = app
        .user_with_role("viewer@example.com", "viewer", &ws)
        .await;
    let (s, _) = app.get("/api/v1/forms", Some(&viewer)).await;
    assert_eq!(s, Status::Ok);
    let (s, _) = app
        .post_json("/api/v1/forms", Some(&viewer), demo_form())
        .await;
    assert_eq!(s, Status::Forbidden);
}

#[rocket::async_test]
async fn answers_and_attribution_travel_in_the_webhook_payload() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(|f| f.merge(("webhook_allow_private", true))).await;
    let owner = app.owner_token().await;
    let (s, b) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&owner),
            json!({"url": rx.url("/in"), "topics": ["*"]}),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let form = new_form(&app, &owner, demo_form()).await;
    let key = form["publicKey"].as_str().unwrap();
    let mut body = answers();
    body["attribution"] = json!({
        "firstTouch": {"utm_source": "google", "utm_campaign": "spring", "landing_page": "https://acme.test/?utm_source=google"},
        "lastTouch": {"utm_source": "newsletter", "referrer": "https://mail.example/"}
    });
    let (s, _, _) = post_from(&app, key, None, body).await;
    assert_eq!(s, Status::Created);
    let hits = rx
        .wait_for("the submitted inquiry", 10, |h| {
            h.iter().any(|h| {
                h.json()["type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("inquiry/submitted"))
            })
        })
        .await;
    let hit = hits
        .iter()
        .find(|h| {
            h.json()["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("inquiry/submitted"))
        })
        .unwrap();
    let data = &hit.json()["data"];
    assert_eq!(data["fields"]["budget"], "$1k-$10k", "{data}");
    assert_eq!(data["formId"], form["id"]);
    assert_eq!(data["attribution"]["firstTouch"]["utmCampaign"], "spring");
    assert_eq!(data["attribution"]["lastTouch"]["utmSource"], "newsletter");
    assert!(data["spamScore"].is_number());
}

#[rocket::async_test]
async fn attribution_is_kept_and_the_inbox_filters_by_source() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let mut a = inquiry();
    a["attribution"] = json!({"firstTouch": {"utmSource": "Google", "utmMedium": "cpc"}});
    let mut b = inquiry();
    b["utm_source"] = json!("newsletter");
    b["email"] = json!("bob@example.com");
    let mut c = inquiry();
    c["referrer"] = json!("https://www.bing.com/search?q=leadbox");
    c["email"] = json!("cy@example.com");
    for body in [a, b, c] {
        let (s, r) = app.submit(body).await;
        assert_eq!(s, Status::Created, "{r}");
    }
    let (_, g) = app
        .get("/api/v1/inquiries?source=google", Some(&owner))
        .await;
    assert_eq!(g["data"]["pagination"]["totalItems"], 1, "{g}");
    let lead = &g["data"]["items"][0];
    assert_eq!(lead["attribution"]["firstTouch"]["utmMedium"], "cpc");
    let (_, n) = app
        .get("/api/v1/inquiries?source=newsletter", Some(&owner))
        .await;
    let item = &n["data"]["items"][0];
    assert_eq!(item["attribution"]["firstTouch"]["utmSource"], "newsletter");
    assert_eq!(item["attribution"]["lastTouch"]["utmSource"], "newsletter");
    let (_, bing) = app.get("/api/v1/leads?source=bing.com", Some(&owner)).await;
    assert_eq!(
        bing["data"]["pagination"]["totalItems"], 1,
        "the unified inbox too: {bing}"
    );
    let (s, e) = app
        .get(
            &format!("/api/v1/inquiries?source={}", "x".repeat(101)),
            Some(&owner),
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert_error(&e, "VALIDATION_ERROR", Some("source"));
    let mut bad = inquiry();
    bad["attribution"] = json!({"firstTouch": {"utmSource": 7}});
    let (s, e) = app.submit(bad).await;
    assert_eq!(s, Status::BadRequest);
    assert_error(
        &e,
        "VALIDATION_ERROR",
        Some("attribution.firstTouch.utmSource"),
    );
    // The lead page tells where they came from.
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let id = lead["id"].as_str().unwrap();
    let (_, html) = app.page(&format!("/admin/inquiries/{id}")).await;
    assert!(html.contains("id=\"attribution\"") && html.contains("cpc"));
}

#[rocket::async_test]
async fn an_unlisted_origin_is_held_and_allowing_it_releases_its_leads() {
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(|f| f.merge(("webhook_allow_private", true))).await;
    let owner = app.owner_token().await;
    let (s, _) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&owner),
            json!({"url": rx.url("/in"), "topics": ["*"]}),
        )
        .await;
    assert_eq!(s, Status::Created);
    let key = app.public_key();
    let site = "https://www.newsite.test";
    for n in 0..3 {
        let mut b = inquiry();
        b["email"] = json!(format!("v{n}@example.com"));
        let (s, cors, body) = post_from(&app, &key, Some(site), b).await;
        assert_eq!((s, cors), (Status::Created, None), "{body}");
    }
    let (_, list) = app.get("/api/v1/inquiries", Some(&owner)).await;
    assert_eq!(
        list["data"]["pagination"]["totalItems"], 0,
        "held out of the inbox"
    );
    let (_, held) = app
        .get("/api/v1/inquiries?quarantined=true", Some(&owner))
        .await;
    assert_eq!(held["data"]["pagination"]["totalItems"], 3);
    assert_eq!(held["data"]["items"][0]["quarantined"], true);
    assert_eq!(held["data"]["items"][0]["origin"], site);
    let (_, q) = app.get("/api/v1/quarantine", Some(&owner)).await;
    assert_eq!(
        q["data"]["items"],
        json!([{"origin": site, "formId": null, "formName": null, "count": 3}])
    );
    // Nobody was told of them.
    rocket::tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(
        !rx.hits().iter().any(|h| h.json()["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("inquiry/submitted"))),
        "a held lead is not notified"
    );
    // A held lead cannot be worked before its origin is allowed.
    let held_id = held["data"]["items"][0]["id"].as_str().unwrap().to_string();
    let me = app.user_id(OWNER_EMAIL);
    let (s, b) = app
        .post_json(
            &format!("/api/v1/inquiries/{held_id}/assign"),
            Some(&owner),
            json!({"assigneeId": me}),
        )
        .await;
    assert_eq!(s, Status::Conflict, "{b}");
    assert_error(&b, "INVALID_TRANSITION", None);
    // Nor marked spam: the model would learn from a lead nobody has judged yet.
    let (s, b) = app.judge(&owner, &held_id, "spam").await;
    assert_eq!(s, Status::Conflict, "{b}");
    assert_error(&b, "INVALID_TRANSITION", None);
    // The owner is offered the origin with the count, and allowing it releases them.
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, page) = app.page("/admin/inquiries").await;
    assert!(
        page.contains(&format!("A form on {site} sent 3 leads")),
        "{page}"
    );
    // A bad origin typed into the admin's allow form is named, and nothing is released.
    let (s, to, _) = app
        .post_form(
            "/admin/quarantine/allow",
            &[("_csrf", &csrf), ("origin", "ftp://nope")],
        )
        .await;
    assert_eq!(
        (s, to.as_deref()),
        (Status::SeeOther, Some("/admin/inquiries"))
    );
    let (_, page) = app.page("/admin/inquiries").await;
    assert!(page.contains("must use http or https"), "{page}");
    assert!(page.contains(&format!("A form on {site} sent 3 leads")));
    let (s, b) = app
        .post_json(
            "/api/v1/quarantine/allow",
            Some(&owner),
            json!({"origin": format!("{site}/")}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["released"], 3);
    let (_, list) = app.get("/api/v1/inquiries", Some(&owner)).await;
    assert_eq!(list["data"]["pagination"]["totalItems"], 3);
    assert_eq!(list["data"]["items"][0]["status"], "NEW");
    rx.wait_for("three released leads notified", 10, |h| {
        h.iter()
            .filter(|h| {
                h.json()["type"]
                    .as_str()
                    .is_some_and(|t| t.ends_with("inquiry/submitted"))
            })
            .count()
            == 3
    })
    .await;
    // Released, it can be judged: once, and a second verdict the same way is refused.
    for verdict in ["spam", "not-spam"] {
        let (s, b) = app.judge(&owner, &held_id, verdict).await;
        assert_eq!(s, Status::Ok, "{b}");
        let (s, b) = app.judge(&owner, &held_id, verdict).await;
        assert_eq!(s, Status::Conflict, "{b}");
        assert_error(&b, "INVALID_TRANSITION", None);
    }
    // Its timeline says it was held, then released, in words (no step left unnamed).
    let (_, page) = app.page(&format!("/admin/inquiries/{held_id}")).await;
    let held_at = page
        .find("Received, held in quarantine")
        .expect("held on the timeline");
    let released_at = page.find("Released from quarantine").expect("released");
    assert!(held_at < released_at);
    assert!(!page.contains("Done."), "an unnamed step on the timeline");
    let (_, api) = app
        .get(&format!("/api/v1/inquiries/{held_id}"), Some(&owner))
        .await;
    assert_eq!(api["data"]["timeline"][0]["type"], "quarantined", "{api}");
    // The origin is allowed now: the next post is answered with CORS and goes to the inbox.
    let (s, cors, _) = post_from(&app, &key, Some(site), inquiry()).await;
    assert_eq!((s, cors.as_deref()), (Status::Created, Some(site)));
    let (_, q) = app.get("/api/v1/quarantine", Some(&owner)).await;
    assert_eq!(q["data"]["items"], json!([]));

    // Adding an origin through the settings releases too; a form's own origins release
    // what was sent to that form only.
    let other = "https://other.test";
    let (s, _, _) = post_from(&app, &key, Some(other), inquiry()).await;
    assert_eq!(s, Status::Created);
    let (s, b) = app
        .patch_json(
            "/api/v1/workspaces/default",
            Some(&owner),
            json!({"allowedOrigins": [site, other]}),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (_, held) = app
        .get("/api/v1/inquiries?quarantined=true", Some(&owner))
        .await;
    assert_eq!(held["data"]["pagination"]["totalItems"], 0);
    let form = new_form(&app, &owner, json!({"name": "Partners"})).await;
    let fkey = form["publicKey"].as_str().unwrap();
    let third = "https://partners.test";
    let (s, _, _) = post_from(&app, fkey, Some(third), inquiry()).await;
    assert_eq!(s, Status::Created);
    let (s, _, _) = post_from(&app, &key, Some(third), inquiry()).await;
    assert_eq!(s, Status::Created);
    let fid = form["id"].as_str().unwrap();
    let (s, _) = app
        .patch_json(
            &format!("/api/v1/forms/{fid}"),
            Some(&owner),
            json!({"allowedOrigins": [third]}),
        )
        .await;
    assert_eq!(s, Status::Ok);
    let (_, held) = app
        .get("/api/v1/inquiries?quarantined=true", Some(&owner))
        .await;
    assert_eq!(
        held["data"]["pagination"]["totalItems"], 1,
        "the default form's post stays held"
    );
    assert_eq!(held["data"]["items"][0]["formId"], Value::Null);
    let (_, page) = app.page("/admin/inquiries").await;
    assert!(
        page.contains(&format!("A form on {third} sent 1 lead. Allow")),
        "one lead is one lead: {page}"
    );

    // `Origin: null` names no site that could be allowed: judged like a post without one.
    let (s, cors, b) = post_from(&app, &key, Some("null"), inquiry()).await;
    assert_eq!((s, cors), (Status::Created, None));
    let id = b["data"]["id"].as_str().unwrap();
    let (_, lead) = app
        .get(&format!("/api/v1/inquiries/{id}"), Some(&owner))
        .await;
    assert_eq!(lead["data"]["quarantined"], false);
    assert_eq!(lead["data"]["origin"], Value::Null);

    // Bad allows are named.
    for (body, field) in [
        (json!({}), "origin"),
        (json!({"origin": "nope"}), "origin"),
        (json!({"origin": third, "formId": "form_nope"}), "formId"),
        (json!({"origin": third, "extra": 1}), "extra"),
    ] {
        let (s, b) = app
            .post_json("/api/v1/quarantine/allow", Some(&owner), body)
            .await;
        assert_eq!(s, Status::BadRequest, "{b}");
        assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
}

#[rocket::async_test]
async fn the_editor_with_a_mistake_keeps_showing_the_saved_forms_snippet() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let (s, form) = app
        .post_json("/api/v1/forms", Some(&owner), demo_form())
        .await;
    assert_eq!(s, Status::Created, "{form}");
    let id = form["data"]["id"].as_str().unwrap().to_string();
    let key = form["data"]["publicKey"].as_str().unwrap().to_string();
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _, html) = app
        .post_form(
            &format!("/admin/forms/{id}"),
            &[
                ("_csrf", &csrf),
                ("name", "Demo request, renamed"),
                ("q0_key", "Bad Key"),
                ("q0_en", "Oops"),
                ("q0_type", "text"),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    // What was typed comes back with its mistake…
    assert!(html.contains("value=\"Bad Key\""), "{html}");
    assert!(
        html.contains("<li>Question 1: key: must start with a lowercase letter"),
        "the summary names the question: {html}"
    );
    assert!(html.contains("value=\"Demo request, renamed\""), "{html}");
    // …and the snippet and hosted page are still those of the form that is live.
    let snippet = &html[html.find("id=\"snippet\"").unwrap()..];
    let snippet = &snippet[..snippet.find("</pre>").unwrap()];
    assert!(
        snippet.contains(&format!("/api/public/forms/{key}/inquiries")),
        "{snippet}"
    );
    assert!(html.contains(&format!("/f/{key}</code>")), "{html}");
    // Nothing was saved.
    let (_, b) = app.get(&format!("/api/v1/forms/{id}"), Some(&owner)).await;
    assert_eq!(b["data"]["name"], json!("Demo request"), "{b}");
}

/// The text of the `<pre>` with `id` on a page.
fn pre_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = &html[html.find(&format!("id=\"{id}\"")).expect(id)..];
    &at[..at.find("</pre>").unwrap()]
}

#[rocket::async_test]
async fn a_forms_editor_offers_its_snippet_in_both_languages() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let form = new_form(&app, &owner, demo_form()).await;
    let (id, key) = (
        form["id"].as_str().unwrap(),
        form["publicKey"].as_str().unwrap(),
    );
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = app.page(&format!("/admin/forms/{id}")).await;
    assert_eq!(s, Status::Ok);
    // The workspace speaks English: its snippet first, the Vietnamese one folded below it.
    let main = pre_of(&html, "snippet");
    assert!(
        main.contains("data-lang=&#34;en&#34;") && main.contains("Budget"),
        "{main}"
    );
    assert!(!main.contains("Ngân sách"), "{main}");
    assert!(
        html.contains("<summary>The same form in Vietnamese</summary>"),
        "{html}"
    );
    let other = pre_of(&html, "snippet-other");
    assert!(
        other.contains("data-lang=&#34;vi&#34;")
            && other.contains("Ngân sách")
            && other.contains("Tôi đồng ý"),
        "{other}"
    );
    assert!(
        other.contains(&format!("/api/public/forms/{key}/inquiries")),
        "the same form: {other}"
    );
    assert!(html.contains(&format!("/f/{key}?lang=vi</code>")), "{html}");
    // A workspace that speaks Vietnamese gets it the other way round.
    app.settings(&owner, json!({ "defaultLocale": "vi" })).await;
    let (_, html) = app.page(&format!("/admin/forms/{id}")).await;
    assert!(pre_of(&html, "snippet").contains("Ngân sách"));
    assert!(pre_of(&html, "snippet-other").contains("data-lang=&#34;en&#34;"));
    assert!(html.contains(&format!("/f/{key}?lang=en</code>")), "{html}");
    // A form not saved yet has no snippet to offer.
    let (_, html) = app.page("/admin/forms/new").await;
    assert!(!html.contains("snippet-other"), "{html}");
}

#[rocket::async_test]
async fn the_inquiries_filter_by_the_form_they_came_through() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let form = new_form(&app, &owner, demo_form()).await;
    let (id, key) = (
        form["id"].as_str().unwrap(),
        form["publicKey"].as_str().unwrap(),
    );
    for email in ["a@acme.test", "b@acme.test"] {
        let mut b = answers();
        b["email"] = json!(email);
        let (s, _, r) = post_from(&app, key, None, b).await;
        assert_eq!(s, Status::Created, "{r}");
    }
    let (s, r) = app.submit(inquiry()).await;
    assert_eq!(s, Status::Created, "{r}");
    // Through the API: the form's two, the built-in form's one, and the count agrees.
    let (s, mine) = app
        .get(&format!("/api/v1/inquiries?formId={id}"), Some(&owner))
        .await;
    assert_eq!(s, Status::Ok, "{mine}");
    assert_eq!(mine["data"]["pagination"]["totalItems"], 2, "{mine}");
    for item in mine["data"]["items"].as_array().unwrap() {
        assert_eq!(item["formId"], json!(id));
    }
    let (_, builtin) = app
        .get("/api/v1/inquiries?formId=default", Some(&owner))
        .await;
    assert_eq!(builtin["data"]["pagination"]["totalItems"], 1, "{builtin}");
    assert_eq!(builtin["data"]["items"][0]["formId"], Value::Null);
    let (_, n) = app
        .get(
            &format!("/api/v1/inquiries/count?formId={id}"),
            Some(&owner),
        )
        .await;
    assert_eq!(n["data"]["count"], 2, "{n}");
    let (s, none) = app
        .get("/api/v1/inquiries?formId=form_0000", Some(&owner))
        .await;
    assert_eq!(
        (s, &none["data"]["pagination"]["totalItems"]),
        (Status::Ok, &json!(0))
    );
    for bad in ["demo", "form_", "form_xyz", "default%20x"] {
        let (s, e) = app
            .get(&format!("/api/v1/inquiries?formId={bad}"), Some(&owner))
            .await;
        assert_eq!(s, Status::BadRequest, "{bad}: {e}");
        assert_error(&e, "VALIDATION_ERROR", Some("formId"));
    }
    // In the admin: the Forms page links each form to its leads, and the list keeps the filter.
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, forms) = app.page("/admin/forms").await;
    // …with how many came through each in the last 30 days, linked to that period's list.
    let since = forms.split("&amp;from=").nth(1).expect("a period")[..10].to_string();
    assert!(
        forms.contains(&format!(
            "href=\"/admin/inquiries?formId={id}&amp;from={since}\">2 leads</a>"
        )),
        "{forms}"
    );
    assert!(
        forms.contains(&format!(
            "href=\"/admin/inquiries?formId=default&amp;from={since}\">1 lead</a>"
        )),
        "{forms}"
    );
    let (_, period) = app
        .page(&format!("/admin/inquiries?formId={id}&from={since}"))
        .await;
    assert!(
        period.contains("Total: <span id=\"list-total\">2</span>"),
        "{period}"
    );
    let (s, html) = app.page(&format!("/admin/inquiries?formId={id}")).await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("a@acme.test") && html.contains("b@acme.test"),
        "{html}"
    );
    assert!(
        !html.contains("ada@example.com"),
        "the built-in form's lead is left out"
    );
    assert!(
        html.contains(&format!(
            "<option value=\"{id}\" selected>Demo request</option>"
        )),
        "{html}"
    );
    assert!(
        html.contains(&format!("formId={id}")),
        "its CSV and pages keep it: {html}"
    );
    let (s, to, _) = app
        .post_form(
            "/admin/search",
            &[
                ("_csrf", &csrf),
                ("_to", "/admin/inquiries"),
                ("formId", "default"),
                ("q", ""),
            ],
        )
        .await;
    assert_eq!(
        (s, to.as_deref()),
        (Status::SeeOther, Some("/admin/inquiries?formId=default"))
    );
    let (_, csv) = app.page(&format!("/admin/inquiries.csv?formId={id}")).await;
    assert_eq!(
        csv.lines().count(),
        3,
        "a header and the form's two leads: {csv}"
    );
    let (s, _) = app.page("/admin/inquiries?formId=nope").await;
    assert_eq!(
        s,
        Status::Ok,
        "a bad filter is named on the page, not a 500"
    );
}
