//! The query every lead kind's list takes (`status`, `type`, `assigneeId`, `q`, `spam`,
//! `deleted`, `from`, `to`, paging and sorting), validated once for all of them.

use rusqlite::{Connection, Row};

use crate::error::{ApiError, FieldErrors};
use crate::leads::lifecycle::Status;
use crate::paging::{self, One, Where};

/// Query parameters of the list and count calls, all optional and validated by hand (so a bad
/// value is a field-named 400); the schema says what each one takes.
#[derive(rocket::FromForm, Default, Debug, schemars::JsonSchema)]
pub struct ListQuery {
    /// A lifecycle status.
    #[schemars(with = "Option<Status>")]
    #[serde(default)]
    status: One,
    /// The kind's own type filter (inquiries: `sales`, `partnership`, `support`, `other`).
    #[field(name = "type")]
    #[schemars(skip)]
    #[serde(default)]
    kind: One,
    /// A member id, or `none` for unassigned leads.
    #[field(name = "assigneeId")]
    #[serde(rename = "assigneeId")]
    #[schemars(length(min = 1, max = 100))]
    #[serde(default)]
    assignee_id: One,
    /// Words to look for.
    #[schemars(length(min = 1, max = 200))]
    #[serde(default)]
    q: One,
    /// The spam folder instead of the inbox.
    #[schemars(with = "Option<bool>")]
    #[serde(default)]
    spam: One,
    /// The bin (soft-deleted leads) instead of the inbox.
    #[schemars(with = "Option<bool>")]
    #[serde(default)]
    deleted: One,
    /// Inquiries only (documented by their own query): held in quarantine instead of the inbox.
    #[schemars(skip)]
    #[serde(default)]
    quarantined: One,
    /// Inquiries only: whose first touch came from this source.
    #[schemars(skip)]
    #[serde(default)]
    source: One,
    /// Inquiries only: sent through this form (`form_…`), or `default` for the built-in form.
    #[field(name = "formId")]
    #[schemars(skip)]
    #[serde(default)]
    form_id: One,
    /// Created at or after: `YYYY-MM-DD` or RFC 3339.
    #[schemars(with = "Option<paging::DateBound>")]
    #[serde(default)]
    from: One,
    /// Created before (a date includes that whole day).
    #[schemars(with = "Option<paging::DateBound>")]
    #[serde(default)]
    to: One,
    /// 1-based page (default 1).
    #[schemars(with = "Option<paging::PageNumber>")]
    #[serde(default)]
    page: One,
    /// Items per page, 1–100 (default 20).
    #[schemars(with = "Option<paging::PageSize>")]
    #[serde(default)]
    limit: One,
    /// `createdAt` (default), `updatedAt`, `status` or `name`.
    #[field(name = "sortBy")]
    #[serde(rename = "sortBy")]
    #[schemars(with = "Option<ListSort>")]
    #[serde(default)]
    sort_by: One,
    /// `asc` or `desc` (default).
    #[field(name = "sortOrder")]
    #[serde(rename = "sortOrder")]
    #[schemars(with = "Option<paging::SortOrder>")]
    #[serde(default)]
    sort_order: One,
}

/// The sort keys of a lead list.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum ListSort {
    #[serde(rename = "createdAt")]
    CreatedAt,
    #[serde(rename = "updatedAt")]
    UpdatedAt,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "name")]
    Name,
}

/// The sort keys every lead list takes.
pub const SORTS: &[(&str, &str)] = &[
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
    ("status", "status"),
    ("name", "name"),
];

/// What a kind's list filters on besides the shared filters.
#[derive(Debug, Clone, Copy)]
pub struct Own<'a> {
    /// The values of its `type` filter (none: it has no `type`).
    pub types: &'a [&'a str],
    /// Whether it takes the filters of leads sent through forms: `quarantined`, `source`
    /// and `formId` (inquiries).
    pub from_forms: bool,
}

