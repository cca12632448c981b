//! The Inbox as the work grows: one million leads across the three kinds, then p50/p99 of the
//! Inbox's first page, a deep page, filtered pages (status, kind, assignee), searches and a
//! kind's own list, through the real Rocket instance (in process, no network) over the real
//! SQLite file; and next to them, on the same file, the queries the previous release ran
//! (the union of every kind's table with `LIKE` and `COUNT(*)` over it), timed as bare SQL.
//!
//! Run: `cargo bench --bench leads_at_scale` (`LEADS`, default 1000000; `RUNS`, default 200;
//! `LEADBOX_BENCH_DIR` keeps the seeded folder between runs).

use std::time::Instant;

use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use rusqlite::{params, Connection};

const FIRST: &[&str] = &[
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Olivia",
    "Noah",
    "Amelia",
    "Jack",
    "Charlotte",
    "William",
    "Isla",
    "Oliver",
    "Mia",
    "Thomas",
    "Grace",
    "James",
    "Ava",
    "Henry",
    "Chloe",
];
const LAST: &[&str] = &[
    "Văn An",
    "Thị Hoa",
    "Minh",
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Johnson",
    "White",
    "Martin",
    "Anderson",
    "Thompson",
    "Đặng",
    "Visitor",
    "Kelly",
    "Walker",
];
const WORDS: &[&str] = &[
    "pricing",
    "trucks",
    "warehouse",
    "integration",
    "demo",
    "annual",
    "monthly",
    "team",
    "invoice",
    "shipping",
    "support",
    "onboarding",
    "contract",
    "renewal",
    "discount",
    "partnership",
    "api",
    "export",
    "compliance",
    "training",
    "budget",
    "timeline",
    "migration",
];

/// A small deterministic generator (xorshift), so every run seeds the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn stamp(i: u64, n: u64) -> String {
    // Spread over the last 365 days, oldest first.
    let now = time::OffsetDateTime::now_utc();
    let back = time::Duration::seconds(((n - i) * 365 * 86_400 / n) as i64);
    leadbox::util::rfc3339(now - back)
}

