//! Routing and response time (SPEC §13) over the real Rocket and SQLite file, with the
//! injected clock instead of sleeping: round robin, least open, capacity, availability and the
//! backlog; `dueAt` in working time, the reminder and the escalation through every channel.

mod common;

use common::push::Browser;
use common::receiver::{mail_header, python, Answer, Receiver, Smtp};
use common::server::free_port;
use common::TestApp;
use rocket::http::Status;
use serde_json::{json, Value};

/// Adds sales members `a`, `b`, `c` …; answers `(id, token)` of each.
async fn reps(app: &TestApp, names: &[&str]) -> Vec<(String, String)> {
    let mut out = vec![];
    for n in names {
        let email = format!("{n}@example.com");
        let token = app.user_with_role(&email, "sales", "default").await;
        let id = app.user_id(&email);
        out.push((id, token));
    }
    out
}

async fn rule(app: &TestApp, owner: &str, body: Value) -> (Status, Value) {
    app.put_json("/api/v1/workspaces/default/assignment", Some(owner), body)
        .await
}

async fn away(app: &TestApp, token: &str, away: bool) {
    let (s, b) = app
        .put_json(
            "/api/v1/me/availability",
            Some(token),
            json!({ "away": away }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(b["data"]["away"], json!(away));
}

/// The assignee of lead `id`, from the inbox API.
async fn assignee(app: &TestApp, owner: &str, id: &str) -> Option<String> {
    let (s, b) = app.get(&format!("/api/v1/leads/{id}"), Some(owner)).await;
    assert_eq!(s, Status::Ok, "{b}");
    b["data"]["assigneeId"].as_str().map(str::to_string)
}

/// Submits `n` inquiries; answers their ids, oldest first.
async fn leads(app: &TestApp, n: usize) -> Vec<String> {
    let mut out = vec![];
    for i in 0..n {
        let (s, b) = app
            .submit(
                json!({ "name": format!("Buyer {i}"), "email": format!("buyer{i}@example.com"),
                "message": "Please send a quote" }),
            )
            .await;
        assert_eq!(s, Status::Created, "{b}");
        out.push(b["data"]["id"].as_str().unwrap().to_string());
    }
    out
}

#[rocket::async_test]
async fn round_robin_skips_the_member_who_is_away_and_keeps_its_turn_across_a_restart() {
    let dir = common::TempDir::new();
    let (owner, people) = {
        let app = TestApp::spawn_in(dir.path()).await;
        let owner = app.owner_token().await;
        let people = reps(&app, &["ann", "bao", "cam"]).await;
        let ids: Vec<&str> = people.iter().map(|(id, _)| id.as_str()).collect();
        let (s, b) = rule(
            &app,
            &owner,
            json!({ "mode": "round_robin", "memberIds": ids }),
        )
        .await;
        assert_eq!(s, Status::Ok, "{b}");
        away(&app, &people[1].1, true).await;
        let got = leads(&app, 4).await;
        let mut seq = vec![];
        for id in &got {
            seq.push(assignee(&app, &owner, id).await);
        }
        let (a, c) = (Some(people[0].0.clone()), Some(people[2].0.clone()));
        assert_eq!(
            seq,
            vec![a.clone(), c.clone(), a.clone(), c.clone()],
            "bao is away"
        );
        // The automatic assignment is an event without an actor, with its reason.
        let (_, b) = app
            .get(&format!("/api/v1/inquiries/{}", got[0]), Some(&owner))
            .await;
        let step = b["data"]["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["type"] == "assigned")
            .cloned()
            .unwrap_or_else(|| panic!("{b}"));
        assert_eq!(step["actor"], Value::Null, "{step}");
        assert_eq!(step["data"]["reason"], "round_robin", "{step}");
        assert_eq!(step["data"]["backlog"], false, "{step}");
        (owner, people)
    };
    // A new process on the same folder continues the rotation where it stopped.
    let app = TestApp::spawn_in(dir.path()).await;
    let owner = {
        let _ = owner;
        app.owner_token().await
    };
    let got = leads(&app, 2).await;
    assert_eq!(
        assignee(&app, &owner, &got[0]).await,
        Some(people[0].0.clone())
    );
    assert_eq!(
        assignee(&app, &owner, &got[1]).await,
        Some(people[2].0.clone())
    );
    // Bao is back: the turn after Cam's goes to Ann, then Bao.
    away(&app, &people[1].1, false).await;
    let got = leads(&app, 2).await;
    assert_eq!(
        assignee(&app, &owner, &got[0]).await,
        Some(people[0].0.clone())
    );
    assert_eq!(
        assignee(&app, &owner, &got[1]).await,
        Some(people[1].0.clone())
    );
}

#[rocket::async_test]
async fn capacity_is_respected_and_the_backlog_drains_oldest_first_when_someone_is_free() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let people = reps(&app, &["dan", "eve"]).await;
    let ids: Vec<&str> = people.iter().map(|(id, _)| id.as_str()).collect();
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "least_open", "memberIds": ids, "capacity": 2 }),
    )
    .await;
    assert_eq!(s, Status::Ok, "{b}");
    let first = leads(&app, 4).await;
    let mut per: std::collections::HashMap<Option<String>, usize> = Default::default();
    for id in &first {
        *per.entry(assignee(&app, &owner, id).await).or_default() += 1;
    }
    assert_eq!(per.get(&Some(people[0].0.clone())), Some(&2), "{per:?}");
    assert_eq!(per.get(&Some(people[1].0.clone())), Some(&2), "{per:?}");
    // Both are full: the next three wait, unassigned, in NEW.
    let waiting = leads(&app, 3).await;
    for id in &waiting {
        assert_eq!(assignee(&app, &owner, id).await, None, "capacity 2");
    }
    let (_, b) = app.get("/api/v1/leads?assigneeId=none", Some(&owner)).await;
    assert_eq!(b["data"]["pagination"]["totalItems"], 3, "{b}");
    // Dan loses one of his: he is under capacity again and gets the oldest waiting lead.
    let dans: Vec<&String> = {
        let mut v = vec![];
        for id in &first {
            if assignee(&app, &owner, id).await == Some(people[0].0.clone()) {
                v.push(id);
            }
        }
        v
    };
    let (s, b) = app
        .post_json(
            &format!("/api/v1/inquiries/{}/lose", dans[0]),
            Some(&people[0].1),
            json!({ "reason": "Went elsewhere" }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert_eq!(
        assignee(&app, &owner, &waiting[0]).await,
        Some(people[0].0.clone()),
        "the oldest waiting lead"
    );
    assert_eq!(assignee(&app, &owner, &waiting[1]).await, None);
    // Eve goes away and comes back: still full, nothing moves; raise the capacity and the rest
    // drain, oldest first, from the backlog.
    away(&app, &people[1].1, true).await;
    away(&app, &people[1].1, false).await;
    assert_eq!(assignee(&app, &owner, &waiting[1]).await, None);
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "least_open", "memberIds": ids, "capacity": 3 }),
    )
    .await;
    assert_eq!(s, Status::Ok, "{b}");
    assert!(assignee(&app, &owner, &waiting[1]).await.is_some());
    assert!(assignee(&app, &owner, &waiting[2]).await.is_some());
    let (_, b) = app
        .get(&format!("/api/v1/inquiries/{}", waiting[2]), Some(&owner))
        .await;
    let step = b["data"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "assigned")
        .cloned()
        .unwrap_or_else(|| panic!("{b}"));
    assert_eq!(step["data"]["backlog"], true, "{step}");
    assert_eq!(step["data"]["reason"], "least_open", "{step}");
}

