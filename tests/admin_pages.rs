//! The admin shell through its real forms: sign-in, CSRF, setup link, settings, members,
//! tokens, language.

mod common;

use common::{csrf_of, TestApp, OWNER_EMAIL, OWNER_PASSWORD};
use rocket::http::{ContentType, Header, Status};
use serde_json::json;

#[rocket::async_test]
async fn signed_out_visitors_are_sent_to_the_sign_in_page() {
    let app = TestApp::spawn().await;
    let res = app.client.get("/admin/settings").dispatch().await;
    assert_eq!(res.status(), Status::SeeOther);
    assert_eq!(
        res.headers().get_one("Location"),
        Some("/login?next=%2Fadmin%2Fsettings"),
        "back to that page after signing in"
    );
    let res = app.client.get("/admin").dispatch().await;
    assert_eq!(res.headers().get_one("Location"), Some("/login"));
    let (s, html) = app.page("/login").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("Sign in to leadbox"));
}

#[rocket::async_test]
async fn the_owner_signs_in_and_sees_the_shell_with_a_strict_csp() {
    let app = TestApp::spawn().await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let res = app.client.get("/admin").dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    let csp = res
        .headers()
        .get_one("Content-Security-Policy")
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    let html = res.into_string().await.unwrap();
    for nav in ["Overview", "Settings", "Members", "API tokens", "Sign out"] {
        assert!(html.contains(nav), "missing {nav}");
    }
    assert!(!html.contains("<script>"), "no inline script");
}

#[rocket::async_test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get("/login")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    let res = app
        .client
        .post("/login")
        .header(ContentType::Form)
        .body(common::form(&[
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
            ("_csrf", &csrf_of(&page)),
        ]))
        .dispatch()
        .await;
    let cookie = res
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("lb_session="))
        .expect("a session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[rocket::async_test]
async fn a_wrong_password_re_renders_the_form_with_401_and_keeps_the_email() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get("/login")
        .dispatch()
        .await
        .into_string()
        .await
        .unwrap();
    let (s, _, html) = app
        .post_form(
            "/login",
            &[
                ("email", OWNER_EMAIL),
                ("password", "bad-password"),
                ("_csrf", &csrf_of(&page)),
            ],
        )
        .await;
    assert_eq!(s, Status::Unauthorized);
    assert!(html.contains("Wrong email or password"));
    assert!(html.contains(&format!("value=\"{OWNER_EMAIL}\"")));
}

#[rocket::async_test]
async fn a_login_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.client.get("/login").dispatch().await;
    let (s, _, html) = app
        .post_form(
            "/login",
            &[
                ("email", OWNER_EMAIL),
                ("password", OWNER_PASSWORD),
                ("_csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    assert!(html.contains("expired"));
    let (s, _) = app.page("/admin").await;
    assert_eq!(s, Status::SeeOther, "still signed out");
}

#[rocket::async_test]
async fn admin_forms_without_the_session_csrf_token_are_403() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    for uri in [
        "/admin/settings",
        "/admin/tokens",
        "/admin/members",
        "/logout",
        "/admin/locale",
    ] {
        let (s, _, _) = app
            .post_form(uri, &[("_csrf", "wrong"), ("name", "x"), ("locale", "vi")])
            .await;
        assert_eq!(s, Status::Forbidden, "{uri}");
        let (s, _, _) = app.post_form(uri, &[("name", "x")]).await;
        assert_eq!(s, Status::Forbidden, "{uri} without token");
    }
    let (s, _, _) = app
        .post_form("/admin/tokens", &[("_csrf", &csrf), ("name", "ok")])
        .await;
    assert_eq!(s, Status::Created);
}

#[rocket::async_test]
async fn session_api_calls_with_unsafe_methods_need_the_csrf_header() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _) = app.get("/api/v1/workspaces", None).await;
    assert_eq!(s, Status::Ok, "a session reads without a CSRF header");
    let res = app
        .client
        .patch("/api/v1/workspaces/default")
        .header(ContentType::JSON)
        .body(json!({ "name": "Via session" }).to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Forbidden);
    let body: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    common::assert_error(&body, "FORBIDDEN", Some("X-CSRF-Token"));
    let res = app
        .client
        .patch("/api/v1/workspaces/default")
        .header(ContentType::JSON)
        .header(Header::new("X-CSRF-Token", csrf))
        .body(json!({ "name": "Via session" }).to_string())
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::Ok);
}

