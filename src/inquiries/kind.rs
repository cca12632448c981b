//! The inquiry lead kind: what it tells the shared machinery about itself.

use rocket::Route;
use rusqlite::Connection;
use serde_json::Value;

use super::model::{InquiryInput, InquiryListQuery, InquiryPatch, InquiryView};
use super::queries;
use super::service::{SUBMITTED, UPDATED};
use crate::auth::permissions::{LeadAction, Perm};
use crate::error::ApiError;
use crate::leads::index::IndexSql;
use crate::leads::kind::{Label, LeadKind, Meta, Scope, Table, Topics};
use crate::leads::lifecycle::{Step, STATUSES};
use crate::leads::list::WithTimeline;
use crate::leads::list::{Filter, Sort};
use crate::leads::timeline::member_names;
use crate::ops::openapi::{schema_of, Count, Operation, SchemaFn, Success};
use crate::paging::Paged;

/// Inquiries from the public form.
pub struct Inquiries;

/// The permission resource of inquiries.
pub const RESOURCE: &str = "Inquiry";

/// `InquiryPermissions.{action}`.
pub fn perm(action: LeadAction) -> Perm {
    Perm::Lead(RESOURCE, action)
}

/// The inbox columns of an inquiry; spam and deleted ones stay out of the inbox.
const INDEX: IndexSql = IndexSql {
    table: "inquiries",
    select: "SELECT t.id, t.workspace_id,
            (t.spam = 1 OR t.quarantined = 1 OR t.deleted_at IS NOT NULL) AS hidden,
            t.status, NULL AS turns_at, NULL AS turns_to, t.name, t.email,
            t.business_name AS company, t.created_at, t.updated_at, t.assignee_id,
            NULL AS end_user_id, t.person_id,
            COALESCE(t.subject, '') || ' ' || t.message || ' ' || COALESCE(t.phone, '') || ' '
                || COALESCE((SELECT group_concat(value, ' ') FROM json_each(t.answers)
                    WHERE type = 'text'), '') AS body,
            t.utm_source AS source
         FROM inquiries t",
    key: "t.rowid",
    end_user: None,
};

/// One field of the first (or last) touch, or "".
fn touch(
    i: &super::model::Inquiry,
    first: bool,
    pick: fn(&super::attribution::Touch) -> &Option<String>,
) -> String {
    i.attribution
        .as_ref()
        .and_then(|a| {
            if first {
                a.first_touch.as_ref()
            } else {
                a.last_touch.as_ref()
            }
        })
        .and_then(|t| pick(t).clone())
        .unwrap_or_default()
}