#[rocket::async_test]
async fn a_member_coming_back_takes_the_waiting_leads_oldest_first() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let people = reps(&app, &["jon", "kim"]).await;
    let ids: Vec<&str> = people.iter().map(|(id, _)| id.as_str()).collect();
    let (s, _) = rule(
        &app,
        &owner,
        json!({ "mode": "round_robin", "memberIds": ids, "capacity": 2 }),
    )
    .await;
    assert_eq!(s, Status::Ok);
    away(&app, &people[0].1, true).await;
    away(&app, &people[1].1, true).await;
    let waiting = leads(&app, 3).await;
    for id in &waiting {
        assert_eq!(assignee(&app, &owner, id).await, None, "everyone is away");
    }
    // Jon comes back: the two oldest are his (his capacity), the newest still waits.
    away(&app, &people[0].1, false).await;
    assert_eq!(
        assignee(&app, &owner, &waiting[0]).await,
        Some(people[0].0.clone())
    );
    assert_eq!(
        assignee(&app, &owner, &waiting[1]).await,
        Some(people[0].0.clone())
    );
    assert_eq!(assignee(&app, &owner, &waiting[2]).await, None);
    // Kim comes back and takes the last one.
    away(&app, &people[1].1, false).await;
    assert_eq!(
        assignee(&app, &owner, &waiting[2]).await,
        Some(people[1].0.clone())
    );
}