#[rocket::async_test]
async fn signing_out_ends_the_session_server_side() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, loc, _) = app.post_form("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/login")));
    let n: i64 = app
        .db()
        .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
    let (s, _) = app.page("/admin").await;
    assert_eq!(s, Status::SeeOther);
}

#[rocket::async_test]
async fn an_expired_session_is_signed_out() {
    let app = TestApp::spawn().await;
    app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    app.db()
        .execute(
            "UPDATE sessions SET expires_at = '2020-01-01T00:00:00Z'",
            [],
        )
        .unwrap();
    let (s, _) = app.page("/admin").await;
    assert_eq!(s, Status::SeeOther);
}

#[rocket::async_test]
async fn the_setup_link_creates_the_owner_once() {
    let app = TestApp::spawn_without_owner().await;
    let (s, _) = app.page("/setup/not-the-token").await;
    assert_eq!(s, Status::Gone);
    // The token is only printed; tests read it by replacing the stored hash with a known one.
    let token = "known-setup-token-for-the-test-0001";
    app.db()
        .execute(
            "UPDATE setup_tokens SET token_hash = ?1",
            [leadbox::util::sha256_hex(token)],
        )
        .unwrap();
    let (s, html) = app.page(&format!("/setup/{token}")).await;
    assert_eq!(s, Status::Ok);
    let csrf = csrf_of(&html);
    let uri = format!("/setup/{token}");
    let (s, _, html) = app
        .post_form(
            &uri,
            &[
                ("_csrf", &csrf),
                ("name", "Ada"),
                ("email", "bad"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(html.contains("value=\"Ada\""), "values kept");
    assert!(html.contains("must be a valid email address") && html.contains("at least 8"));
    let (s, _, _) = app
        .post_form(
            &uri,
            &[
                ("_csrf", &csrf),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "long-enough-1"),
                ("confirm", "different-1"),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    let (s, loc, _) = app
        .post_form(
            &uri,
            &[
                ("_csrf", &csrf),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "long-enough-1"),
                ("confirm", "long-enough-1"),
            ],
        )
        .await;
    assert_eq!((s, loc.as_deref()), (Status::SeeOther, Some("/admin")));
    let (s, html) = app.page("/admin").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("Ada"));
    let role: String = app
        .db()
        .query_row("SELECT role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'ada@example.com'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(role, "owner");
    let (s, _) = app.page(&format!("/setup/{token}")).await;
    assert_eq!(s, Status::Gone, "the link is used up");
}

#[rocket::async_test]
async fn the_settings_page_saves_and_re_renders_errors_with_values_kept() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    for section in ["form", "contact", "catalogue", "limits", "tokens"] {
        let (s, html) = app.page(&format!("/admin/settings/{section}")).await;
        assert_eq!(s, Status::Ok, "{section}");
        assert!(html.contains(&format!("value=\"{section}\"")));
    }
    let (s, _) = app.page("/admin/settings/nowhere").await;
    assert_eq!(s, Status::NotFound);
    // One section saves only its own fields.
    let (s, loc, _) = app
        .post_form(
            "/admin/settings",
            &[
                ("_csrf", &csrf),
                ("section", "form"),
                (
                    "allowed_origins",
                    "https://www.acme.test\nhttps://acme.test",
                ),
                ("thank_you_url", ""),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_deref()),
        (Status::SeeOther, Some("/admin/settings/form"))
    );
    let (_, html) = app.page("/admin/settings/form").await;
    assert!(html.contains("Settings saved."));
    assert!(html.contains("https://www.acme.test\nhttps://acme.test"));
    let (_, html) = app.page("/admin/settings").await;
    assert!(
        html.contains("value=\"Default\"") || html.contains("id=\"name\""),
        "the name stays"
    );
    app.post_form(
        "/admin/settings",
        &[
            ("_csrf", &csrf),
            ("section", "workspace"),
            ("name", "Acme"),
            ("default_locale", "en"),
        ],
    )
    .await;
    let (_, html) = app.page("/admin/settings/contact").await;
    assert!(!html.contains("flash-error"));
    let (s, _, html) = app
        .post_form(
            "/admin/settings",
            &[
                ("_csrf", &csrf),
                ("section", "contact"),
                ("sales_email", "not-an-email"),
                ("scheduler_url", ""),
                ("crisp_website_id", ""),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(
        html.contains("Sales email") && html.contains("must be a valid email address"),
        "the field in words"
    );
    assert!(
        html.contains("value=\"not-an-email\""),
        "typed values are kept"
    );
    let (s, _, html) = app
        .post_form(
            "/admin/settings",
            &[
                ("_csrf", &csrf),
                ("section", "workspace"),
                ("name", "Acme <b>bold</b>"),
                ("default_locale", "klingon"),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(
        html.contains("Acme &#60;b&#62;bold&#60;/b&#62;") && !html.contains("<b>bold</b>"),
        "user input is escaped"
    );
}

#[rocket::async_test]
async fn the_plan_catalogue_is_edited_as_rows_without_json() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let cat = |rows: &[(&'static str, &'static str)]| {
        let mut v = vec![
            ("_csrf", csrf.clone()),
            ("section", "catalogue".into()),
            ("catalogue", "1".into()),
            ("gst_rate", "10".into()),
            ("currency", "vnd".into()),
        ];
        v.extend(rows.iter().map(|(k, val)| (*k, val.to_string())));
        v
    };
    let post = |pairs: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form("/admin/settings", &refs).await
        }
    };
    // Two plans and one add-on, plus a blank row that is skipped.
    let (s, _, _) = post(cat(&[
        ("plan_code", "GROWTH"),
        ("plan_user_type", "industry"),
        ("plan_name", "Growth"),
        ("plan_min", "1,200"),
        ("plan_max", "2000"),
        ("plan_code", "SOLO"),
        ("plan_user_type", "professional"),
        ("plan_name", "Solo"),
        ("plan_min", "100"),
        ("plan_max", "150.5"),
        ("plan_code", ""),
        ("plan_user_type", "industry"),
        ("plan_name", ""),
        ("plan_min", ""),
        ("plan_max", ""),
        ("addon_code", "HUB"),
        ("addon_name", "Hub"),
        ("addon_monthly", "50"),
        ("addon_one_time", ""),
    ]))
    .await;
    assert_eq!(s, Status::SeeOther);
    let (plans, add_ons, currency): (String, String, String) = app
        .db()
        .query_row("SELECT plans, add_ons, currency FROM workspaces", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    let plans: serde_json::Value = serde_json::from_str(&plans).unwrap();
    assert_eq!(plans.as_array().unwrap().len(), 2);
    assert_eq!(plans[0]["monthly_min"], serde_json::json!(120000));
    assert_eq!(plans[1]["monthly_max"], serde_json::json!(15050));
    assert!(add_ons.contains("HUB"));
    assert_eq!(currency, "VND");
    let (_, html) = app.page("/admin/settings/catalogue").await;
    assert!(html.contains("value=\"GROWTH\"") && html.contains("value=\"Solo\""));
    assert!(!html.contains("<textarea id=\"plans\""), "no JSON box");
    // Edit one, remove the other.
    let (s, _, _) = post(cat(&[
        ("plan_code", "GROWTH"),
        ("plan_user_type", "industry"),
        ("plan_name", "Growth+"),
        ("plan_min", "1300"),
        ("plan_max", "2000"),
        ("plan_code", "SOLO"),
        ("plan_user_type", "professional"),
        ("plan_name", "Solo"),
        ("plan_min", "100"),
        ("plan_max", "150"),
        ("plan_remove", "1"),
        ("addon_code", "HUB"),
        ("addon_name", "Hub"),
        ("addon_monthly", "50"),
        ("addon_one_time", "0"),
    ]))
    .await;
    assert_eq!(s, Status::SeeOther);
    let plans: String = app
        .db()
        .query_row("SELECT plans FROM workspaces", [], |r| r.get(0))
        .unwrap();
    assert!(plans.contains("Growth+") && !plans.contains("SOLO"));
    // Bad rows: named by row and field in words; nothing is saved; what was typed stays.
    let (s, _, html) = post(cat(&[
        ("plan_code", "GROWTH"),
        ("plan_user_type", "industry"),
        ("plan_name", "Growth+"),
        ("plan_min", "1300"),
        ("plan_max", "2000"),
        ("plan_code", ""),
        ("plan_user_type", "industry"),
        ("plan_name", ""),
        ("plan_min", ""),
        ("plan_max", ""),
        ("plan_code", "CHEAP"),
        ("plan_user_type", "industry"),
        ("plan_name", "Cheap"),
        ("plan_min", "500"),
        ("plan_max", "abc"),
        ("plan_code", "GROWTH"),
        ("plan_user_type", "industry"),
        ("plan_name", "Dup"),
        ("plan_min", "900"),
        ("plan_max", "100"),
    ]))
    .await;
    assert_eq!(s, Status::BadRequest);
    assert!(
        html.contains("Plan 3: monthly up to: must be a number"),
        "row 3 named in words"
    );
    assert!(
        html.contains("Plan 4: monthly up to"),
        "row 4 named, not its list position"
    );
    assert!(!html.contains("plans["), "no field paths");
    assert!(html.contains("value=\"abc\"") && html.contains("aria-invalid=\"true\""));
    let plans: String = app
        .db()
        .query_row("SELECT plans FROM workspaces", [], |r| r.get(0))
        .unwrap();
    assert!(!plans.contains("CHEAP"));
}

#[rocket::async_test]
async fn members_can_be_added_re_roled_and_the_last_owner_is_kept() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _, html) = app
        .post_form(
            "/admin/members",
            &[
                ("_csrf", &csrf),
                ("name", "Sam"),
                ("email", "sam@example.com"),
                ("role", "sales"),
            ],
        )
        .await;
    assert_eq!(s, Status::Ok);
    let start = html.find("/invite/").expect("an invitation link");
    let url: String = html[start..].split(['<', '"']).next().unwrap().to_string();
    // Sam accepts (here, in the same browser once the owner has signed out).
    app.post_form("/logout", &[("_csrf", &csrf)]).await;
    let page = app.client.get(url.clone()).dispatch().await;
    let pre_cookie = page
        .cookies()
        .get("lb_csrf")
        .map(|c| c.clone().into_owned());
    let html = page.into_string().await.unwrap();
    let pre = common::csrf_of(&html);
    let mut req = app
        .client
        .post(url.clone())
        .header(rocket::http::ContentType::Form)
        .body(common::form(&[
            ("password", "sam-password-1"),
            ("_csrf", &pre),
        ]));
    if let Some(c) = pre_cookie {
        req = req.cookie(c);
    }
    let res = req.dispatch().await;
    assert_eq!(res.status(), Status::SeeOther);
    let (_, home) = app.page("/admin").await;
    app.post_form("/logout", &[("_csrf", &common::csrf_of(&home))])
        .await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let sam_token = app.token_for("sam@example.com", "sam-password-1").await;
    let (_, b) = app.get("/api/v1/workspaces", Some(&sam_token)).await;
    assert_eq!(b["data"]["items"][0]["role"], json!("sales"));
    let owner_id = app.user_id(OWNER_EMAIL);
    let sam_id = app.user_id("sam@example.com");
    // The page offers nothing that would be refused: the only owner's role and membership stay
    // as they are, and a reset link is for others (one's own password is on the account page).
    let (_, html) = app.page("/admin/members").await;
    for action in ["role", "remove", "reset-link"] {
        assert!(
            !html.contains(&format!("/admin/members/{owner_id}/{action}")),
            "{action}"
        );
        assert!(
            html.contains(&format!("/admin/members/{sam_id}/{action}")),
            "{action}"
        );
    }
    assert!(html.contains("class=\"muted locked\">A workspace must keep at least one owner."));
    // Posted anyway, the server refuses it.
    app.post_form(
        &format!("/admin/members/{owner_id}/role"),
        &[("_csrf", &csrf), ("role", "admin")],
    )
    .await;
    let (_, html) = app.page("/admin/members").await;
    assert!(
        html.contains("flash-error") && html.contains("at least one owner"),
        "demoting the last owner is refused"
    );
    let role: String = app
        .db()
        .query_row(
            "SELECT role FROM memberships WHERE user_id = ?1",
            [&owner_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(role, "owner");
    app.post_form(
        &format!("/admin/members/{sam_id}/remove"),
        &[("_csrf", &csrf)],
    )
    .await;
    let (s, _) = app.get("/api/v1/workspaces", Some(&sam_token)).await;
    assert_eq!(s, Status::Ok);
    let (_, b) = app.get("/api/v1/workspaces", Some(&sam_token)).await;
    assert_eq!(b["data"]["items"], json!([]), "removed from the workspace");
}

#[rocket::async_test]
async fn admins_cannot_make_owners_and_viewers_cannot_manage_members() {
    let app = TestApp::spawn().await;
    app.user_with_role("admin-member@example.com", "admin", "default")
        .await;
    let csrf = app
        .sign_in("admin-member@example.com", "member-password-1")
        .await;
    let (s, _, html) = app
        .post_form(
            "/admin/members",
            &[
                ("_csrf", &csrf),
                ("email", "x@example.com"),
                ("password", "x-password-1"),
                ("role", "owner"),
            ],
        )
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(html.contains("Only an owner"));
    // The page does not offer it: no owner role to pick, the owner's row left alone.
    let (_, html) = app.page("/admin/members").await;
    assert!(!html.contains("<option value=\"owner\""), "{html}");
    assert!(html.contains("<option value=\"admin\""), "{html}");
    assert_eq!(html.matches("class=\"muted locked\"").count(), 1, "{html}");
    let app2 = TestApp::spawn().await;
    app2.user_with_role("viewer-member@example.com", "viewer", "default")
        .await;
    let csrf = app2
        .sign_in("viewer-member@example.com", "member-password-1")
        .await;
    let (s, _, _) = app2
        .post_form(
            "/admin/members",
            &[
                ("_csrf", &csrf),
                ("email", "x@example.com"),
                ("password", "x-password-1"),
                ("role", "sales"),
            ],
        )
        .await;
    assert_eq!(s, Status::Forbidden);
    let (s, html) = app2.page("/admin/settings").await;
    assert_eq!(s, Status::Ok);
    assert!(html.contains("can read these settings but not change them"));
    let (s, _, _) = app2
        .post_form("/admin/settings", &[("_csrf", &csrf), ("name", "X")])
        .await;
    assert_eq!(s, Status::Forbidden);
}

#[rocket::async_test]
async fn a_token_made_on_the_page_is_shown_once_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _, html) = app
        .post_form("/admin/tokens", &[("_csrf", &csrf), ("name", "CRM sync")])
        .await;
    assert_eq!(s, Status::Created);
    let start = html.find("id=\"new-token\"").unwrap();
    let start = start + html[start..].find("lbx_").unwrap();
    let token: String = html[start..].chars().take(44).collect();
    let (s, _) = app.get("/api/v1/workspaces", Some(&token)).await;
    assert_eq!(s, Status::Ok);
    let (_, again) = app.page("/admin/tokens").await;
    assert!(!again.contains(&token), "the secret is never shown again");
    // Its times read like every other page's (short, UTC until a zone is chosen), not RFC 3339,
    // each with its instant for the browser to show in its own zone.
    let list = &again[again.find("id=\"token-list\"").unwrap()..];
    assert!(list.contains(" UTC</time></td>"), "{list}");
    assert!(list.contains("<time datetime=\"20"), "{list}");
    assert!(!list.contains("Z</time>"), "{list}");
    let id: String = app
        .db()
        .query_row("SELECT id FROM api_tokens", [], |r| r.get(0))
        .unwrap();
    let (s, _, _) = app
        .post_form(&format!("/admin/tokens/{id}/revoke"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::SeeOther);
    let (s, _) = app.get("/api/v1/workspaces", Some(&token)).await;
    assert_eq!(s, Status::Unauthorized);
    let (s, _, _) = app
        .post_form("/admin/tokens/tok_nope/revoke", &[("_csrf", &csrf)])
        .await;
    assert_eq!(s, Status::NotFound);
    let (s, _, html) = app
        .post_form("/admin/tokens", &[("_csrf", &csrf), ("name", "")])
        .await;
    assert_eq!(s, Status::BadRequest);
    assert!(html.contains("is required"));
}

#[rocket::async_test]
async fn each_staff_user_chooses_their_language() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _, _) = app
        .post_form("/admin/locale", &[("_csrf", &csrf), ("locale", "vi")])
        .await;
    assert_eq!(s, Status::SeeOther);
    let (_, html) = app.page("/admin").await;
    assert!(
        html.contains("lang=\"vi\"") && html.contains("Tổng quan") && html.contains("Đăng xuất")
    );
    let (s, _, _) = app
        .post_form("/admin/locale", &[("_csrf", &csrf), ("locale", "xx")])
        .await;
    assert_eq!(s, Status::BadRequest);
}

#[rocket::async_test]
async fn api_tokens_do_not_open_admin_pages() {
    let app = TestApp::spawn().await;
    let token = app.owner_token().await;
    let res = app
        .client
        .get("/admin")
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::SeeOther);
}

