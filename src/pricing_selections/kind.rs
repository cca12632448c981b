//! The pricing-selection lead kind: what it tells the shared machinery about itself. It keeps
//! its own `pending → contacted → converted` workflow, so it takes no shared lifecycle steps.

use rocket::Route;
use rusqlite::Connection;
use serde_json::Value;

use super::api::{SelectionQuery, StatusBody, Stored};
use super::model::SelectionBody;
use super::queries::Selection;
use super::queries::{self, ListFilter};
use super::service::{cutoffs_at, SUBMITTED, UPDATED};
use super::service::{StatusChanged, WithUser};
use crate::auth::permissions::{LeadAction, Perm};
use crate::error::ApiError;
use crate::leads::kind::{Label, LeadKind, Meta, Scope, Stage, StatusDef, Table, Topics};
use crate::ops::openapi::{schema_of, Operation, SchemaFn, Success};
use crate::paging::Paged;

/// Plans picked at signup.
pub struct PricingSelections;

/// The permission resource of pricing selections.
pub const RESOURCE: &str = "PricingSelection";

/// `PricingSelectionPermissions.{action}`.
pub fn perm(action: LeadAction) -> Perm {
    Perm::Lead(RESOURCE, action)
}

/// Its statuses; `expired` is computed from the clock on every read.
pub const STATUS_DEFS: &[StatusDef] = &[
    StatusDef {
        value: "pending",
        label: Label {
            en: "Pending",
            vi: "Đang chờ",
        },
        stage: Stage::Fresh,
    },
    StatusDef {
        value: "contacted",
        label: Label {
            en: "Contacted",
            vi: "Đã liên hệ",
        },
        stage: Stage::Open,
    },
    StatusDef {
        value: "converted",
        label: Label {
            en: "Converted",
            vi: "Đã chuyển đổi",
        },
        stage: Stage::Won,
    },
    StatusDef {
        value: "expired",
        label: Label {
            en: "Expired",
            vi: "Đã hết hạn",
        },
        stage: Stage::Closed,
    },
];

const META: Meta = Meta {
    id: "pricing_selection",
    id_prefix: "ps",
    resource: RESOURCE,
    label: Label {
        en: "Pricing selection",
        vi: "Lựa chọn gói giá",
    },
    colour: "#1e7e4a",
    collection: "pricing-selections",
    admin_path: "/admin/pricing",
    topics: Topics {
        submitted: SUBMITTED,
        updated: UPDATED,
    },
    statuses: STATUS_DEFS,
    lifecycle_table: None,
};

impl LeadKind for PricingSelections {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn inbox_select(&self, scope: &Scope) -> String {
        // Our own timestamps, so they are safe to inline.
        let cut = cutoffs_at(scope.now);
        let q = |s: &str| format!("'{}'", s.replace('\'', ""));
        format!(
            "SELECT p.id,
                CASE WHEN p.status = 'pending' AND p.created_at <= {pcut} THEN 'expired'
                     WHEN p.status = 'contacted' AND p.contacted_at <= {ccut} THEN 'expired'
                     ELSE p.status END AS status,
                COALESCE(e.name, e.email, p.user_id) AS name, e.email AS email,
                e.company AS company, p.created_at, p.contacted_by AS assignee_id,
                p.workspace_id, p.rowid AS rid,
                COALESCE(e.name, '') || ' ' || COALESCE(e.email, '') || ' ' || COALESCE(e.company, '')
                    || ' ' || p.selected_plan_code AS haystack
             FROM pricing_selections p
             LEFT JOIN end_users e ON e.workspace_id = p.workspace_id AND e.id = p.user_id",
            pcut = q(&cut.pending),
            ccut = q(&cut.contacted)
        )
    }
    fn find_json(
        &self,
        conn: &Connection,
        ws: &str,
        id: &str,
        scope: &Scope,
    ) -> Result<Value, ApiError> {
        let cut = cutoffs_at(scope.now);
        let sel = queries::by_id(conn, ws, id, &cut)?.ok_or_else(ApiError::not_found)?;
        serde_json::to_value(sel).map_err(ApiError::internal)
    }
    fn export(&self, conn: &Connection, ws: &str, scope: &Scope) -> Result<Table, ApiError> {
        let cut = cutoffs_at(scope.now);
        let (items, _) = queries::list(
            conn,
            ws,
            &ListFilter::default(),
            &cut,
            ("created_at", false),
            crate::leads::inbox::EXPORT_LIMIT,
            0,
        )?;
        let header = [
            "id",
            "createdAt",
            "status",
            "userId",
            "userType",
            "selectedPlanCode",
            "capturedAt",
            "verified",
            "notes",
            "contactedAt",
            "convertedAt",
            "expiredAt",
        ];
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let rows = items
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.created_at.clone(),
                    s.status.clone(),
                    s.user_id.clone(),
                    s.user_type.clone(),
                    s.selected_plan_code.clone(),
                    s.captured_at.clone(),
                    s.pricing_check.verified.to_string(),
                    o(&s.notes),
                    o(&s.contacted_at),
                    o(&s.converted_at),
                    o(&s.expired_at),
                ]
            })
            .collect();
        Ok(Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        })
    }
    fn view_schema(&self) -> SchemaFn {
        schema_of::<Success<Selection>>
    }
    fn routes(&self) -> Vec<Route> {
        super::routes()
    }
    fn operations(&self) -> Vec<Operation> {
        let p = |a: LeadAction| perm(a).name();
        vec![
            Operation::new(
                "post",
                "/api/v1/pricing-selections",
                "Store a pricing selection (end user for themselves, or staff/API token); codes USER_TYPE_MISMATCH, INVALID_PLAN_CODE, USER_NOT_FOUND, DUPLICATE_SELECTION",
                &p(LeadAction::Create),
            )
            .body::<SelectionBody>()
            .ok::<Stored>(201, "Stored"),
            Operation::new(
                "get",
                "/api/v1/pricing-selections/{user_id}",
                "A user's newest selection with user {email, name, company}; end users only their own",
                &p(LeadAction::FindById),
            )
            .ok::<WithUser>(200, "The selection"),
            Operation::new(
                "get",
                "/api/v1/pricing-selections",
                "Admin list (status, userType, paging, sortBy createdAt|capturedAt)",
                &p(LeadAction::Find),
            )
            .query::<SelectionQuery>()
            .ok::<Paged<Selection>>(200, "One page"),
            Operation::new(
                "patch",
                "/api/v1/pricing-selections/{id}/status",
                "pending → contacted → converted, with notes; INVALID_STATUS_TRANSITION otherwise",
                &p(LeadAction::UpdateStatus),
            )
            .body::<StatusBody>()
            .ok::<StatusChanged>(200, "Changed"),
        ]
    }
}
