//! The one abstraction every lead kind plugs into, and the registry that holds them.
//!
//! A lead kind is a folder beside the others that implements [`LeadKind`] and is registered
//! once in `lib.rs` (`leadbox::kinds()`). The inbox, the NEW badge, the Overview's series,
//! CSV export, the realtime topics and their permissions, the shared lifecycle endpoints and
//! the OpenAPI entries are all derived from the registry, with no per-kind code elsewhere.

use std::sync::Arc;

use rocket::Route;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::auth::permissions::{LeadAction, Perm};
use crate::error::ApiError;
use crate::leads::index::IndexSql;
use crate::leads::lifecycle::Step;
use crate::ops::openapi::{Operation, SchemaFn};

/// A text in both catalogue languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Label {
    /// English.
    pub en: &'static str,
    /// Vietnamese.
    pub vi: &'static str,
}

impl Label {
    /// The text for a language code (`vi`, anything else is English).
    pub fn get(&self, lang: &str) -> &'static str {
        if lang == "vi" {
            self.vi
        } else {
            self.en
        }
    }
}

/// Where a status stands, for counts that span kinds (the NEW badge, conversion).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for someone: counted by the NEW badge.
    Fresh,
    /// Being worked.
    Open,
    /// Won.
    Won,
    /// Lost or expired.
    Closed,
}

/// One status a kind's leads can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusDef {
    /// Stored value, e.g. `NEW` or `pending`.
    pub value: &'static str,
    /// Bilingual label.
    pub label: Label,
    /// Its stage.
    pub stage: Stage,
}

/// The topics a kind's events are published under.
#[derive(Debug, Clone, Copy)]
pub struct Topics {
    /// A new lead reached the inbox.
    pub submitted: &'static str,
    /// Every later change.
    pub updated: &'static str,
}

/// What an inbox query may depend on besides the workspace.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// The clock's now (kinds whose status depends on time read it from here).
    pub now: OffsetDateTime,
}

/// A CSV-ready table: a header and rows of text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Cells.
    pub rows: Vec<Vec<String>>,
}

/// The one validation signature of every lead kind's input: what the request carried in, a
/// typed value or every bad field out.
pub trait Input: Sized {
    /// What the request carried (a JSON object, form fields, a raw body struct).
    type Raw;
    /// Parses `raw`; every bad field is named.
    fn parse(raw: Self::Raw) -> Result<Self, crate::error::FieldErrors>;
}

/// What a kind is, as plain data.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    /// Wire id, e.g. `inquiry`.
    pub id: &'static str,
    /// Prefix of its record ids (`inq` for `inq_…`).
    pub id_prefix: &'static str,
    /// Permission resource: `Inquiry` gives `InquiryPermissions.Find` and so on.
    pub resource: &'static str,
    /// Display name of one lead of this kind.
    pub label: Label,
    /// Where a lead of this kind comes from, named on its timeline for the steps no member
    /// took (`web form`, `in the app`).
    pub sender: Label,
    /// Bar colour on the Overview chart.
    pub colour: &'static str,
    /// API collection segment: `inquiries` for `/api/v1/inquiries`.
    pub collection: &'static str,
    /// Its admin list page; a lead's page is `{admin_path}/{id}`.
    pub admin_path: &'static str,
    /// The topics of its events.
    pub topics: Topics,
    /// Every status, the fresh one first.
    pub statuses: &'static [StatusDef],
    /// The table with the shared lifecycle columns (`status, assignee_id, replied_at,
    /// converted_at, lost_reason, updated_at, deleted_at`) for kinds that follow
    /// `NEW → ASSIGNED → REPLIED → CONVERTED | LOST`; None for kinds with their own workflow.
    pub lifecycle_table: Option<&'static str>,
}

