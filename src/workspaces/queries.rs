//! Workspace SQL and row mapping.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::model::{RateLimits, Workspace};
use crate::auth::permissions::Role;
use crate::domain::Locale;
use crate::error::ApiError;
use crate::util;

const COLUMNS: &str = "id, slug, name, public_key, allowed_origins, sales_email, scheduler_url,
     crisp_website_id, thank_you_url, default_locale, user_token_secret, gst_rate_bp, plans,
     add_ons, rate_limits, created_at, updated_at, currency, retention_days, spam_threshold";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Workspace> {
    let origins: String = r.get(4)?;
    let locale: String = r.get(9)?;
    let plans: String = r.get(12)?;
    let add_ons: String = r.get(13)?;
    let limits: String = r.get(14)?;
    Ok(Workspace {
        id: r.get(0)?,
        slug: r.get(1)?,
        name: r.get(2)?,
        public_key: r.get(3)?,
        allowed_origins: serde_json::from_str(&origins).unwrap_or_default(),
        sales_email: r.get(5)?,
        scheduler_url: r.get(6)?,
        crisp_website_id: r.get(7)?,
        thank_you_url: r.get(8)?,
        default_locale: Locale::parse(&locale).unwrap_or_default(),
        user_token_secret: r.get(10)?,
        gst_rate_bp: r.get(11)?,
        plans: serde_json::from_str(&plans).unwrap_or_default(),
        add_ons: serde_json::from_str(&add_ons).unwrap_or_default(),
        rate_limits: serde_json::from_str::<RateLimits>(&limits).unwrap_or_default(),
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
        currency: r.get(17)?,
        retention_days: r.get(18)?,
        spam_threshold: r.get(19)?,
    })
}

/// A workspace by id or slug. A key shaped like an id is only ever an id (slugs cannot take
/// that shape), so which one is meant never depends on row order.
pub fn by_id_or_slug(conn: &Connection, key: &str) -> Result<Option<Workspace>, ApiError> {
    let column = if crate::domain::looks_like_uuid(key) {
        "id"
    } else {
        "slug"
    };
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM workspaces WHERE {column} = ?1"
        ))?
        .query_row([key.to_ascii_lowercase()], from_row)
        .optional()?)
}

/// The appliance's first workspace (the one it was set up with).
pub fn first_id(conn: &Connection) -> Result<Option<String>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT id FROM workspaces ORDER BY created_at, rowid LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// A workspace by the public key of its form.
pub fn by_public_key(conn: &Connection, key: &str) -> Result<Option<Workspace>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM workspaces WHERE public_key = ?1"
        ))?
        .query_row([key], from_row)
        .optional()?)
}

/// The only workspace, when the appliance has exactly one.
pub fn the_only_one(conn: &Connection) -> Result<Option<Workspace>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM workspaces LIMIT 2"))?;
    let all: Vec<Workspace> = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(if all.len() == 1 {
        all.into_iter().next()
    } else {
        None
    })
}

/// The workspaces a user belongs to, with their role, by name.
pub fn for_user(conn: &Connection, user_id: &str) -> Result<Vec<(Workspace, Role)>, ApiError> {
    let cols = COLUMNS
        .split(',')
        .map(|c| format!("w.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {cols}, m.role FROM workspaces w JOIN memberships m ON m.workspace_id = w.id
         WHERE m.user_id = ?1 ORDER BY w.name, w.slug"
    ))?;
    let rows = stmt.query_map([user_id], |r| {
        let role: String = r.get(COLUMNS.split(',').count())?;
        Ok((from_row(r)?, Role::parse(&role).unwrap_or(Role::Viewer)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Creates a workspace; 409 `SLUG_TAKEN` when the slug is used.
pub fn insert(conn: &Connection, name: &str, slug: &str) -> Result<Workspace, ApiError> {
    let id = util::new_uuid();
    let now = util::now_str();
    let public_key = format!("pk_{}", util::random_string(24));
    let res = conn.execute(
        "INSERT INTO workspaces (id, slug, name, public_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![id, slug, name, public_key, now],
    );
    match res {
        Ok(_) => by_id_or_slug(conn, &id)?.ok_or_else(ApiError::not_found),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(
                ApiError::conflict("SLUG_TAKEN", "This slug is already used")
                    .with_details(serde_json::json!({ "slug": "is already used" })),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes every setting of `w` back.
pub fn update(conn: &Connection, w: &Workspace) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE workspaces SET name = ?2, allowed_origins = ?3, sales_email = ?4,
             scheduler_url = ?5, crisp_website_id = ?6, thank_you_url = ?7, default_locale = ?8,
             user_token_secret = ?9, gst_rate_bp = ?10, plans = ?11, add_ons = ?12,
             rate_limits = ?13, updated_at = ?14, currency = ?15, retention_days = ?16,
             spam_threshold = ?17
         WHERE id = ?1",
        params![
            w.id,
            w.name,
            serde_json::to_string(&w.allowed_origins).unwrap_or_else(|_| "[]".into()),
            w.sales_email,
            w.scheduler_url,
            w.crisp_website_id,
            w.thank_you_url,
            w.default_locale.as_str(),
            w.user_token_secret,
            w.gst_rate_bp,
            serde_json::to_string(&w.plans).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&w.add_ons).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&w.rate_limits).unwrap_or_else(|_| "{}".into()),
            w.updated_at,
            w.currency,
            w.retention_days,
            w.spam_threshold,
        ],
    )?;
    Ok(())
}

/// Whether a first-run checklist step that leaves no other trace (`snippet`) is done.
pub fn step_done(conn: &Connection, workspace_id: &str, step: &str) -> Result<bool, ApiError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM onboarding_steps WHERE workspace_id = ?1 AND step = ?2",
        [workspace_id, step],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Marks a first-run checklist step done (once; later calls change nothing).
pub fn mark_step(conn: &Connection, workspace_id: &str, step: &str) -> Result<(), ApiError> {
    conn.execute(
        "INSERT OR IGNORE INTO onboarding_steps (workspace_id, step, done_at) VALUES (?1, ?2, ?3)",
        [workspace_id, step, &util::now_str()],
    )?;
    Ok(())
}
