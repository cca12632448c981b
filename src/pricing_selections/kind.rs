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
use crate::leads::index::IndexSql;
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

pub(super) const META: Meta = Meta {
    id: "pricing_selection",
    id_prefix: "ps",
    resource: RESOURCE,
    sender: Label {
        en: "at signup",
        vi: "khi đăng ký",
    },
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

/// A pending selection expires `PENDING_DAYS` after it was made, a contacted one
/// `CONTACTED_DAYS` after the contact (the test below keeps these in step with the service).
const INDEX: IndexSql = IndexSql {
    table: "pricing_selections",
    select: "SELECT t.id, t.workspace_id, 0 AS hidden, t.status,
            CASE t.status
                WHEN 'pending' THEN strftime('%Y-%m-%dT%H:%M:%fZ', t.created_at, '+7 days')
                WHEN 'contacted' THEN strftime('%Y-%m-%dT%H:%M:%fZ', t.contacted_at, '+14 days')
            END AS turns_at,
            CASE WHEN t.status IN ('pending', 'contacted') THEN 'expired' END AS turns_to,
            COALESCE(e.name, e.email, t.user_id) AS name, e.email AS email, e.company AS company,
            t.created_at, t.updated_at, t.contacted_by AS assignee_id, t.user_id AS end_user_id,
            t.person_id, t.selected_plan_code || ' ' || COALESCE(t.notes, '') AS body, NULL AS source
         FROM pricing_selections t
         LEFT JOIN end_users e ON e.workspace_id = t.workspace_id AND e.id = t.user_id",
    key: "t.rowid",
    end_user: Some("t.user_id"),
};

impl LeadKind for PricingSelections {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn index(&self) -> IndexSql {
        INDEX
    }
    fn erase(&self, conn: &Connection, ws: &str, id: &str) -> Result<(), ApiError> {
        conn.execute(
            "UPDATE pricing_selections SET notes = NULL WHERE workspace_id = ?1 AND id = ?2",
            [ws, id],
        )?;
        Ok(())
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

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::pricing_selections::service::{CONTACTED_DAYS, PENDING_DAYS};

    #[test]
    fn expiry_in_the_index_follows_the_service() {
        assert!(INDEX.select.contains(&format!("'+{PENDING_DAYS} days'")));
        assert!(INDEX.select.contains(&format!("'+{CONTACTED_DAYS} days'")));
    }
}