impl ListQuery {
    /// Validates the filters; every bad parameter is named, and so is a filter the kind
    /// does not have.
    pub fn filter(&self, own: Own, errs: &mut FieldErrors) -> Filter {
        let types = own.types;
        if !own.from_forms {
            for (name, given) in [
                ("quarantined", &self.quarantined),
                ("source", &self.source),
                ("formId", &self.form_id),
            ] {
                if given.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                    errs.add(name, "is not a filter of this list");
                }
            }
        }
        paging::once(
            &[
                ("status", &self.status),
                ("type", &self.kind),
                ("assigneeId", &self.assignee_id),
                ("q", &self.q),
                ("spam", &self.spam),
                ("deleted", &self.deleted),
                ("quarantined", &self.quarantined),
                ("source", &self.source),
                ("formId", &self.form_id),
                ("from", &self.from),
                ("to", &self.to),
                ("page", &self.page),
                ("limit", &self.limit),
                ("sortBy", &self.sort_by),
                ("sortOrder", &self.sort_order),
            ],
            errs,
        );
        let status = self
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|s| errs.take("status", Status::parse(s)));
        let kind = self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|k| {
                let k = k.to_lowercase();
                if types.contains(&k.as_str()) {
                    Some(k)
                } else if types.is_empty() {
                    errs.add("type", "is not a filter of this list");
                    None
                } else {
                    errs.add("type", format!("must be one of {}", types.join(", ")));
                    None
                }
            });
        let q = paging::parse_q(self.q.as_deref(), errs);
        Filter {
            status,
            kind,
            assignee_id: paging::parse_assignee(self.assignee_id.as_deref(), errs),
            q,
            matched: Default::default(),
            spam: paging::parse_flag("spam", self.spam.as_deref(), errs),
            deleted: paging::parse_flag("deleted", self.deleted.as_deref(), errs),
            quarantined: paging::parse_flag("quarantined", self.quarantined.as_deref(), errs),
            source: parse_source(self.source.as_deref(), errs),
            form_id: parse_form_id(self.form_id.as_deref(), errs),
            from: paging::parse_bound("from", self.from.as_deref(), false, errs),
            to: paging::parse_bound("to", self.to.as_deref(), true, errs),
        }
    }

    /// Validates paging and sorting.
    pub fn page_and_sort(&self, errs: &mut FieldErrors) -> (paging::Page, Sort) {
        let page = paging::parse_page(self.page.as_deref(), self.limit.as_deref(), errs);
        let (column, asc) = paging::parse_sort(
            self.sort_by.as_deref(),
            self.sort_order.as_deref(),
            SORTS,
            errs,
        );
        (page, Sort { column, asc })
    }
}

/// A source filter: trimmed, lower case, at most 100 characters.
pub fn parse_source(v: Option<&str>, errs: &mut FieldErrors) -> Option<String> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    if s.chars().count() > 100 {
        errs.add("source", "must be at most 100 characters");
        return None;
    }
    if s.chars().any(char::is_control) {
        errs.add("source", "must not contain control characters");
        return None;
    }
    Some(s.to_lowercase())
}

/// A form filter: a form's id (`form_…`) or `default` (the built-in form).
fn parse_form_id(v: Option<&str>, errs: &mut FieldErrors) -> Option<String> {
    let s = v.map(str::trim).filter(|s| !s.is_empty())?;
    let id = s.strip_prefix("form_").unwrap_or("");
    let ok = s == "default"
        || (!id.is_empty()
            && s.len() <= 100
            && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    if !ok {
        errs.add("formId", "must be a form's id (form_…) or default");
        return None;
    }
    Some(s.to_ascii_lowercase())
}

/// List filters, already validated.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only this type.
    pub kind: Option<String>,
    /// Only this assignee (`none` = unassigned).
    pub assignee_id: Option<String>,
    /// Words in name, email, company, subject or message.
    pub q: Option<String>,
    /// The ids `q` matched, once looked up.
    pub matched: std::cell::OnceCell<String>,
    /// The spam folder instead of the inbox.
    pub spam: bool,
    /// The bin (soft-deleted) instead of the inbox.
    pub deleted: bool,
    /// Quarantined inquiries instead of the inbox.
    pub quarantined: bool,
    /// Only this first-touch source.
    pub source: Option<String>,
    /// Only leads sent through this form (`default`: the built-in one).
    pub form_id: Option<String>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub to: Option<String>,
}

/// Sort column and direction, already validated.
#[derive(Debug, Clone, Copy)]
pub struct Sort {
    /// Column name (from a fixed list).
    pub column: &'static str,
    /// Ascending.
    pub asc: bool,
}

/// A lead with its timeline (what find-by-id answers).
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "{T}_with_timeline")]
pub struct WithTimeline<T> {
    /// The lead.
    #[serde(flatten)]
    pub lead: T,
    /// Its steps, oldest first.
    pub timeline: Vec<crate::leads::timeline::Entry>,
}

/// How many rows of `table` match `w`.
pub fn count(conn: &Connection, table: &str, w: &Where) -> Result<i64, ApiError> {
    Ok(conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {table} WHERE {}", w.sql))?
        .query_row(w.params().as_slice(), |r| r.get(0))?)
}

/// One page of `columns` of the rows of `table` matching `w`, ordered by `sort` and then by
/// insertion order, each mapped by `map`.
pub fn page<T>(
    conn: &Connection,
    table: &str,
    columns: &str,
    mut w: Where,
    sort: Sort,
    (limit, offset): (i64, i64),
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, ApiError> {
    w.args.push(Box::new(limit));
    w.args.push(Box::new(offset));
    let dir = if sort.asc { "ASC" } else { "DESC" };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {columns} FROM {table} WHERE {} ORDER BY {} {dir}, rowid {dir} LIMIT ? OFFSET ?",
        w.sql, sort.column
    ))?;
    let rows = stmt.query_map(w.params().as_slice(), map)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

impl ListQuery {
    /// Validates everything: filters (with the kind's `types`), paging and sorting.
    pub fn parse(&self, own: Own) -> Result<(Filter, paging::Page, Sort), ApiError> {
        let mut errs = FieldErrors::default();
        let filter = self.filter(own, &mut errs);
        let (page, sort) = self.page_and_sort(&mut errs);
        errs.finish()?;
        Ok((filter, page, sort))
    }
}