/// Seeds `n` leads: half inquiries, a quarter contact requests, a quarter pricing selections
/// (each from its own end user); one buyer in five sends a second inquiry.
fn seed(db: &Connection, ws: &str, owner: &str, n: u64) {
    let t0 = Instant::now();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let statuses = ["NEW", "NEW", "ASSIGNED", "REPLIED", "CONVERTED", "LOST"];
    let mut i = 0u64;
    while i < n {
        // IMMEDIATE: a deferred transaction that upgrades while leadbox's own writer (its
        // minutely sweeper) holds the lock would fail at once instead of waiting.
        db.execute_batch("BEGIN IMMEDIATE").unwrap();
        let tx = &db;
        {
            let mut person = tx
                .prepare_cached("INSERT INTO people (id, workspace_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)")
                .unwrap();
            let mut key = tx
                .prepare_cached("INSERT OR IGNORE INTO person_keys (workspace_id, key, person_id) VALUES (?1, ?2, ?3)")
                .unwrap();
            let mut inq = tx
                .prepare_cached(
                    "INSERT INTO inquiries (id, workspace_id, type, name, email, phone, business_name,
                         subject, message, status, assignee_id, created_at, updated_at, person_id)
                     VALUES (?1, ?2, 'sales', ?3, ?4, NULL, ?5, NULL, ?6, ?7, ?8, ?9, ?9, ?10)",
                )
                .unwrap();
            let mut eu = tx
                .prepare_cached(
                    "INSERT INTO end_users (workspace_id, id, email, name, company, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                )
                .unwrap();
            let mut cr = tx
                .prepare_cached(
                    "INSERT INTO sales_contact_requests (id, workspace_id, user_id, account_email, plan,
                         quantity, source, status, assignee_id, created_at, updated_at, person_id)
                     VALUES (?1, ?2, ?3, ?4, 'annual', 10, 'dashboard', ?5, ?6, ?7, ?7, ?8)",
                )
                .unwrap();
            let mut ps = tx
                .prepare_cached(
                    "INSERT INTO pricing_selections (id, workspace_id, user_id, user_type,
                         selected_plan_code, plan_monthly_min, plan_monthly_max,
                         estimated_first_month_min, estimated_first_month_max,
                         estimated_recurring_min, estimated_recurring_max, captured_at,
                         created_at, updated_at, status, person_id, pricing_check)
                     VALUES (?1, ?2, ?3, 'industry', 'INDUSTRY_GROWTH', 12000, 20000, 14160, 23600,
                         14160, 23600, ?4, ?4, ?4, ?5, ?6, '{\"verified\":true,\"expected\":{}}')",
                )
                .unwrap();
            for _ in 0..20_000 {
                if i >= n {
                    break;
                }
                let at = stamp(i, n);
                let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
                let email = format!("buyer{i}@company{}.test", rng.next() % 5000);
                let company = format!("Company {}", rng.next() % 5000);
                let pid = format!("per_{i:012}");
                person.execute(params![pid, ws, at]).unwrap();
                key.execute(params![ws, format!("email:{email}"), pid])
                    .unwrap();
                let status = statuses[(rng.next() % statuses.len() as u64) as usize];
                let assignee = (status != "NEW").then_some(owner);
                match i % 4 {
                    0 | 1 => {
                        let msg = format!(
                            "Hello, we would like a quote for {} {} {} and {}.",
                            rng.pick(WORDS),
                            rng.pick(WORDS),
                            rng.pick(WORDS),
                            rng.pick(WORDS)
                        );
                        inq.execute(params![
                            format!("inq_{i:012}"),
                            ws,
                            name,
                            email,
                            company,
                            msg,
                            status,
                            assignee,
                            at,
                            pid
                        ])
                        .unwrap();
                        if i % 10 == 1 {
                            // The same buyer again, a moment later.
                            inq.execute(params![
                                format!("inq_{i:012}b"),
                                ws,
                                name,
                                email,
                                company,
                                "Following up on my quote",
                                "NEW",
                                None::<String>,
                                at,
                                pid
                            ])
                            .unwrap();
                            i += 1;
                        }
                    }
                    2 => {
                        let user = format!("user-{i:012}");
                        eu.execute(params![ws, user, email, name, company, at])
                            .unwrap();
                        key.execute(params![ws, format!("user:{user}"), pid])
                            .unwrap();
                        cr.execute(params![
                            format!("salesreq_{i:012}"),
                            ws,
                            user,
                            email,
                            status,
                            assignee,
                            at,
                            pid
                        ])
                        .unwrap();
                    }
                    _ => {
                        let user = format!("user-{i:012}");
                        eu.execute(params![ws, user, email, name, company, at])
                            .unwrap();
                        key.execute(params![ws, format!("user:{user}"), pid])
                            .unwrap();
                        // Pending only in the last week: older ones have expired (and the
                        // sweeper would spend the run expiring them).
                        let recent = n - i < n / 52;
                        let st = match (rng.next() % 3, recent) {
                            (0, true) => "pending",
                            (0, false) => "expired",
                            (1, _) => "contacted",
                            _ => "converted",
                        };
                        ps.execute(params![format!("ps_{i:012}"), ws, user, at, st, pid])
                            .unwrap();
                    }
                }
                i += 1;
            }
        }
        db.execute_batch("COMMIT").unwrap();
        eprint!(
            "\rseeded {i}/{n} ({:.0}/s)   ",
            i as f64 / t0.elapsed().as_secs_f64()
        );
    }
    eprintln!();
}

/// The previous release's inbox: every kind's own table, unioned, with a `haystack` for `LIKE`.
const OLD_UNION: &str = "
SELECT 'inquiry' AS kind, id, status, name, email, company, created_at, assignee_id, workspace_id, rid, haystack FROM (
  SELECT id, status, name, email, business_name AS company, created_at, assignee_id, workspace_id, rowid AS rid,
    name || ' ' || email || ' ' || COALESCE(business_name, '') || ' ' || COALESCE(subject, '') || ' ' || message AS haystack
  FROM inquiries WHERE spam = 0 AND deleted_at IS NULL)
