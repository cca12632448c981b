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
const INBOX: &str = "SELECT r.id, r.status, COALESCE(e.name, r.account_email, r.user_id) AS name,
        r.account_email AS email, e.company AS company, r.created_at, r.assignee_id,
        r.workspace_id, r.rowid AS rid,
        COALESCE(e.name, '') || ' ' || COALESCE(r.account_email, '') || ' ' || COALESCE(e.company, '')
            || ' ' || r.plan AS haystack
     FROM sales_contact_requests r
     LEFT JOIN end_users e ON e.workspace_id = r.workspace_id AND e.id = r.user_id
     WHERE r.deleted_at IS NULL";

const META: Meta = Meta {
    id: "contact_request",
    id_prefix: "salesreq",
    resource: RESOURCE,
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
    fn inbox_select(&self, _: &Scope) -> String {
        INBOX.to_string()
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