#[rocket::async_test]
async fn fifty_concurrent_captures_share_out_evenly() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let people = reps(&app, &["fay", "gus", "hal"]).await;
    let ids: Vec<&str> = people.iter().map(|(id, _)| id.as_str()).collect();
    let (s, _) = rule(
        &app,
        &owner,
        json!({ "mode": "round_robin", "memberIds": ids }),
    )
    .await;
    assert_eq!(s, Status::Ok);
    app.settings(
        &owner,
        json!({ "rateLimits": { "publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0 } }),
    )
    .await;
    let uri = format!("/api/public/forms/{}/inquiries", app.public_key());
    let sends = (0..50).map(|i| {
        let (app, uri) = (&app, uri.clone());
        async move {
            app.post_json(
                &uri,
                None,
                json!({ "name": format!("Rush {i}"), "email": format!("rush{i}@example.com"),
                    "message": "At the same moment" }),
            )
            .await
        }
    });
    for (s, b) in rocket::futures::future::join_all(sends).await {
        assert_eq!(s, Status::Created, "{b}");
    }
    let db = app.db();
    let counts: Vec<i64> = ids
        .iter()
        .map(|m| {
            db.query_row(
                "SELECT COUNT(*) FROM inquiries WHERE assignee_id = ?1",
                [m],
                |r| r.get(0),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(counts.iter().sum::<i64>(), 50, "{counts:?}");
    let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(hi - lo <= 1, "{counts:?}");
}

#[rocket::async_test]
async fn bad_rules_and_targets_are_named() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let sales = app
        .user_with_role("sal@example.com", "sales", "default")
        .await;
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "round_robin", "memberIds": ["nobody"] }),
    )
    .await;
    assert_eq!(s, Status::BadRequest, "{b}");
    common::assert_error(&b, "VALIDATION_ERROR", Some("memberIds[0]"));
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "round_robin", "memberIds": [] }),
    )
    .await;
    assert_eq!(s, Status::BadRequest, "{b}");
    common::assert_error(&b, "VALIDATION_ERROR", Some("memberIds"));
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "manual", "capacity": 100001 }),
    )
    .await;
    assert_eq!(s, Status::BadRequest, "{b}");
    common::assert_error(&b, "VALIDATION_ERROR", Some("capacity"));
    let (s, b) = rule(&app, &owner, json!({ "mode": "manual", "capacity": 3.0 })).await;
    assert_eq!(s, Status::Ok, "a whole number written 3.0: {b}");
    // Searching while sorting by due time.
    let (s, b) = app
        .get(
            "/api/v1/leads?q=quote&sortBy=dueAt&overdue=true",
            Some(&owner),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, b) = rule(&app, &owner, json!({ "mode": "sometimes" })).await;
    assert_eq!(s, Status::BadRequest, "{b}");
    common::assert_error(&b, "VALIDATION_ERROR", Some("mode"));
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "manual", "kinds": ["pricing_selection"] }),
    )
    .await;
    assert_eq!(s, Status::BadRequest, "{b}");
    common::assert_error(&b, "VALIDATION_ERROR", Some("kinds[0]"));
    let (s, _) = rule(&app, &sales, json!({ "mode": "manual" })).await;
    assert_eq!(s, Status::Forbidden, "sales may not change the rule");
    let sla = |b: Value| {
        let app = &app;
        let owner = owner.clone();
        async move {
            app.put_json("/api/v1/workspaces/default/sla", Some(&owner), b)
                .await
        }
    };
    let hours = |tz: &str, from: &str, to: &str, holidays: Value| {
        json!({ "firstResponseMinutes": 60, "workingHours": {
            "tz": tz, "days": ["mon"], "from": from, "to": to, "holidays": holidays } })
    };
    for (body, field) in [
        (
            hours("Mars/Olympus", "09:00", "17:00", json!([])),
            "workingHours.tz",
        ),
        (hours("UTC", "17:00", "09:00", json!([])), "workingHours.to"),
        (hours("UTC", "9am", "17:00", json!([])), "workingHours.from"),
        (
            hours("UTC", "09:00", "17:00", json!(["2026-02-30"])),
            "workingHours.holidays[0]",
        ),
        (json!({ "firstResponseMinutes": 0 }), "firstResponseMinutes"),
        (
            json!({ "firstResponseMinutes": 30, "reminderMinutes": 30 }),
            "reminderMinutes",
        ),
        (
            json!({ "firstResponseMinutes": "soon" }),
            "firstResponseMinutes",
        ),
    ] {
        let (s, b) = sla(body.clone()).await;
        assert_eq!(s, Status::BadRequest, "{body}: {b}");
        common::assert_error(&b, "VALIDATION_ERROR", Some(field));
    }
    let (s, b) = app
        .put_json(
            "/api/v1/me/availability",
            Some(&sales),
            json!({ "away": "yes" }),
        )
        .await;
    assert_eq!(s, Status::BadRequest, "{b}");
    common::assert_error(&b, "VALIDATION_ERROR", Some("away"));
    // The test clock is not there unless configured.
    let (s, _) = app
        .post_json(
            "/api/v1/test/clock",
            Some(&owner),
            json!({ "advanceMinutes": 5 }),
        )
        .await;
    assert_eq!(s, Status::NotFound);
}