UNION ALL
SELECT 'contact_request', id, status, name, email, company, created_at, assignee_id, workspace_id, rid, haystack FROM (
  SELECT r.id, r.status, COALESCE(e.name, r.account_email, r.user_id) AS name, r.account_email AS email,
    e.company AS company, r.created_at, r.assignee_id, r.workspace_id, r.rowid AS rid,
    COALESCE(e.name, '') || ' ' || COALESCE(r.account_email, '') || ' ' || COALESCE(e.company, '') || ' ' || r.plan AS haystack
  FROM sales_contact_requests r LEFT JOIN end_users e ON e.workspace_id = r.workspace_id AND e.id = r.user_id
  WHERE r.deleted_at IS NULL)
UNION ALL
SELECT 'pricing_selection', id, status, name, email, company, created_at, assignee_id, workspace_id, rid, haystack FROM (
  SELECT p.id, p.status, COALESCE(e.name, e.email, p.user_id) AS name, e.email AS email, e.company AS company,
    p.created_at, p.contacted_by AS assignee_id, p.workspace_id, p.rowid AS rid,
    COALESCE(e.name, '') || ' ' || COALESCE(e.email, '') || ' ' || COALESCE(e.company, '') || ' ' || p.selected_plan_code AS haystack
  FROM pricing_selections p LEFT JOIN end_users e ON e.workspace_id = p.workspace_id AND e.id = p.user_id)";

/// One old inbox request: the page and its `COUNT(*)`, as the previous release ran them.
fn old_inbox(db: &Connection, ws: &str, filter: &str, arg: Option<&str>, offset: i64) {
    let kinds = "kind IN ('inquiry', 'contact_request', 'pricing_selection')";
    let w = format!("workspace_id = ?1 AND {kinds}{filter}");
    let args: Vec<&dyn rusqlite::ToSql> = match &arg {
        Some(a) => vec![&ws, a],
        None => vec![&ws],
    };
    let _: i64 = db
        .prepare_cached(&format!("SELECT COUNT(*) FROM ({OLD_UNION}) WHERE {w}"))
        .unwrap()
        .query_row(args.as_slice(), |r| r.get(0))
        .unwrap();
    let mut stmt = db
        .prepare_cached(&format!(
            "SELECT kind, id, status, name, email, company, created_at, assignee_id FROM ({OLD_UNION})
             WHERE {w} ORDER BY created_at DESC, created_at DESC, rid DESC LIMIT 20 OFFSET {offset}"
        ))
        .unwrap();
    let n = stmt.query_map(args.as_slice(), |_| Ok(())).unwrap().count();
    assert!(n <= 20);
}

