//! List conventions shared by every collection: `page`, `limit`, `sortBy`, `sortOrder`, date
//! ranges, and the `{items, pagination}` answer.

use serde::Serialize;
use time::macros::format_description;

use crate::error::FieldErrors;
use crate::util;

/// A query parameter that may be given at most once. Rocket would quietly drop a repeated
/// one (`?spam=true&spam=false` read as absent); this keeps the first and remembers the repeat,
/// so the list's parser can name it. Reads like the `Option<String>` it stands for.
#[derive(Debug, Default, Clone)]
pub struct One {
    value: Option<String>,
    repeated: bool,
}

impl std::ops::Deref for One {
    type Target = Option<String>;
    fn deref(&self) -> &Option<String> {
        &self.value
    }
}

#[rocket::async_trait]
impl<'r> rocket::form::FromForm<'r> for One {
    type Context = One;
    fn init(_: rocket::form::Options) -> One {
        <One as Default>::default()
    }
    fn push_value(c: &mut One, field: rocket::form::ValueField<'r>) {
        if c.value.is_some() {
            c.repeated = true;
        } else {
            c.value = Some(field.value.to_string());
        }
    }
    async fn push_data(c: &mut One, _: rocket::form::DataField<'r, '_>) {
        c.repeated = true;
    }
    fn finalize(c: One) -> rocket::form::Result<'r, One> {
        Ok(c)
    }
    fn default(_: rocket::form::Options) -> Option<One> {
        Some(<One as Default>::default())
    }
}

impl schemars::JsonSchema for One {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "One".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

/// Names every parameter of `fields` that was given more than once.
pub fn once(fields: &[(&str, &One)], errs: &mut FieldErrors) {
    for (name, f) in fields {
        if f.repeated {
            errs.add(name, "must be given at most once");
        }
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// 1-based page.
    pub page: i64,
    /// Items per page (1–100).
    pub limit: i64,
}

impl Page {
    /// `(limit, offset)` of this page.
    pub fn window(self) -> (i64, i64) {
        (self.limit, (self.page - 1) * self.limit)
    }
}

/// Parses `page` (default 1) and `limit` (default 20, at most 100).
pub fn parse_page(page: Option<&str>, limit: Option<&str>, errs: &mut FieldErrors) -> Page {
    let page = match page.map(str::trim) {
        None | Some("") => 1,
        Some(p) => match p.parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => n,
            _ => {
                errs.add("page", "must be a whole number from 1");
                1
            }
        },
    };
    let limit = match limit.map(str::trim) {
        None | Some("") => 20,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                errs.add("limit", "must be a whole number from 1 to 100");
                20
            }
        },
    };
    Page { page, limit }
}

/// Picks the column for `sortBy` from `allowed` (API name → column); the first is the default.
pub fn parse_sort(
    sort_by: Option<&str>,
    sort_order: Option<&str>,
    allowed: &[(&str, &'static str)],
    errs: &mut FieldErrors,
) -> (&'static str, bool) {
    let column = match sort_by.map(str::trim) {
        None | Some("") => allowed[0].1,
        Some(s) => match allowed.iter().find(|(name, _)| *name == s) {
            Some((_, col)) => col,
            None => {
                let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
                errs.add("sortBy", format!("must be one of {}", names.join(", ")));
                allowed[0].1
            }
        },
    };
    let asc = match sort_order.map(|s| s.trim().to_ascii_lowercase()) {
        None => false,
        Some(o) if o.is_empty() || o == "desc" => false,
        Some(o) if o == "asc" => true,
        Some(_) => {
            errs.add("sortOrder", "must be asc or desc");
            false
        }
    };
    (column, asc)
}

/// Parses a range bound: RFC 3339, or a date (`YYYY-MM-DD`, whole day; `end` moves to the next
/// day so the range includes it).
pub fn parse_bound(
    field: &str,
    raw: Option<&str>,
    end: bool,
    errs: &mut FieldErrors,
) -> Option<String> {
    let s = raw.map(str::trim).filter(|s| !s.is_empty())?;
    if let Some(t) = util::parse_rfc3339(s) {
        return Some(util::rfc3339(t));
    }
    let fmt = format_description!("[year]-[month]-[day]");
    match time::Date::parse(s, fmt) {
        Ok(d) => {
            let d = if end { d.next_day().unwrap_or(d) } else { d };
            Some(util::rfc3339(d.midnight().assume_utc()))
        }
        Err(_) => {
            errs.add(
                field,
                "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
            );
            None
        }
    }
}

/// Parses a search text: trimmed, empty is none, at most 200 characters.
pub fn parse_q(raw: Option<&str>, errs: &mut FieldErrors) -> Option<String> {
    let q = raw.map(str::trim).filter(|s| !s.is_empty())?;
    if q.chars().count() > 200 {
        errs.add("q", "must be at most 200 characters");
        return None;
    }
    Some(q.to_string())
}

/// Parses an assignee filter: a member id or `none`, at most 100 characters.
pub fn parse_assignee(raw: Option<&str>, errs: &mut FieldErrors) -> Option<String> {
    let a = raw.map(str::trim).filter(|s| !s.is_empty())?;
    if a.chars().count() > 100 {
        errs.add("assigneeId", "must be at most 100 characters");
        return None;
    }
    Some(a.to_string())
}

/// Parses a boolean query flag.
pub fn parse_flag(field: &str, raw: Option<&str>, errs: &mut FieldErrors) -> bool {
    match raw.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            errs.add(field, "must be true or false");
            false
        }
    }
}

