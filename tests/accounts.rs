//! Accounts through the real pages: change password, owner-issued one-time reset links and
//! invitations, "forgot password" by email through a real SMTP server, the sessions list and
//! "sign out everywhere", the time zone times are shown in, and every bad input.

mod common;

use common::receiver::{mail_body, python, Smtp};
use common::server::free_port;
use common::{csrf_of, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::{Header, Status};

fn reset_url(html: &str) -> String {
    let start = html.find("/reset/").expect("a reset link on the page");
    html[start..]
        .split(|c: char| c == '<' || c == '"' || c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

async fn sessions(app: &TestApp) -> i64 {
    app.db()
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .unwrap()
}

async fn signs_in(app: &TestApp, email: &str, password: &str) -> bool {
    let page = app.page("/login").await.1;
    let (s, loc, _) = app
        .post_form(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("_csrf", &csrf_of(&page)),
            ],
        )
        .await;
    s == Status::SeeOther && loc.as_deref() == Some("/admin")
}

#[rocket::async_test]
async fn a_password_is_changed_with_the_current_one_and_other_sessions_end() {
    let app = TestApp::spawn().await;
    leadbox_session_elsewhere(&app).await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert!(sessions(&app).await >= 2);
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("id=\"change-password\"") && html.contains("id=\"session-list\""));
    for (current, new, confirm, why) in [
        (
            "wrong-password-1",
            "brand-new-pass-1",
            "brand-new-pass-1",
            "wrong current",
        ),
        (OWNER_PASSWORD, "short", "short", "too short"),
        (
            OWNER_PASSWORD,
            "brand-new-pass-1",
            "brand-new-pass-2",
            "mismatch",
        ),
    ] {
        let (s, loc, _) = app
            .post_form(
                "/admin/account/password",
                &[
                    ("current", current),
                    ("password", new),
                    ("confirm", confirm),
                    ("_csrf", &csrf),
                ],
            )
            .await;
        assert_eq!(s, Status::SeeOther, "{why}");
        assert_eq!(loc.as_deref(), Some("/admin/account#password"));
        let (_, html) = app.page("/admin/account").await;
        assert!(
            html.contains("flash-error"),
            "{why} is refused with a message"
        );
    }
    let (s, _, _) = app
        .post_form(
            "/admin/account/password",
            &[
                ("current", OWNER_PASSWORD),
                ("password", "brand-new-pass-1"),
                ("confirm", "brand-new-pass-1"),
                ("_csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(s, Status::Forbidden, "CSRF is checked");
    let (s, _, _) = app
        .post_form(
            "/admin/account/password",
            &[
                ("current", OWNER_PASSWORD),
                ("password", "brand-new-pass-1"),
                ("confirm", "brand-new-pass-1"),
                ("_csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("flash-success"), "{html}");
    assert_eq!(sessions(&app).await, 1, "only this browser stays signed in");
    app.post_form("/logout", &[("_csrf", &csrf)]).await;
    assert!(!signs_in(&app, OWNER_EMAIL, OWNER_PASSWORD).await);
    assert!(signs_in(&app, OWNER_EMAIL, "brand-new-pass-1").await);
}

/// A session of the owner in another browser (a row as a sign-in there writes it).
async fn leadbox_session_elsewhere(app: &TestApp) {
    let user: String = app
        .db()
        .query_row("SELECT id FROM users", [], |r| r.get(0))
        .unwrap();
    app.db()
        .execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, user_agent)
             VALUES ('elsewhere', ?1, 'x', '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z', 'Firefox · Linux')",
            [user],
        )
        .unwrap();
}

#[rocket::async_test]
async fn an_owner_issues_a_one_time_reset_link_that_works_once() {
    let app = TestApp::spawn().await;
    app.user_with_role("rep@example.com", "sales", "default")
        .await;
    app.user_with_role("boss@example.com", "admin", "default")
        .await;
    let rep = app.user_id("rep@example.com");
    // An admin is not an owner: no link.
    let csrf = app.sign_in("boss@example.com", "member-password-1").await;
    let (_, html) = app.page("/admin/members").await;
    assert!(
        !html.contains("/reset-link"),
        "only owners see the reset button"
    );
    let (s, _, _) = app
        .post_form(
            &format!("/admin/members/{rep}/reset-link"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    app.post_form("/logout", &[("_csrf", &csrf)]).await;

    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _, _) = app
        .post_form(
            "/admin/members/not-a-member/reset-link",
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::NotFound);
    let (s, _, html) = app
        .post_form(
            &format!("/admin/members/{rep}/reset-link"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::Ok);
    let url = reset_url(&html);
    let token = url.trim_start_matches("/reset/");
    let stored: i64 = app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM password_resets WHERE token_hash = ?1",
            [token],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 0, "only the token's hash is stored");
    app.post_form("/logout", &[("_csrf", &csrf)]).await;

    let (s, page) = app.page(&url).await;
    assert_eq!(s, Status::Ok);
    let pre = csrf_of(&page);
    let (s, _, body) = app
        .post_form(
            &url,
            &[
                ("password", "rep-new-pass-1"),
                ("confirm", "other-pass-11"),
                ("_csrf", &pre),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest, "a mismatch keeps the link usable");
    assert!(body.contains("flash-error"));
    let (s, _, _) = app
        .post_form(
            &url,
            &[
                ("password", "rep-new-pass-1"),
                ("confirm", "rep-new-pass-1"),
                ("_csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, loc, _) = app
        .post_form(
            &url,
            &[
                ("password", "rep-new-pass-1"),
                ("confirm", "rep-new-pass-1"),
                ("_csrf", &pre),
            ],
        )
        .await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/login")));
    assert!(!signs_in(&app, "rep@example.com", "member-password-1").await);
    assert!(signs_in(&app, "rep@example.com", "rep-new-pass-1").await);
    let (s, _) = app.page(&url).await;
    assert_eq!(s, Status::Gone, "a link works once");
    let (s, _) = app.page("/reset/made-up-token").await;
    assert_eq!(s, Status::Gone);
}

fn invite_url(html: &str) -> String {
    let start = html
        .find("/invite/")
        .expect("an invitation link on the page");
    html[start..]
        .split(|c: char| c == '<' || c == '"' || c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

/// The members page with the link and the time left out: what an inviter is shown.
fn answer_shape(html: &str, email: &str) -> String {
    let url = invite_url(html);
    let mut out = html.replace(&url, "LINK").replace(email, "EMAIL");
    // The pending list shows when each invitation expires.
    while let Some(i) = out.find("data-label=\"Expires\">") {
        let j = out[i..].find("</td>").unwrap() + i;
        out.replace_range(i..j, "");
    }
    out
}

async fn invite(app: &TestApp, csrf: &str, email: &str, role: &str) -> (Status, String) {
    let (s, _, html) = app
        .post_form(
            "/admin/members",
            &[("email", email), ("role", role), ("_csrf", csrf)],
        )
        .await;
    (s, html)
}

async fn accept(
    app: &TestApp,
    url: &str,
    fields: &[(&str, &str)],
) -> (Status, Option<String>, String) {
    let (st, html) = app.page(url).await;
    assert_eq!(st, Status::Ok, "{url}: {html}");
    let pre = csrf_of(&html);
    let mut all = fields.to_vec();
    all.push(("_csrf", &pre));
    app.post_form(url, &all).await
}

#[rocket::async_test]
async fn adding_a_member_is_an_invitation_that_answers_the_same_for_known_and_unknown_emails() {
    let app = TestApp::spawn().await;
    // An account that exists elsewhere on this appliance: a member of another workspace only.
    let owner = app.owner_token().await;
    let (s, b) = app
        .post_json(
            "/api/v1/workspaces",
            Some(&owner),
            serde_json::json!({ "name": "Other", "slug": "other" }),
        )
        .await;
    assert_eq!(s, Status::Created, "{b}");
    app.user_with_role("known@example.com", "sales", "other")
        .await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s1, known) = invite(&app, &csrf, "known@example.com", "sales").await;
    let (s2, unknown) = invite(&app, &csrf, "unknown@example.com", "sales").await;
    assert_eq!((s1, s2), (Status::Ok, Status::Ok));
    let known_shape = answer_shape(&known, "known@example.com");
    let unknown_shape = answer_shape(&unknown, "unknown@example.com");
    assert!(known_shape.contains("Invitation link for EMAIL"));
    assert!(unknown_shape.contains("Invitation link for EMAIL"));
    // Up to the pending list (the second answer lists both invitations).
    let strip = |h: &str| h.split("id=\"invitations\"").next().unwrap().to_string();
    assert_eq!(
        strip(&known_shape),
        strip(&unknown_shape),
        "the answer must not tell whether the email has an account"
    );
    // Nobody joined yet: the known account is not a member until it accepts.
    let members: i64 = app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
             JOIN workspaces w ON w.id = m.workspace_id
             WHERE u.email = 'known@example.com' AND w.slug = 'default'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(members, 0, "no membership without consent");
    app.post_form("/logout", &[("_csrf", &csrf)]).await;

    // The known person accepts with their own password; a wrong one is refused.
    let url = invite_url(&known);
    let (s, _, html) = accept(&app, &url, &[("password", "not-their-password")]).await;
    assert_eq!(s, Status::Unauthorized, "{html}");
    let (s, loc, _) = accept(&app, &url, &[("password", "member-password-1")]).await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/admin")));
    let token = app
        .token_for("known@example.com", "member-password-1")
        .await;
    let (_, b) = app.get("/api/v1/workspaces", Some(&token)).await;
    let slugs: Vec<&str> = b["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["slug"].as_str().unwrap())
        .collect();
    assert!(
        slugs.contains(&"default") && slugs.contains(&"other"),
        "{b}"
    );
    let (s, _) = app.page(&url).await;
    assert_eq!(s, Status::Gone, "an invitation works once");

    // The unknown person chooses a password and an account is made.
    let url = invite_url(&unknown);
    let (s, _, html) = accept(&app, &url, &[("password", "short")]).await;
    assert_eq!(s, Status::BadRequest, "{html}");
    assert!(html.contains("at least 8"), "{html}");
    let (s, loc, _) = accept(
        &app,
        &url,
        &[("name", "New Rep"), ("password", "chosen-pass-1")],
    )
    .await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/admin")));
    app.token_for("unknown@example.com", "chosen-pass-1").await;
    let (s, _) = app.page("/invite/made-up-token").await;
    assert_eq!(s, Status::Gone);
}

#[rocket::async_test]
async fn an_invitation_can_be_revoked_and_a_member_is_not_invited_twice() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = invite(&app, &csrf, OWNER_EMAIL, "sales").await;
    assert_eq!(s, Status::BadRequest, "already a member");
    assert!(html.contains("already a member"), "{html}");
    let (s, html) = invite(&app, &csrf, "not-an-email", "boss").await;
    assert_eq!(s, Status::BadRequest);
    assert!(html.contains("aria-invalid") || html.contains("flash-error"));
    let (_, html) = invite(&app, &csrf, "later@example.com", "viewer").await;
    let url = invite_url(&html);
    let id: String = app
        .db()
        .query_row(
            "SELECT token_hash FROM invitations WHERE used_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (s, _, _) = app
        .post_form(
            &format!("/admin/members/invitations/{id}/revoke"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let (s, _) = app.page(&url).await;
    assert_eq!(s, Status::Gone, "a revoked invitation no longer opens");
    let (s, _, _) = app
        .post_form(
            "/admin/members/invitations/unknown/revoke",
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::NotFound);
}

#[rocket::async_test]
async fn forgot_password_mails_a_link_and_says_the_same_for_unknown_addresses() {
    let app = TestApp::spawn().await;
    let (s, html) = app.page("/forgot").await;
    assert_eq!(s, Status::Ok);
    assert!(!html.contains("id=\"forgot-send\""), "no form without SMTP");
    let Some(py) = python() else { return };
    let port = free_port();
    let smtp = Smtp::start(&py, port);
    let app = TestApp::spawn_with(move |f| {
        f.merge(("smtp_url", format!("smtp://127.0.0.1:{port}")))
            .merge(("smtp_from", "leadbox <leads@acme.test>"))
    })
    .await;
    let (_, html) = app.page("/forgot").await;
    assert!(html.contains("id=\"forgot-send\""));
    let pre = csrf_of(&html);
    let (s, _, unknown) = app
        .post_form(
            "/forgot",
            &[("email", "nobody@example.com"), ("_csrf", &pre)],
        )
        .await;
    assert_eq!(s, Status::Ok);
    let (s, _, known) = app
        .post_form("/forgot", &[("email", OWNER_EMAIL), ("_csrf", &pre)])
        .await;
    assert_eq!(s, Status::Ok);
    let said = |h: &str| h.contains("id=\"forgot-sent\"");
    assert!(said(&unknown) && said(&known), "the same answer either way");
    let (s, _, _) = app
        .post_form("/forgot", &[("email", OWNER_EMAIL), ("_csrf", "forged")])
        .await;
    assert_eq!(s, Status::Forbidden);
    let mail = smtp.wait_for(1, 20).await;
    assert_eq!(mail.len(), 1, "one mail, to the account that exists");
    let body = mail_body(&mail[0]);
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/reset/"))
        .expect("a link in the mail")
        .to_string();
    let path = &link[link.find("/reset/").unwrap()..];
    let pre = csrf_of(&app.page(path).await.1);
    let (s, _, _) = app
        .post_form(
            path,
            &[
                ("password", "mailed-pass-1"),
                ("confirm", "mailed-pass-1"),
                ("_csrf", &pre),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    assert!(signs_in(&app, OWNER_EMAIL, "mailed-pass-1").await);
}

#[rocket::async_test]
async fn signing_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    leadbox_session_elsewhere(&app).await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page("/admin/account").await;
    assert!(
        html.contains("Firefox · Linux"),
        "the other browser is listed"
    );
    let (s, _, _) = app
        .post_form("/admin/account/sessions/end-others", &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::SeeOther);
    assert_eq!(sessions(&app).await, 1);
    let (s, loc, _) = app
        .post_form("/admin/account/sessions/end-all", &[("_csrf", &csrf)])
        .await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/login")));
    assert_eq!(sessions(&app).await, 0);
    let res = app.client.get("/admin").dispatch().await;
    assert_ne!(res.status(), Status::Ok, "signed out here too");
}

#[rocket::async_test]
async fn times_show_in_the_chosen_zone_and_a_bad_zone_is_refused() {
    let app = TestApp::spawn().await;
    let id = app.new_inquiry("Zoe Zone").await;
    app.db()
        .execute(
            "UPDATE inquiries SET created_at = '2026-12-01T08:09:10.517Z' WHERE id = ?1",
            [&id],
        )
        .unwrap();
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (_, html) = app.page(&format!("/admin/inquiries/{id}")).await;
    assert!(
        html.contains("2026-12-01 08:09 UTC"),
        "UTC, said so, before a zone is chosen"
    );
    let (s, _, _) = app
        .post_form(
            "/admin/account/time-zone",
            &[("time_zone", "Mars/Olympus"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page("/admin/account").await;
    assert!(html.contains("flash-error"));
    app.post_form(
        "/admin/account/time-zone",
        &[("time_zone", "Asia/Ho_Chi_Minh"), ("_csrf", &csrf)],
    )
    .await;
    let (_, html) = app.page(&format!("/admin/inquiries/{id}")).await;
    assert!(
        html.contains("2026-12-01 15:09"),
        "shown in Ho Chi Minh City time"
    );
    assert!(html.contains("data-tz=\"Asia/Ho_Chi_Minh\""));
}

#[rocket::async_test]
async fn public_pages_follow_the_browser_language() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get("/login")
        .header(Header::new("Accept-Language", "vi-VN,vi;q=0.9,en;q=0.5"))
        .dispatch()
        .await;
    let html = res.into_string().await.unwrap();
    assert!(html.contains("lang=\"vi\"") && html.contains("Quên mật khẩu?"));
    let res = app
        .client
        .get("/login")
        .header(Header::new("Accept-Language", "en-GB,vi;q=0.2"))
        .dispatch()
        .await;
    assert!(res.into_string().await.unwrap().contains("lang=\"en\""));
}

#[rocket::async_test]
async fn with_smtp_an_invitation_is_also_emailed_and_the_mailed_link_works() {
    let Some(py) = python() else { return };
    let port = free_port();
    let smtp = Smtp::start(&py, port);
    let app = TestApp::spawn_with(move |f| {
        f.merge(("smtp_url", format!("smtp://127.0.0.1:{port}")))
            .merge(("smtp_from", "leadbox <leads@acme.test>"))
    })
    .await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, html) = invite(&app, &csrf, "mailed@example.com", "support").await;
    assert_eq!(s, Status::Ok);
    assert!(
        html.contains("It was also emailed to that address."),
        "{html}"
    );
    let shown = invite_url(&html);
    let mail = smtp.wait_for(1, 20).await;
    assert_eq!(mail.len(), 1);
    let body = mail_body(&mail[0]);
    assert!(body.contains("Default"), "{body}");
    let link = body
        .split_whitespace()
        .find(|w| w.contains("/invite/"))
        .expect("a link in the mail")
        .to_string();
    let path = link[link.find("/invite/").unwrap()..].to_string();
    assert_eq!(path, shown, "the mail carries the link the page showed");
    app.post_form("/logout", &[("_csrf", &csrf)]).await;
    let (s, loc, _) = accept(&app, &path, &[("password", "mailed-pass-1")]).await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/admin")));
    app.token_for("mailed@example.com", "mailed-pass-1").await;
}