/// Friday 4 December 2026, 16:00 in Hanoi.
fn friday_afternoon() -> time::OffsetDateTime {
    time::macros::datetime!(2026-12-04 09:00 UTC)
}

#[rocket::async_test]
async fn due_time_counts_working_hours_and_the_reminder_and_escalation_go_once_through_every_channel(
) {
    let Some(py) = python() else { return };
    let port = free_port();
    let smtp = Smtp::start(&py, port);
    let rx = Receiver::start().await;
    let app = TestApp::spawn_with(|f| {
        f.merge(("smtp_url", format!("smtp://127.0.0.1:{port}")))
            .merge(("smtp_from", "leadbox <leads@acme.test>"))
            .merge(("webhook_allow_private", true))
    })
    .await;
    let clock = &app.state().clock;
    clock.set(friday_afternoon());
    let owner = app.owner_token().await;
    let people = reps(&app, &["ivy"]).await;
    let (rep, rep_token) = people[0].clone();
    // The rep wants email and push for leads assigned to them; the owner for new leads.
    for (token, body) in [
        (
            &rep_token,
            json!({ "email": { "assignedToMe": true }, "push": { "assignedToMe": true } }),
        ),
        (&owner, json!({ "email": { "newLeads": true } })),
    ] {
        let (s, b) = app
            .put_json("/api/v1/me/notifications", Some(token), body)
            .await;
        assert_eq!(s, Status::Ok, "{b}");
    }
    // Escalations have a choice of their own: one admin takes only them, another every new
    // lead but not them; the owner never chose, so they follow the owner's new-lead email.
    let max = app
        .user_with_role("max@example.com", "admin", "default")
        .await;
    let zoe = app
        .user_with_role("zoe@example.com", "admin", "default")
        .await;
    for (token, body, email) in [
        (
            &max,
            json!({ "email": { "escalations": true } }),
            json!({ "newLeads": false, "assignedToMe": false, "dailyDigest": false, "escalations": true }),
        ),
        (
            &zoe,
            json!({ "email": { "newLeads": true, "escalations": false } }),
            json!({ "newLeads": true, "assignedToMe": false, "dailyDigest": false, "escalations": false }),
        ),
        (
            &owner,
            json!({}),
            json!({ "newLeads": true, "assignedToMe": false, "dailyDigest": false, "escalations": true }),
        ),
    ] {
        let (s, b) = app
            .put_json("/api/v1/me/notifications", Some(token), body)
            .await;
        assert_eq!(s, Status::Ok, "{b}");
        assert_eq!(b["data"]["email"], email, "{b}");
        assert_eq!(b["data"]["push"]["escalations"], false, "{b}");
    }
    let browser = Browser::new();
    let (s, b) = app
        .post_json(
            "/api/v1/me/push-subscriptions",
            Some(&rep_token),
            browser.subscription(&rx.url("/push/ivy")),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    let (s, b) = app
        .post_json(
            "/api/v1/webhooks",
            Some(&owner),
            json!({ "url": rx.url("/hook"), "topics": [
                "observation/leads/lead/due-soon", "observation/leads/lead/overdue"] }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    rx.queue(&[Answer::Status(200); 8]);
    let (s, b) = rule(
        &app,
        &owner,
        json!({ "mode": "round_robin", "memberIds": [rep] }),
    )
    .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (s, b) = app
        .put_json(
            "/api/v1/workspaces/default/sla",
            Some(&owner),
            json!({ "firstResponseMinutes": 120, "reminderMinutes": 30, "workingHours": {
                "tz": "Asia/Ho_Chi_Minh", "days": ["mon", "tue", "wed", "thu", "fri"],
                "from": "09:00", "to": "17:00", "holidays": ["2026-12-07"] } }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let id = leads(&app, 1).await.remove(0);
    // One hour on Friday; Monday the 7th is a holiday; the other hour on Tuesday from 09:00.
    let (_, b) = app.get(&format!("/api/v1/leads/{id}"), Some(&owner)).await;
    assert_eq!(b["data"]["dueAt"], "2026-12-08T03:00:00.000Z", "{b}");
    assert_eq!(b["data"]["overdue"], false);
    assert_eq!(b["data"]["assigneeId"], json!(rep));
    let sweep = |minutes: i64| {
        let app = &app;
        async move {
            app.state().clock.advance(time::Duration::minutes(minutes));
            leadbox::leads::routing::api::sweep(app.state())
                .await
                .unwrap()
        }
    };
    // Tuesday 09:20 Hanoi: not yet the reminder (it is at 09:30).
    assert_eq!(sweep(60 + 24 * 60 * 3 + 16 * 60 + 20).await, (0, 0));
    assert_eq!(sweep(10).await, (1, 0), "the reminder at 09:30");
    assert_eq!(sweep(10).await, (0, 0), "once");
    assert_eq!(sweep(20).await, (0, 1), "the escalation at 10:00");
    assert_eq!(sweep(60).await, (0, 0), "once");
    let (_, b) = app.get("/api/v1/leads?overdue=true", Some(&owner)).await;
    assert_eq!(b["data"]["items"][0]["id"], json!(id), "{b}");
    assert_eq!(b["data"]["items"][0]["overdue"], true);
    let (_, b) = app.get("/api/v1/leads?sortBy=dueAt", Some(&owner)).await;
    assert_eq!(b["data"]["pagination"]["totalItems"], 1, "{b}");
    // Webhooks: each topic once.
    let hits = rx
        .wait_for("two webhook messages", 20, |h| {
            h.iter().filter(|x| x.path == "/hook").count() >= 2
        })
        .await;
    let mut types: Vec<String> = hits
        .iter()
        .filter(|h| h.path == "/hook")
        .map(|h| h.json()["type"].as_str().unwrap_or_default().to_string())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "observation/leads/lead/due-soon",
            "observation/leads/lead/overdue"
        ]
    );
    // Push: the assignment and the reminder reach the rep's browser.
    let pushes = rx
        .wait_for("two pushes", 20, |h| {
            h.iter().filter(|x| x.path == "/push/ivy").count() >= 2
        })
        .await;
    let mut titles: Vec<String> = pushes
        .iter()
        .filter(|h| h.path == "/push/ivy")
        .map(|h| {
            let plain = leadbox::delivery::push::decrypt(&h.body, &browser.key, &browser.auth)
                .expect("it decrypts");
            serde_json::from_slice::<Value>(&plain).unwrap()["title"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Assigned to you: Inquiry",
            "Due soon, not yet answered: Inquiry"
        ]
    );
    // Email: the rep is assigned and reminded; the owner hears of the new lead and the
    // escalation, Max of the escalation only, Zoe of the new lead only.
    let mails = smtp.wait_for(6, 20).await;
    let mut got: Vec<(String, String)> = mails
        .iter()
        .map(|m| {
            let to = mail_header(m, "To").unwrap_or_default();
            let subject = mail_header(m, "Subject").unwrap_or_default();
            (
                to,
                subject.split(':').next().unwrap_or_default().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("ivy@example.com".to_string(), "Assigned to you".to_string()),
            (
                "ivy@example.com".to_string(),
                "Due soon, not yet answered".to_string()
            ),
            (
                "max@example.com".to_string(),
                "Not answered in time".to_string()
            ),
            (common::OWNER_EMAIL.to_string(), "New".to_string()),
            (
                common::OWNER_EMAIL.to_string(),
                "Not answered in time".to_string()
            ),
            ("zoe@example.com".to_string(), "New".to_string()),
        ],
        "{mails:#?}"
    );
    // A reply stops the clock: the lead leaves the overdue list.
    let (s, b) = app
        .post_json(
            &format!("/api/v1/inquiries/{id}/reply"),
            Some(&rep_token),
            json!({ "body": "Sorry for the wait, here is the quote." }),
        )
        .await;
    assert_eq!(s, Status::Ok, "{b}");
    let (_, b) = app.get("/api/v1/leads?overdue=true", Some(&owner)).await;
    assert_eq!(b["data"]["pagination"]["totalItems"], 0, "{b}");
    let (_, b) = app.get(&format!("/api/v1/leads/{id}"), Some(&owner)).await;
    assert_eq!(b["data"]["dueAt"], Value::Null, "{b}");
    // The Overview counts it as answered late, and the rep's first response time.
    let (_, html) = {
        app.sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
            .await;
        app.page("/admin").await
    };
    assert!(html.contains("id=\"sla-weeks\""), "{html}");
    assert!(html.contains("0 / 1"), "answered late");
    assert!(html.contains("id=\"member-medians\""));
    // The lead's timeline names the reminder and the escalation, by the target, not the sender.
    let (_, page) = app.page(&format!("/admin/inquiries/{id}")).await;
    let soon = page
        .find("Reminder: the first answer is due soon")
        .expect("the reminder");
    let late = page.find("Overdue: escalated").expect("the escalation");
    assert!(soon < late);
    assert_eq!(page.matches("First-response target").count(), 2, "{page}");
    assert!(!page.contains("Done."), "an unnamed step on the timeline");
}

#[rocket::async_test]
async fn the_routing_page_saves_each_form_and_names_what_is_wrong() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let people = reps(&app, &["lan", "mai"]).await;
    let csrf = app
        .sign_in(common::OWNER_EMAIL, common::OWNER_PASSWORD)
        .await;
    let (s, html) = app.page("/admin/routing").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("id=\"assignment-form\"") && html.contains("id=\"sla-form\""));
    let (s, at, _) = app
        .post_form(
            "/admin/routing/assignment",
            &[
                ("_csrf", &csrf),
                ("mode", "least_open"),
                ("member", &people[0].0),
                ("member", &people[1].0),
                ("kind", "inquiry"),
                ("capacity", "5"),
            ],
        )
        .await;
    assert_eq!(
        (s, at.as_deref()),
        (Status::SeeOther, Some("/admin/routing"))
    );
    let (_, b) = app
        .get("/api/v1/workspaces/default/assignment", Some(&owner))
        .await;
    assert_eq!(
        b["data"],
        json!({ "mode": "least_open", "memberIds": [people[0].0, people[1].0],
                "kinds": ["inquiry"], "capacity": 5 })
    );
    // A day that ends before it starts is refused in words, and nothing changes.
    let (s, _, _) = app
        .post_form(
            "/admin/routing/sla",
            &[
                ("_csrf", &csrf),
                ("enabled", "1"),
                ("minutes", "45"),
                ("hours", "1"),
                ("tz", "Asia/Ho_Chi_Minh"),
                ("day", "mon"),
                ("from", "17:00"),
                ("to", "09:00"),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page("/admin/routing").await;
    assert!(html.contains("To: must be after from"), "{html}");
    let (_, b) = app
        .get("/api/v1/workspaces/default/sla", Some(&owner))
        .await;
    assert_eq!(b["data"]["sla"], Value::Null);
    let (s, _, _) = app
        .post_form(
            "/admin/routing/sla",
            &[
                ("_csrf", &csrf),
                ("enabled", "1"),
                ("minutes", "45"),
                ("hours", "1"),
                ("tz", "Asia/Ho_Chi_Minh"),
                ("day", "mon"),
                ("day", "fri"),
                ("from", "08:30"),
                ("to", "17:30"),
                ("holidays", "2026-12-25\n2027-01-01"),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, b) = app
        .get("/api/v1/workspaces/default/sla", Some(&owner))
        .await;
    assert_eq!(
        b["data"]["sla"],
        json!({ "firstResponseMinutes": 45, "workingHours": { "tz": "Asia/Ho_Chi_Minh",
            "days": ["mon", "fri"], "from": "08:30", "to": "17:30",
            "holidays": ["2026-12-25", "2027-01-01"] } })
    );
    // Without the form's token the post is refused.
    let (s, _, _) = app
        .post_form("/admin/routing/sla", &[("enabled", "1"), ("minutes", "5")])
        .await;
    assert_eq!(s, Status::Forbidden);
}
