//! Pricing-selection SQL. Every read computes the effective status from the clock's cut-offs,
//! so an overdue selection reads as `expired` even before the sweeper has stored it.

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use super::model::{pricing_json, SelectionInput};
use crate::error::ApiError;

/// The status as of the cut-offs `:pcut` (pending) and `:ccut` (contacted).
pub const EFFECTIVE: &str = "CASE WHEN status = 'pending' AND created_at <= :pcut THEN 'expired'
     WHEN status = 'contacted' AND contacted_at <= :ccut THEN 'expired' ELSE status END";

/// Cut-offs: pending before this, or contacted before that, is expired.
#[derive(Debug, Clone)]
pub struct Cutoffs {
    /// now − 7 days.
    pub pending: String,
    /// now − 14 days.
    pub contacted: String,
}

/// A selection as the API shows it.
#[derive(Debug, Clone)]
pub struct Selection {
    /// `ps_…`.
    pub id: String,
    /// End user.
    pub user_id: String,
    /// Effective status.
    pub status: String,
    /// Everything else, as JSON.
    pub json: Value,
}

fn columns() -> String {
    format!(
        "id, user_id, user_type, selected_plan_code, selected_addon_codes, plan_monthly_min,
         plan_monthly_max, addons_monthly_amount, addons_onetime_amount, gst_rate_bp,
         estimated_first_month_min, estimated_first_month_max, estimated_recurring_min,
         estimated_recurring_max, pricing_check, source, captured_at, created_at, updated_at,
         {EFFECTIVE} AS effective, notes, contacted_by, contacted_at, converted_at, expired_at"
    )
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Selection> {
    let mut pricing = [0i64; 9];
    for (i, p) in pricing.iter_mut().enumerate() {
        *p = r.get(5 + i)?;
    }
    let addons: String = r.get(4)?;
    let check: String = r.get(14)?;
    let status: String = r.get(19)?;
    let id: String = r.get(0)?;
    let user_id: String = r.get(1)?;
    let json = json!({
        "id": id,
        "userId": user_id,
        "userType": r.get::<_, String>(2)?,
        "selectedPlanCode": r.get::<_, String>(3)?,
        "selectedAddOnCodes": serde_json::from_str::<Value>(&addons).unwrap_or(json!([])),
        "pricing": pricing_json(&pricing),
        "pricingCheck": serde_json::from_str::<Value>(&check).unwrap_or(Value::Null),
        "source": r.get::<_, String>(15)?,
        "capturedAt": r.get::<_, String>(16)?,
        "createdAt": r.get::<_, String>(17)?,
        "updatedAt": r.get::<_, String>(18)?,
        "status": status,
        "notes": r.get::<_, Option<String>>(20)?,
        "contactedBy": r.get::<_, Option<String>>(21)?,
        "contactedAt": r.get::<_, Option<String>>(22)?,
        "convertedAt": r.get::<_, Option<String>>(23)?,
        "expiredAt": r.get::<_, Option<String>>(24)?,
    });
    Ok(Selection {
        id,
        user_id,
        status,
        json,
    })
}

/// Stores a new pending selection; 409 `DUPLICATE_SELECTION` if the user has one pending.
pub fn insert(
    conn: &Connection,
    ws: &str,
    id: &str,
    input: &SelectionInput,
    check: &Value,
    now: &str,
) -> Result<(), ApiError> {
    let p = &input.pricing;
    let res = conn
        .prepare_cached(
            "INSERT INTO pricing_selections (id, workspace_id, user_id, user_type, selected_plan_code,
                 selected_addon_codes, plan_monthly_min, plan_monthly_max, addons_monthly_amount,
                 addons_onetime_amount, gst_rate_bp, estimated_first_month_min,
                 estimated_first_month_max, estimated_recurring_min, estimated_recurring_max,
                 pricing_check, source, captured_at, created_at, updated_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 'pricing_page', ?17, ?18, ?18, 'pending')",
        )?
        .execute(rusqlite::params![
            id, ws, input.user_id, input.user_type, input.plan_code,
            serde_json::to_string(&input.addon_codes).unwrap_or_else(|_| "[]".into()),
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], check.to_string(), input.captured_at, now
        ]);
    match res {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(ApiError::conflict(
                "DUPLICATE_SELECTION",
                "A pricing selection already exists for this user",
            ))
        }
        Err(e) => Err(e.into()),
    }
}

