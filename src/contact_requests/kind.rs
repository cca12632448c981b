//! The contact-request lead kind: what it tells the shared machinery about itself.

use rocket::Route;
use rusqlite::Connection;
use serde_json::Value;

use super::model::ContactRequestView;
use super::queries;
use super::service::{SUBMITTED, UPDATED};
use crate::auth::permissions::{LeadAction, Perm};
use crate::end_users;
use crate::error::ApiError;
use crate::leads::index::IndexSql;
use crate::leads::kind::{Label, LeadKind, Meta, Scope, Table, Topics};
use crate::leads::lifecycle::STATUSES;
use crate::leads::list::{Filter, ListQuery, Sort, WithTimeline};
use crate::leads::timeline::member_names;
use crate::ops::openapi::{schema_of, Operation, SchemaFn, Success};
use crate::paging::Paged;

/// Contact Sales requests from a signed-in dashboard.
pub struct ContactRequests;

/// The permission resource of contact requests.
pub const RESOURCE: &str = "ContactRequest";

/// `ContactRequestPermissions.{action}`.
pub fn perm(action: LeadAction) -> Perm {
    Perm::Lead(RESOURCE, action)
}

/// The inbox columns of a request: the end user's name and company when they are known.
const INDEX: IndexSql = IndexSql {
    table: "sales_contact_requests",
    select: "SELECT t.id, t.workspace_id, (t.deleted_at IS NOT NULL) AS hidden, t.status,
            NULL AS turns_at, NULL AS turns_to,
            COALESCE(e.name, t.account_email, t.user_id) AS name,
            COALESCE(t.account_email, e.email) AS email, e.company AS company, t.created_at,
            t.updated_at, t.assignee_id, t.user_id AS end_user_id, t.person_id,
            t.plan || ' ' || COALESCE(t.page, '') AS body, NULL AS source
         FROM sales_contact_requests t
         LEFT JOIN end_users e ON e.workspace_id = t.workspace_id AND e.id = t.user_id",
    key: "t.rowid",
    end_user: Some("t.user_id"),
};

pub(super) const META: Meta = Meta {
    id: "contact_request",
    id_prefix: "salesreq",
    resource: RESOURCE,
    sender: Label {
        en: "in the app",
        vi: "trong ứng dụng",
    },
    label: Label {
        en: "Contact request",
        vi: "Yêu cầu tư vấn",
    },
    colour: "#e0922f",
    collection: "contact-requests",
    admin_path: "/admin/contact-requests",
    topics: Topics {
        submitted: SUBMITTED,
        updated: UPDATED,
    },
    statuses: STATUSES,
    lifecycle_table: Some("sales_contact_requests"),
};

impl LeadKind for ContactRequests {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn index(&self) -> IndexSql {
        INDEX
    }
    fn erase(&self, conn: &Connection, ws: &str, id: &str) -> Result<(), ApiError> {
        conn.execute(
            "UPDATE sales_contact_requests SET account_email = NULL, page = NULL,
                 request_ip = NULL, user_agent = NULL, lost_reason = NULL
             WHERE workspace_id = ?1 AND id = ?2",
            [ws, id],
        )?;
        Ok(())
    }
    fn find_json(
        &self,
        conn: &Connection,
        ws: &str,
        id: &str,
        _: &Scope,
    ) -> Result<Value, ApiError> {
        let req = queries::get(conn, ws, id)?.ok_or_else(ApiError::not_found)?;
        let user = end_users::get(conn, ws, &req.user_id)?;
        serde_json::to_value(req.view(user.as_ref())).map_err(ApiError::internal)
    }
    fn export(&self, conn: &Connection, ws: &str, _: &Scope) -> Result<Table, ApiError> {
        let sort = Sort {
            column: "created_at",
            asc: false,
        };
        let items = queries::list(
            conn,
            ws,
            &Filter::default(),
            sort,
            (crate::leads::inbox::EXPORT_LIMIT, 0),
        )?;
        let members = member_names(conn, ws)?;
        let header = [
            "id",
            "createdAt",
            "status",
            "userId",
            "accountEmail",
            "userName",
            "company",
            "plan",
            "quantity",
            "contactRequired",
            "source",
            "page",
            "assignee",
            "repliedAt",
            "convertedAt",
            "lostReason",
        ];
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut rows = vec![];
        for r in items {
            let user = end_users::get(conn, ws, &r.user_id)?;
            let p = &r.progress;
            let assignee = p
                .assignee_id
                .as_ref()
                .and_then(|a| members.iter().find(|(m, _)| m == a).map(|(_, n)| n.clone()))
                .unwrap_or_default();
            rows.push(vec![
                r.id.clone(),
                r.created_at.clone(),
                p.status.as_str().into(),
                r.user_id.clone(),
                o(&r.account_email),
                user.as_ref().map(|u| o(&u.name)).unwrap_or_default(),
                user.as_ref().map(|u| o(&u.company)).unwrap_or_default(),
                r.input.plan.clone(),
                r.input.quantity.to_string(),
                r.input.contact_required.to_string(),
                r.input.source.clone(),
                o(&r.input.page),
                assignee,
                o(&p.replied_at),
                o(&p.converted_at),
                o(&p.lost_reason),
            ]);
        }
        Ok(Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        })
    }
    fn view_schema(&self) -> SchemaFn {
        schema_of::<Success<ContactRequestView>>
    }
    fn routes(&self) -> Vec<Route> {
        super::routes()
    }
    fn operations(&self) -> Vec<Operation> {
        let mut ops = super::public::operations();
        ops.extend([
            Operation::new(
                "get",
                "/api/v1/contact-requests",
                "List contact requests (same filters and paging as inquiries)",
                "ContactRequestPermissions.Find",
            )
            .query::<ListQuery>()
            .ok::<Paged<ContactRequestView>>(200, "One page"),
            Operation::new(
                "get",
                "/api/v1/contact-requests/{id}",
                "One contact request with its timeline",
                "ContactRequestPermissions.FindById",
            )
            .ok::<WithTimeline<ContactRequestView>>(200, "The request"),
        ]);
        ops
    }
}