fn report(what: &str, mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let (p50, p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
    println!("{what:<44} p50 {p50:>8.2} ms   p99 {p99:>8.2} ms");
    (p50, p99)
}

#[rocket::main]
async fn main() {
    let n: u64 = std::env::var("LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = std::env::var("LEADBOX_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join(format!("leadbox-scale-{n}")));
    std::fs::create_dir_all(&dir).unwrap();
    let figment = leadbox::config::figment_for(&dir)
        .merge(("bootstrap_email", "bench@example.com"))
        .merge(("bootstrap_password", "bench-password-1"))
        .merge(("log_filter", "warn"))
        .merge(("backup_every", 0));
    let client = Client::untracked(leadbox::rocket_with(figment, leadbox::kinds()))
        .await
        .expect("leadbox starts");
    let db = Connection::open(dir.join("leadbox.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(300))
        .unwrap();
    db.execute_batch("PRAGMA synchronous = NORMAL;").unwrap();
    let ws: String = db
        .query_row("SELECT id FROM workspaces LIMIT 1", [], |r| r.get(0))
        .unwrap();
    let owner: String = db
        .query_row(
            "SELECT id FROM users WHERE email = 'bench@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let have = db
        .query_row("SELECT COUNT(*) FROM lead_index", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as u64;
    if have < n {
        seed(&db, &ws, &owner, n - have);
        db.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
    }
    // Folders seeded before the check was written carry the column's empty default.
    db.execute(
        "UPDATE pricing_selections SET pricing_check = '{\"verified\":true,\"expected\":{}}'
         WHERE pricing_check = '{}'",
        [],
    )
    .unwrap();
    let total = db
        .query_row("SELECT COUNT(*) FROM lead_index", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    let size = std::fs::metadata(dir.join("leadbox.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "leads: {total} in {} MiB, {runs} runs each (after 10 warm-up)",
        size / (1024 * 1024)
    );

    let res = client
        .post("/api/v1/auth/token")
        .header(ContentType::JSON)
        .body(r#"{"email":"bench@example.com","password":"bench-password-1"}"#)
        .dispatch()
        .await;
    let body: serde_json::Value = serde_json::from_str(&res.into_string().await.unwrap()).unwrap();
    let token = body["data"]["token"].as_str().unwrap().to_string();
    let cases = [
        ("first page", "/api/v1/leads?limit=20".to_string()),
        (
            "deep page (5,000)",
            "/api/v1/leads?limit=20&page=5000".to_string(),
        ),
        ("status=NEW", "/api/v1/leads?status=NEW".to_string()),
        (
            "kind=contact_request",
            "/api/v1/leads?kind=contact_request".to_string(),
        ),
        (
            "assigneeId=<member>",
            format!("/api/v1/leads?assigneeId={owner}"),
        ),
        (
            "status+kind+assignee",
            format!("/api/v1/leads?status=REPLIED&kind=inquiry&assigneeId={owner}"),
        ),
        ("q=Visitor (a name)", "/api/v1/leads?q=Visitor".to_string()),
        (
            "q=quote (in every message)",
            "/api/v1/leads?q=quote".to_string(),
        ),
        (
            "q=buyer4242 (one address)",
            "/api/v1/leads?q=buyer4242".to_string(),
        ),
        (
            "q=Ngu (a name, half typed)",
            "/api/v1/leads?q=Ngu".to_string(),
        ),
        (
            "q=quot (the common word, half typed)",
            "/api/v1/leads?q=quot".to_string(),
        ),
        (
            "q=trucks warehouse (two words)",
            "/api/v1/leads?q=trucks%20warehouse".to_string(),
        ),
        (
            "inquiries?q=warehouse",
            "/api/v1/inquiries?q=warehouse".to_string(),
        ),
        (
            "contact-requests?q=smith",
            "/api/v1/contact-requests?q=smith".to_string(),
        ),
        (
            "pricing-selections?q=smith",
            "/api/v1/pricing-selections?q=smith".to_string(),
        ),
        ("people?q=nguyen", "/api/v1/people?q=nguyen".to_string()),
    ];
    println!("\n== leadbox now: GET through Rocket (in process)");
    let only = std::env::var("ONLY").unwrap_or_default();
    for (what, uri) in cases.iter().filter(|(w, _)| w.contains(only.as_str())) {
        let mut ms = vec![];
        for i in 0..runs + 10 {
            let t = Instant::now();
            let res = client
                .get(uri.as_str())
                .header(Header::new("Authorization", format!("Bearer {token}")))
                .dispatch()
                .await;
            let status = res.status();
            let body = res.into_bytes().await.unwrap_or_default();
            assert_eq!(
                status,
                Status::Ok,
                "{uri}: {}",
                String::from_utf8_lossy(&body)
            );
            if i >= 10 {
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        report(what, ms);
    }
    let old_runs = std::env::var("OLD_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    if old_runs == 0 {
        return;
    }
    println!("\n== the previous release's queries on the same file (bare SQL: page + COUNT)");
    let old: Vec<(&str, String, Option<String>, i64)> = vec![
        ("first page", String::new(), None, 0),
        ("deep page (5,000)", String::new(), None, 99_980),
        (
            "status=NEW",
            " AND status = ?2".into(),
            Some("NEW".into()),
            0,
        ),
        (
            "kind=contact_request",
            " AND kind = ?2".into(),
            Some("contact_request".into()),
            0,
        ),
        (
            "assigneeId=<member>",
            " AND assignee_id = ?2".into(),
            Some(owner.clone()),
            0,
        ),
        (
            "q=Visitor (LIKE)",
            " AND haystack LIKE ?2".into(),
            Some("%Visitor%".into()),
            0,
        ),
        (
            "q=quote (LIKE)",
            " AND haystack LIKE ?2".into(),
            Some("%quote%".into()),
            0,
        ),
    ];
    for (what, filter, arg, offset) in &old {
        let mut ms = vec![];
        for i in 0..old_runs + 2 {
            let t = Instant::now();
            old_inbox(&db, &ws, filter, arg.as_deref(), *offset);
            if i >= 2 {
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        report(what, ms);
    }
}