/// The contract of a lead kind.
pub trait LeadKind: Send + Sync + 'static {
    /// What the kind is.
    fn meta(&self) -> &'static Meta;
    /// How its rows feed the unified lead index, its counters and full-text search.
    fn index(&self) -> IndexSql;
    /// A kind's own veto on a lifecycle step (inquiries refuse steps in the spam folder).
    fn check_step(
        &self,
        _conn: &Connection,
        _ws: &str,
        _id: &str,
        _step: &Step,
    ) -> Result<(), ApiError> {
        Ok(())
    }
    /// The API representation of one lead (after a lifecycle step).
    fn find_json(
        &self,
        conn: &Connection,
        ws: &str,
        id: &str,
        scope: &Scope,
    ) -> Result<Value, ApiError>;
    /// The schema of `find_json`'s answer, for the OpenAPI document of the lifecycle calls
    /// (`ops::openapi::schema_of::<Success<View>>`).
    fn view_schema(&self) -> SchemaFn;
    /// Its own list as a table, for CSV export from its list page.
    fn export(&self, conn: &Connection, ws: &str, scope: &Scope) -> Result<Table, ApiError>;
    /// Its capture, management and page routes (the shared lifecycle routes are not here).
    fn routes(&self) -> Vec<Route>;
    /// The OpenAPI operations of its own routes.
    fn operations(&self) -> Vec<Operation>;
    /// Replaces every personal field of lead `id` (names, addresses, phone numbers, free
    /// text, network details), keeping what counts and timelines need (status, dates, plan,
    /// figures). Runs inside the erasure's writer job; the shared machinery erases notes,
    /// events, deliveries and end users itself.
    fn erase(&self, conn: &Connection, ws: &str, id: &str) -> Result<(), ApiError>;
    /// DDL that creates its tables when they are not created by the embedded migrations (a
    /// kind defined outside this crate); run once at start.
    fn schema(&self) -> Option<&'static str> {
        None
    }

    /// `{Resource}Permissions.{action}`.
    fn perm(&self, action: LeadAction) -> Perm {
        Perm::Lead(self.meta().resource, action)
    }
    /// The status definition of a stored value.
    fn status(&self, value: &str) -> Option<&'static StatusDef> {
        self.statuses().iter().find(|s| s.value == value)
    }
    /// Wire id.
    fn id(&self) -> &'static str {
        self.meta().id
    }
    /// Record id prefix.
    fn id_prefix(&self) -> &'static str {
        self.meta().id_prefix
    }
    /// Display name.
    fn label(&self) -> Label {
        self.meta().label
    }
    /// Chart colour.
    fn colour(&self) -> &'static str {
        self.meta().colour
    }
    /// API collection segment.
    fn collection(&self) -> &'static str {
        self.meta().collection
    }
    /// Admin list path.
    fn admin_path(&self) -> &'static str {
        self.meta().admin_path
    }
    /// Event topics.
    fn topics(&self) -> Topics {
        self.meta().topics
    }
    /// Every status, the fresh one first.
    fn statuses(&self) -> &'static [StatusDef] {
        self.meta().statuses
    }
    /// The lifecycle table, if the kind follows the shared lifecycle.
    fn lifecycle_table(&self) -> Option<&'static str> {
        self.meta().lifecycle_table
    }
    /// Permission resource.
    fn resource(&self) -> &'static str {
        self.meta().resource
    }
}

/// Every registered lead kind, in registration order.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: Vec<Arc<dyn LeadKind>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a kind; ids, prefixes and collections must be unique.
    pub fn with(mut self, kind: impl LeadKind) -> Registry {
        assert!(
            self.kinds.iter().all(|k| k.id() != kind.id()
                && k.id_prefix() != kind.id_prefix()
                && k.collection() != kind.collection()),
            "lead kind {} is registered twice",
            kind.id()
        );
        self.kinds.push(Arc::new(kind));
        self
    }

    /// All kinds.
    pub fn all(&self) -> &[Arc<dyn LeadKind>] {
        &self.kinds
    }

    /// The kind with this wire id.
    pub fn get(&self, id: &str) -> Option<&Arc<dyn LeadKind>> {
        self.kinds.iter().find(|k| k.id() == id)
    }

    /// The kind of an API collection segment.
    pub fn by_collection(&self, collection: &str) -> Option<&Arc<dyn LeadKind>> {
        self.kinds.iter().find(|k| k.collection() == collection)
    }

    /// The kind a record id belongs to, by its prefix.
    pub fn of_record(&self, id: &str) -> Option<&Arc<dyn LeadKind>> {
        let prefix = id.split_once('_')?.0;
        self.kinds.iter().find(|k| k.id_prefix() == prefix)
    }

    /// The kind whose admin path is `path`.
    pub fn by_admin_path(&self, path: &str) -> Option<&Arc<dyn LeadKind>> {
        self.kinds.iter().find(|k| k.admin_path() == path)
    }

    /// Every realtime topic with the permission a socket needs to subscribe to it.
    pub fn topics(&self) -> Vec<(&'static str, Perm)> {
        self.kinds
            .iter()
            .flat_map(|k| {
                let t = k.topics();
                let p = k.perm(LeadAction::Find);
                [(t.submitted, p), (t.updated, p)]
            })
            .collect()
    }

    /// The permission a topic needs, if it is a topic at all.
    pub fn topic_permission(&self, topic: &str) -> Option<Perm> {
        self.topics()
            .into_iter()
            .find(|(t, _)| *t == topic)
            .map(|(_, p)| p)
    }

    /// The kind whose event topics include `topic`.
    pub fn of_topic(&self, topic: &str) -> Option<&Arc<dyn LeadKind>> {
        self.kinds.iter().find(|k| {
            let t = k.topics();
            t.submitted == topic || t.updated == topic
        })
    }
}