#[rocket::async_test]
async fn unknown_pages_are_a_404_in_the_browser_language() {
    let app = TestApp::spawn().await;
    let (s, html) = app.page("/nothing/here").await;
    assert_eq!(s, Status::NotFound);
    assert!(html.contains("Page not found") && html.contains("lang=\"en\""));
    let res = app
        .client
        .get("/nothing/here")
        .header(Header::new("Accept-Language", "vi"))
        .dispatch()
        .await;
    assert_eq!(res.status(), Status::NotFound);
    let html = res.into_string().await.unwrap();
    assert!(html.contains("Không tìm thấy trang") && html.contains("lang=\"vi\""));
}

#[rocket::async_test]
async fn static_assets_are_embedded_and_cache_busted() {
    let app = TestApp::spawn().await;
    let (_, html) = app.page("/login").await;
    let start = html.find("/static/admin.css?v=").unwrap();
    let url: String = html[start..].split('"').next().unwrap().to_string();
    let res = app.client.get(url).dispatch().await;
    assert_eq!(res.status(), Status::Ok);
    assert_eq!(res.content_type(), Some(ContentType::CSS));
    assert!(res
        .headers()
        .get_one("Cache-Control")
        .unwrap()
        .contains("immutable"));
    let res = app.client.get("/static/../Cargo.toml").dispatch().await;
    assert_ne!(res.status(), Status::Ok);
}

#[rocket::async_test]
async fn a_remove_box_with_a_value_that_is_no_row_removes_nothing_and_is_no_error() {
    let app = TestApp::spawn().await;
    let csrf = app.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    let (s, _, _) = app
        .post_form(
            "/admin/settings",
            &[
                ("_csrf", &csrf),
                ("section", "catalogue"),
                ("catalogue", "1"),
                ("gst_rate", "10"),
                ("currency", "AUD"),
                ("plan_code", "KEEP"),
                ("plan_user_type", "industry"),
                ("plan_name", "Keep"),
                ("plan_min", "1"),
                ("plan_max", "2"),
                ("plan_remove", "not-a-row"),
                ("addon_remove", "-1"),
            ],
        )
        .await;
    assert_eq!(s, Status::SeeOther);
    let plans: String = app
        .db()
        .query_row("SELECT plans FROM workspaces", [], |r| r.get(0))
        .unwrap();
    assert!(plans.contains("KEEP"));
}