/// A `LIKE … ESCAPE '\\'` pattern that finds `q` anywhere, its `%`, `_` and `\\` taken literally.
pub fn like_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The documented shape of `page`: a whole number from 1.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
pub struct PageNumber(#[schemars(range(min = 1, max = 1_000_000))] pub i64);

/// The documented shape of `limit`: a whole number from 1 to 100.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
pub struct PageSize(#[schemars(range(min = 1, max = 100))] pub i64);

/// The documented shape of a date-range bound: `YYYY-MM-DD` or an RFC 3339 timestamp.
#[derive(schemars::JsonSchema)]
#[schemars(transparent)]
pub struct DateBound(
    #[schemars(pattern(r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"))] pub String,
);

/// `asc` or `desc`.
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SortOrder {
    /// Oldest or smallest first.
    Asc,
    /// Newest or largest first.
    Desc,
}

/// Where a page stands in its list.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// 1-based page.
    pub current_page: i64,
    /// Items per page.
    pub page_size: i64,
    /// Items in the whole list.
    pub total_items: i64,
    /// Pages in the whole list.
    pub total_pages: i64,
}

/// `{items, pagination: {currentPage, pageSize, totalItems, totalPages}}`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Page_{T}")]
pub struct Paged<T> {
    /// This page.
    pub items: Vec<T>,
    /// Where it stands.
    pub pagination: Pagination,
}

/// One page of `items` out of `total`.
pub fn paged<T: Serialize>(items: Vec<T>, page: Page, total: i64) -> Paged<T> {
    Paged {
        items,
        pagination: Pagination {
            current_page: page.page,
            page_size: page.limit,
            total_items: total,
            total_pages: (total + page.limit - 1) / page.limit,
        },
    }
}

/// A `WHERE` clause built from optional filters, with its positional arguments; shared by
/// every lead list so the filters mean the same everywhere.
pub struct Where {
    /// The clause so far.
    pub sql: String,
    /// Its arguments, in order.
    pub args: Vec<Box<dyn rusqlite::types::ToSql>>,
}

impl Where {
    /// Starts from a fixed condition and its arguments.
    pub fn new(base: &str, args: Vec<Box<dyn rusqlite::types::ToSql>>) -> Where {
        Where {
            sql: base.to_string(),
            args,
        }
    }

    /// `AND column = value` when a value is given.
    pub fn eq<T: rusqlite::types::ToSql + 'static>(&mut self, column: &str, value: Option<T>) {
        if let Some(v) = value {
            self.sql.push_str(&format!(" AND {column} = ?"));
            self.args.push(Box::new(v));
        }
    }

    /// `AND column IS NULL`.
    pub fn null(&mut self, column: &str) {
        self.sql.push_str(&format!(" AND {column} IS NULL"));
    }

    /// The assignee filter: an id, or `none` for unassigned.
    pub fn assignee(&mut self, assignee: Option<&str>) {
        match assignee {
            Some("none") => self.sql.push_str(" AND assignee_id IS NULL"),
            Some(a) => self.eq("assignee_id", Some(a.to_string())),
            None => {}
        }
    }

    /// Words found in any of `columns` (`%`, `_` and `\` taken literally).
    pub fn search(&mut self, q: Option<&str>, columns: &[&str]) {
        let Some(q) = q else { return };
        let like = like_pattern(q);
        let any: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} LIKE ? ESCAPE '\\'"))
            .collect();
        self.sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        for _ in columns {
            self.args.push(Box::new(like.clone()));
        }
    }

    /// Created at or after `from`, and before `to`.
    pub fn created(&mut self, from: Option<&str>, to: Option<&str>) {
        if let Some(f) = from {
            self.sql.push_str(" AND created_at >= ?");
            self.args.push(Box::new(f.to_string()));
        }
        if let Some(t) = to {
            self.sql.push_str(" AND created_at < ?");
            self.args.push(Box::new(t.to_string()));
        }
    }

    /// The arguments as rusqlite wants them.
    pub fn params(&self) -> Vec<&dyn rusqlite::types::ToSql> {
        self.args.iter().map(|b| b.as_ref()).collect()
    }
}
