//! What an inbox asks for: the query parameters, checked into an [`Inbox`].

use crate::auth::permissions::{LeadAction, Role};
use crate::error::FieldErrors;
use crate::leads::kind::Registry;
use crate::paging::{self, One, Page};

/// Query parameters of the inbox, validated by `parse` (so a bad value is a field-named 400,
/// not a missing route); the schema says what each one takes.
#[derive(rocket::FromForm, Default, Debug, Clone, schemars::JsonSchema)]
pub struct LeadsQuery {
    /// A lead kind's id (`inquiry`, `contact_request`, `pricing_selection`, …).
    #[schemars(length(min = 1, max = 50), pattern(r"^[a-z_]+$"))]
    #[serde(default)]
    kind: One,
    /// A status of the selected kinds (`NEW`, `pending`, …).
    #[schemars(length(min = 1, max = 20), pattern(r"^[A-Za-z]+$"))]
    #[serde(default)]
    status: One,
    /// A member id, or `none` for unassigned leads.
    #[field(name = "assigneeId")]
    #[serde(rename = "assigneeId")]
    #[schemars(length(min = 1, max = 100))]
    #[serde(default)]
    assignee_id: One,
    /// Words in names, emails, companies, subjects, messages, replies and notes (ranked,
    /// best match first unless `sortBy` is given).
    #[schemars(length(min = 1, max = 200))]
    #[serde(default)]
    q: One,
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
    /// `createdAt` (default), `status`, `name` or `dueAt` (the waiting leads with a due time
    /// only, soonest first unless `sortOrder=desc`).
    #[field(name = "sortBy")]
    #[serde(rename = "sortBy")]
    #[schemars(with = "Option<InboxSort>")]
    #[serde(default)]
    sort_by: One,
    /// `asc` or `desc` (default).
    #[field(name = "sortOrder")]
    #[serde(rename = "sortOrder")]
    #[schemars(with = "Option<paging::SortOrder>")]
    #[serde(default)]
    sort_order: One,
    /// `true`: only waiting leads past their `dueAt`.
    #[schemars(with = "Option<bool>")]
    #[serde(default)]
    overdue: One,
    /// Only leads whose first touch came from this source (`google`, `bing.com`, `direct`).
    #[schemars(length(min = 1, max = 100), pattern(crate::domain::LINE))]
    #[serde(default)]
    source: One,
}

/// The inbox's sort keys.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum InboxSort {
    #[serde(rename = "createdAt")]
    CreatedAt,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "dueAt")]
    DueAt,
}

/// A validated inbox query.
#[derive(Debug, Clone)]
pub struct Inbox {
    /// Kinds to include (their wire ids).
    pub kinds: Vec<&'static str>,
    /// The kind asked for by name, if one was.
    pub kind: Option<&'static str>,
    /// Only this stored status.
    pub status: Option<&'static str>,
    /// Only this assignee (`none` = unassigned).
    pub assignee_id: Option<String>,
    /// Words in any searchable column.
    pub q: Option<String>,
    /// Created at or after.
    pub from: Option<String>,
    /// Created before.
    pub to: Option<String>,
    /// Sort column.
    pub column: &'static str,
    /// Ascending.
    pub asc: bool,
    /// With `q` and no sort asked for: best match first.
    pub ranked: bool,
    /// Only waiting leads past their `dueAt`.
    pub overdue: bool,
    /// Only this first-touch source.
    pub source: Option<String>,
    /// Paging.
    pub page: Page,
}

impl Inbox {
    /// The unfiltered first page of these kinds, newest first.
    pub fn newest(kinds: Vec<&'static str>) -> Inbox {
        Inbox {
            kinds,
            kind: None,
            status: None,
            assignee_id: None,
            q: None,
            from: None,
            to: None,
            column: "created_at",
            asc: false,
            ranked: false,
            overdue: false,
            source: None,
            page: Page { page: 1, limit: 20 },
        }
    }
}

/// The kinds a role may list.
pub fn readable(kinds: &Registry, role: Role) -> Vec<&'static str> {
    kinds
        .all()
        .iter()
        .filter(|k| role.can(k.perm(LeadAction::Find)))
        .map(|k| k.id())
        .collect()
}

impl LeadsQuery {
    /// Validates every parameter for a caller who may read `readable` kinds.
    pub fn parse(
        &self,
        kinds: &Registry,
        readable: &[&'static str],
        errs: &mut FieldErrors,
    ) -> Inbox {
        let asked = self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let (selected, kind) = match asked {
            None => (readable.to_vec(), None),
            Some(k) => match kinds.get(k) {
                Some(found) if readable.contains(&found.id()) => {
                    (vec![found.id()], Some(found.id()))
                }
                Some(found) => (vec![], Some(found.id())),
                None => {
                    let ids: Vec<&str> = kinds.all().iter().map(|k| k.id()).collect();
                    errs.add("kind", format!("must be one of {}", ids.join(", ")));
                    (vec![], None)
                }
            },
        };
        let status = self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| {
                // Any kind's status may be asked for; with kinds that lack it, nothing matches.
                let found = kinds
                    .all()
                    .iter()
                    .flat_map(|k| k.statuses().iter())
                    .find(|d| d.value.eq_ignore_ascii_case(s))
                    .map(|d| d.value);
                if found.is_none() {
                    errs.add(
                        "status",
                        format!("must be one of {}", status_names(kinds, &selected)),
                    );
                }
                found
            });
        let page = paging::parse_page(self.page.as_deref(), self.limit.as_deref(), errs);
        let (column, asc) = paging::parse_sort(
            self.sort_by.as_deref(),
            self.sort_order.as_deref(),
            &[
                ("createdAt", "created_at"),
                ("status", "status"),
                ("name", "name"),
                ("dueAt", "due_at"),
            ],
            errs,
        );
        // The soonest due first, unless asked otherwise.
        let asc = asc
            || (column == "due_at"
                && self
                    .sort_order
                    .as_deref()
                    .is_none_or(|o| o.trim().is_empty()));
        Inbox {
            kinds: selected,
            kind,
            status,
            assignee_id: paging::parse_assignee(self.assignee_id.as_deref(), errs),
            q: paging::parse_q(self.q.as_deref(), errs),
            from: paging::parse_bound("from", self.from.as_deref(), false, errs),
            to: paging::parse_bound("to", self.to.as_deref(), true, errs),
            column,
            asc,
            ranked: self.sort_by.as_deref().is_none_or(|s| s.trim().is_empty()),
            overdue: paging::parse_flag("overdue", self.overdue.as_deref(), errs),
            source: crate::leads::list::parse_source(self.source.as_deref(), errs),
            page,
        }
    }
}

/// The distinct status values of the selected kinds, for messages and the filter.
fn status_names(kinds: &Registry, selected: &[&str]) -> String {
    let mut names: Vec<&str> = vec![];
    for k in selected.iter().filter_map(|id| kinds.get(id)) {
        for s in k.statuses() {
            if !names.contains(&s.value) {
                names.push(s.value);
            }
        }
    }
    names.join(", ")
}