/// The inquiries matching `filter` as a CSV table, newest first.
pub fn table(conn: &Connection, ws: &str, filter: &Filter) -> Result<Table, ApiError> {
    let sort = Sort {
        column: "created_at",
        asc: false,
    };
    let items = queries::list(
        conn,
        ws,
        filter,
        sort,
        (crate::leads::inbox::EXPORT_LIMIT, 0),
    )?;
    let members = member_names(conn, ws)?;
    let header = [
        "id",
        "createdAt",
        "status",
        "type",
        "name",
        "email",
        "phone",
        "businessName",
        "businessWebsite",
        "businessSize",
        "industry",
        "subject",
        "message",
        "assignee",
        "repliedAt",
        "convertedAt",
        "lostReason",
        "formId",
        "spamScore",
        "source",
        "firstTouchCampaign",
        "lastTouchSource",
        "lastTouchCampaign",
    ];
    // One column per question any exported lead answered, in the order first met.
    let mut keys: Vec<String> = vec![];
    for i in &items {
        for k in i.answers.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows = items
        .into_iter()
        .map(|i| {
            let c = &i.contact;
            let assignee = i
                .assignee_id
                .as_ref()
                .and_then(|a| members.iter().find(|(m, _)| m == a).map(|(_, n)| n.clone()))
                .unwrap_or_default();
            let mut row = vec![
                i.id.clone(),
                i.created_at.clone(),
                i.status.as_str().into(),
                c.kind.clone(),
                c.name.clone(),
                c.email.clone(),
                o(&c.phone),
                o(&c.business_name),
                o(&c.business_website),
                o(&c.business_size),
                o(&c.industry),
                o(&c.subject),
                c.message.clone(),
                assignee,
                o(&i.replied_at),
                o(&i.converted_at),
                o(&i.lost_reason),
                o(&i.form_id),
                i.spam_score.to_string(),
                i.attribution
                    .as_ref()
                    .map(|a| a.source())
                    .unwrap_or_default(),
                touch(&i, true, |t| &t.utm_campaign),
                touch(&i, false, |t| &t.utm_source),
                touch(&i, false, |t| &t.utm_campaign),
            ];
            row.extend(keys.iter().map(|k| {
                i.answers
                    .get(k)
                    .map(super::forms::Answer::display)
                    .unwrap_or_default()
            }));
            row
        })
        .collect();
    let mut header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    header.extend(keys.iter().map(|k| format!("fields.{k}")));
    Ok(Table { header, rows })
}

pub(super) const META: Meta = Meta {
    id: "inquiry",
    id_prefix: "inq",
    resource: RESOURCE,
    sender: Label {
        en: "web form",
        vi: "biểu mẫu web",
    },
    label: Label {
        en: "Inquiry",
        vi: "Yêu cầu liên hệ",
    },
    colour: "#2454d6",
    collection: "inquiries",
    admin_path: "/admin/inquiries",
    topics: Topics {
        submitted: SUBMITTED,
        updated: UPDATED,
    },
    statuses: STATUSES,
    lifecycle_table: Some("inquiries"),
};

impl LeadKind for Inquiries {
    fn meta(&self) -> &'static Meta {
        &META
    }
    fn index(&self) -> IndexSql {
        INDEX
    }
    fn erase(&self, conn: &Connection, ws: &str, id: &str) -> Result<(), ApiError> {
        conn.execute(
            "UPDATE inquiries SET name = '', email = '', phone = NULL, business_name = NULL,
                 business_website = NULL, subject = NULL, message = '', lost_reason = NULL,
                 answers = '{}', attribution = NULL
             WHERE workspace_id = ?1 AND id = ?2",
            [ws, id],
        )?;
        Ok(())
    }
    fn check_step(
        &self,
        conn: &Connection,
        ws: &str,
        id: &str,
        step: &Step,
    ) -> Result<(), ApiError> {
        let inq = queries::get(conn, ws, id)?.ok_or_else(ApiError::not_found)?;
        if inq.spam && matches!(step, Step::Move(_)) {
            return Err(ApiError::conflict(
                "INVALID_TRANSITION",
                "This inquiry is in the spam folder; mark it not spam first",
            ));
        }
        if inq.quarantined && matches!(step, Step::Move(_)) {
            return Err(ApiError::conflict(
                "INVALID_TRANSITION",
                "This inquiry is held in quarantine; allow its origin first",
            ));
        }
        Ok(())
    }
    fn find_json(
        &self,
        conn: &Connection,
        ws: &str,
        id: &str,
        _: &Scope,
    ) -> Result<Value, ApiError> {
        let inq = queries::get(conn, ws, id)?.ok_or_else(ApiError::not_found)?;
        serde_json::to_value(inq.view()).map_err(ApiError::internal)
    }
    fn export(&self, conn: &Connection, ws: &str, _: &Scope) -> Result<Table, ApiError> {
        table(conn, ws, &Filter::default())
    }
    fn view_schema(&self) -> SchemaFn {
        schema_of::<Success<InquiryView>>
    }
    fn routes(&self) -> Vec<Route> {
        super::routes()
    }
    fn operations(&self) -> Vec<Operation> {
        let p = |a: LeadAction| perm(a).name();
        let mut ops = super::public::operations();
        ops.extend(super::forms::api::operations());
        ops.extend(super::quarantine::operations());
        ops.extend([
            Operation::new(
                "get",
                "/api/v1/inquiries",
                "List inquiries (filters, paging and sorting)",
                &p(LeadAction::Find),
            )
            .query::<InquiryListQuery>()
            .ok::<Paged<InquiryView>>(200, "One page"),
            Operation::new(
                "get",
                "/api/v1/inquiries/count",
                "Count inquiries with the same filters",
                &p(LeadAction::Count),
            )
            .query::<InquiryListQuery>()
            .ok::<Count>(200, "How many"),
            Operation::new(
                "get",
                "/api/v1/inquiries/{id}",
                "One inquiry with its timeline",
                &p(LeadAction::FindById),
            )
            .ok::<WithTimeline<InquiryView>>(200, "The inquiry"),
            Operation::new(
                "post",
                "/api/v1/inquiries",
                "Enter an inquiry by hand",
                &p(LeadAction::Create),
            )
            .body::<InquiryInput>()
            .ok::<InquiryView>(201, "Stored"),
            Operation::new(
                "patch",
                "/api/v1/inquiries/{id}",
                "Edit contact and business fields (those present change)",
                &p(LeadAction::Update),
            )
            .body::<InquiryPatch>()
            .ok::<InquiryView>(200, "The inquiry after the edit"),
            Operation::new(
                "post",
                "/api/v1/inquiries/{id}/not-spam",
                "Release from the spam folder into the inbox: as NEW if held since its capture, else as it was",
                &p(LeadAction::Update),
            )
            .ok::<InquiryView>(200, "The inquiry, now in the inbox"),
            Operation::new(
                "post",
                "/api/v1/inquiries/{id}/spam",
                "Move to the spam folder; the workspace's spam model learns from it",
                &p(LeadAction::Update),
            )
            .ok::<InquiryView>(200, "The inquiry, now in the spam folder"),
        ]);
        ops
    }
}