/// One selection by id.
pub fn by_id(
    conn: &Connection,
    ws: &str,
    id: &str,
    cut: &Cutoffs,
) -> Result<Option<Selection>, ApiError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {} FROM pricing_selections WHERE workspace_id = :ws AND id = :id", columns()))?
        .query_row(rusqlite::named_params! { ":ws": ws, ":id": id, ":pcut": cut.pending, ":ccut": cut.contacted }, from_row)
        .optional()?)
}

/// A user's newest selection.
pub fn latest_for_user(
    conn: &Connection,
    ws: &str,
    user_id: &str,
    cut: &Cutoffs,
) -> Result<Option<Selection>, ApiError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {} FROM pricing_selections WHERE workspace_id = :ws AND user_id = :u
             ORDER BY created_at DESC, rowid DESC LIMIT 1",
            columns()
        ))?
        .query_row(rusqlite::named_params! { ":ws": ws, ":u": user_id, ":pcut": cut.pending, ":ccut": cut.contacted }, from_row)
        .optional()?)
}

/// List filters, validated.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Effective status.
    pub status: Option<String>,
    /// Pricing user type.
    pub user_type: Option<String>,
}

/// A page of selections and the total.
pub fn list(
    conn: &Connection,
    ws: &str,
    f: &ListFilter,
    cut: &Cutoffs,
    sort: (&str, bool),
    limit: i64,
    offset: i64,
) -> Result<(Vec<Selection>, i64), ApiError> {
    let mut w = String::from("workspace_id = :ws");
    if f.status.is_some() {
        w.push_str(&format!(" AND ({EFFECTIVE}) = :status"));
    }
    if f.user_type.is_some() {
        w.push_str(" AND user_type = :ut");
    }
    let status = f.status.clone().unwrap_or_default();
    let ut = f.user_type.clone().unwrap_or_default();
    let mut params: Vec<(&str, &dyn ToSql)> = vec![
        (":ws", &ws),
        (":pcut", &cut.pending),
        (":ccut", &cut.contacted),
    ];
    if f.status.is_some() {
        params.push((":status", &status));
    }
    if f.user_type.is_some() {
        params.push((":ut", &ut));
    }
    // The count needs the cut-offs only when filtering by status.
    let count_params: Vec<(&str, &dyn ToSql)> = params
        .iter()
        .filter(|(k, _)| f.status.is_some() || (*k != ":pcut" && *k != ":ccut"))
        .cloned()
        .collect();
    let total: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM pricing_selections WHERE {w}"),
        count_params.as_slice(),
        |r| r.get(0),
    )?;
    let dir = if sort.1 { "ASC" } else { "DESC" };
    params.push((":limit", &limit));
    params.push((":offset", &offset));
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM pricing_selections WHERE {w} ORDER BY {} {dir}, rowid {dir} LIMIT :limit OFFSET :offset",
        columns(),
        sort.0
    ))?;
    let rows = stmt.query_map(params.as_slice(), from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// Ids of selections overdue as of the cut-offs, with their stored status.
pub fn overdue(
    conn: &Connection,
    cut: &Cutoffs,
) -> Result<Vec<(String, String, String)>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, workspace_id, status FROM pricing_selections
         WHERE (status = 'pending' AND created_at <= ?1) OR (status = 'contacted' AND contacted_at <= ?2)",
    )?;
    let rows = stmt.query_map([&cut.pending, &cut.contacted], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
