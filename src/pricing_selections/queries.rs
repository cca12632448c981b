//! Pricing-selection SQL. Every read computes the effective status from the clock's cut-offs,
//! so an overdue selection reads as `expired` even before the sweeper has stored it.

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use super::model::{pricing_json, SelectionInput, PRICING_FIELDS};
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

/// A selection as the API shows it, with its effective status.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Selection {
    /// `ps_…`.
    pub id: String,
    /// End user.
    pub user_id: String,
    /// Pricing-page user type.
    pub user_type: String,
    /// Chosen plan.
    pub selected_plan_code: String,
    /// Chosen add-ons.
    pub selected_add_on_codes: Vec<String>,
    /// The client's figures, as sent.
    pub pricing: Pricing,
    /// The figures recomputed from the catalogue, and which ones differ.
    pub pricing_check: PricingCheck,
    /// `pricing_page`.
    pub source: String,
    /// When the page captured it.
    pub captured_at: String,
    /// Stored.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// `pending`, `contacted`, `converted` or `expired` (computed from the clock).
    pub status: String,
    /// Notes from the last status change that had some.
    pub notes: Option<String>,
    /// Staff member who contacted them.
    pub contacted_by: Option<String>,
    /// When.
    pub contacted_at: Option<String>,
    /// Won.
    pub converted_at: Option<String>,
    /// When the sweeper stored the expiry.
    pub expired_at: Option<String>,
    /// The person behind it (`GET /api/v1/people/{personId}`).
    pub person_id: Option<String>,
}

/// The nine figures of a quote (minor units inside, numbers on the wire).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pricing(pub [i64; 9]);

impl serde::Serialize for Pricing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        pricing_json(&self.0).serialize(s)
    }
}

impl schemars::JsonSchema for Pricing {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Pricing".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let props: serde_json::Map<String, Value> = PRICING_FIELDS
            .iter()
            .map(|f| (f.to_string(), json!({ "type": "number" })))
            .collect();
        schemars::json_schema!({ "type": "object", "properties": props, "required": PRICING_FIELDS })
    }
}

/// The quote recomputed from the catalogue and `gstRate`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct PricingCheck {
    /// Every figure matches.
    pub verified: bool,
    /// The figures leadbox computes.
    pub expected: std::collections::BTreeMap<String, f64>,
    /// The figures that differ from the client's.
    #[serde(default)]
    pub mismatches: Vec<String>,
}

fn columns() -> String {
    format!(
        "id, user_id, user_type, selected_plan_code, selected_addon_codes, plan_monthly_min,
         plan_monthly_max, addons_monthly_amount, addons_onetime_amount, gst_rate_bp,
         estimated_first_month_min, estimated_first_month_max, estimated_recurring_min,
         estimated_recurring_max, pricing_check, source, captured_at, created_at, updated_at,
         {EFFECTIVE} AS effective, notes, contacted_by, contacted_at, converted_at, expired_at,
         person_id"
    )
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Selection> {
    let mut pricing = [0i64; 9];
    for (i, p) in pricing.iter_mut().enumerate() {
        *p = r.get(5 + i)?;
    }
    let corrupt = |col: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
    };
    let addons: String = r.get(4)?;
    let check: String = r.get(14)?;
    Ok(Selection {
        id: r.get(0)?,
        user_id: r.get(1)?,
        user_type: r.get(2)?,
        selected_plan_code: r.get(3)?,
        selected_add_on_codes: serde_json::from_str(&addons).map_err(|e| corrupt(4, e))?,
        pricing: Pricing(pricing),
        pricing_check: serde_json::from_str(&check).map_err(|e| corrupt(14, e))?,
        source: r.get(15)?,
        captured_at: r.get(16)?,
        created_at: r.get(17)?,
        updated_at: r.get(18)?,
        status: r.get(19)?,
        notes: r.get(20)?,
        contacted_by: r.get(21)?,
        contacted_at: r.get(22)?,
        converted_at: r.get(23)?,
        person_id: r.get(25)?,
        expired_at: r.get(24)?,
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
    let person = crate::leads::people::of_end_user(conn, ws, &input.user_id, None, now)?;
    let res = conn
        .prepare_cached(
            "INSERT INTO pricing_selections (id, workspace_id, user_id, user_type, selected_plan_code,
                 selected_addon_codes, plan_monthly_min, plan_monthly_max, addons_monthly_amount,
                 addons_onetime_amount, gst_rate_bp, estimated_first_month_min,
                 estimated_first_month_max, estimated_recurring_min, estimated_recurring_max,
                 pricing_check, source, captured_at, created_at, updated_at, status, person_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 'pricing_page', ?17, ?18, ?18, 'pending', ?19)",
        )?
        .execute(rusqlite::params![
            id, ws, input.user_id, input.user_type, input.plan_code,
            serde_json::to_string(&input.addon_codes).unwrap_or_else(|_| "[]".into()),
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], check.to_string(), input.captured_at, now, person
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
    /// Words to look for.
    pub q: Option<String>,
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
    let ids = match f.q.as_deref() {
        Some(q) => {
            w.push_str(" AND id IN (SELECT value FROM json_each(:ids))");
            crate::leads::index::matched_ids(conn, q, ws, super::kind::META.id)?
        }
        None => String::new(),
    };
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
    if f.q.is_some() {
        params.push((":ids", &ids));
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
