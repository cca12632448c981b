//! The OpenAPI 3 document of the HTTP API. Each operation names the permission it needs
//! (`x-permission`); a test fails when a mounted `/api` route is missing here.

use serde_json::{json, Map, Value};

use crate::auth::permissions::LeadAction;
use crate::leads::kind::{LeadKind, Registry};

/// One documented operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `get`, `post`, …
    pub method: &'static str,
    /// OpenAPI path, e.g. `/api/v1/inquiries/{id}`.
    pub path: String,
    /// What it does.
    pub summary: String,
    /// The permission it needs (`x-permission`), or `public`.
    pub permission: String,
    /// Name of its request-body schema.
    pub body: Option<&'static str>,
    /// Status of success.
    pub success: u16,
}

/// An operation (the short constructor every operation list uses).
pub fn op(
    method: &'static str,
    path: &str,
    summary: &str,
    permission: &str,
    body: Option<&'static str>,
    success: u16,
) -> Operation {
    Operation {
        method,
        path: path.to_string(),
        summary: summary.to_string(),
        permission: permission.to_string(),
        body,
        success,
    }
}

/// The operations that belong to no lead kind.
fn shared_operations() -> Vec<Operation> {
    vec![
        op(
        "get",
        "/api/openapi.json",
        "This document",
        "public",
        None,
        200,
    ),
        op(
        "post",
        "/api/v1/auth/token",
        "Trade staff email and password for an API token (throttled per account and IP)",
        "public",
        Some("TokenRequest"),
        201,
    ),
        op(
        "get",
        "/api/v1/workspaces",
        "The caller's workspaces with their settings",
        "WorkspacePermissions.Read",
        None,
        200,
    ),
        op(
        "post",
        "/api/v1/workspaces",
        "Create a workspace; the caller becomes its owner",
        "WorkspacePermissions.Create",
        Some("NewWorkspace"),
        201,
    ),
        op(
        "patch",
        "/api/v1/workspaces/{id}",
        "Change workspace settings (flat camelCase keys)",
        "WorkspacePermissions.Update",
        Some("WorkspaceSettings"),
        200,
    ),
        op(
        "put",
        "/api/v1/users/{id}",
        "Provision an end user server to server (201 created, 200 refreshed)",
        "EndUserPermissions.Provision",
        Some("EndUserProfile"),
        200,
    ),
        op(
        "get",
        "/api/v1/ws",
        "WebSocket (101): auth by session cookie, Authorization or a first {action: auth} message within 5 s; subscribe to topics and rooms with lastEventId to resume",
        "Find permission of each topic's lead kind",
        None,
        101,
    ),
        op("get", "/api/v1/leads/new-count", "Leads waiting in their fresh status (NEW, pending) across the readable kinds: {count}", "Find permission of any kind", None, 200),
        op("get", "/api/v1/leads/{id}", "One lead of any kind as an inbox row (kind, kindLabel, status, statusLabel, name, email, company, createdAt, assigneeId, adminUrl)", "Find permission of the lead's kind", None, 200),
        op("get", "/api/v1/leads", "Every lead kind in one list, newest first (kind, status, assigneeId, q, from, to; paging)", "Find permission of each kind", None, 200),
        op("post", "/api/v1/analytics/events", "Record a widget event (pricing_contact_sales_clicked); end-user token or staff", "AnalyticsPermissions.Create", Some("AnalyticsEvent"), 201),
    ]
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["success", "error"],
            "properties": {
                "success": { "type": "boolean", "enum": [false] },
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": string(),
                        "message": string(),
                        "details": { "type": "object", "additionalProperties": true }
                    }
                }
            }
        },
        "Success": {
            "type": "object",
            "required": ["success", "data"],
            "properties": { "success": { "type": "boolean", "enum": [true] }, "data": {} }
        },
        "TokenRequest": {
            "type": "object",
            "required": ["email", "password"],
            "properties": { "email": string(), "password": string(), "name": string() }
        },
        "NewWorkspace": {
            "type": "object",
            "required": ["name", "slug"],
            "properties": {
                "name": { "type": "string", "maxLength": 100 },
                "slug": { "type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$" }
            }
        },
        "WorkspaceSettings": {
            "type": "object",
            "properties": {
                "name": string(),
                "allowedOrigins": { "type": "array", "items": string() },
                "salesEmail": { "type": ["string", "null"], "format": "email" },
                "schedulerUrl": { "type": ["string", "null"], "format": "uri" },
                "crispWebsiteId": { "type": ["string", "null"] },
                "thankYouUrl": { "type": ["string", "null"], "format": "uri" },
                "defaultLocale": { "type": "string", "enum": ["en", "vi"] },
                "userTokenSecret": { "type": ["string", "null"], "minLength": 32 },
                "gstRate": { "type": "number", "minimum": 0, "maximum": 100 },
                "plans": { "type": "array", "items": { "type": "object", "properties": {
                    "code": string(), "userType": { "type": "string", "enum": [
                        "industry", "service_vendor", "product_vendor", "logistics", "professional"] },
                    "name": string(), "monthlyMin": { "type": "number" }, "monthlyMax": { "type": "number" } } } },
                "addOns": { "type": "array", "items": { "type": "object", "properties": {
                    "code": string(), "name": string(),
                    "monthlyAmount": { "type": "number" }, "oneTimeAmount": { "type": "number" } } } },
                "rateLimits": { "type": "object", "properties": {
                    "publicPerIpPerMinute": { "type": "integer", "minimum": 0 },
                    "publicPerWorkspacePerMinute": { "type": "integer", "minimum": 0 },
                    "contactPerUserPerMinute": { "type": "integer", "minimum": 0 },
                    "contactPerIpPerMinute": { "type": "integer", "minimum": 0 } } }
            }
        },
        "InquiryInput": {
            "type": "object",
            "required": ["name", "email", "message"],
            "properties": {
                "type": { "type": "string", "enum": ["sales", "partnership", "support", "other"], "default": "sales" },
                "name": { "type": "string", "maxLength": 200 },
                "email": { "type": "string", "format": "email", "maxLength": 254 },
                "phone": string(), "businessName": string(), "businessWebsite": string(),
                "businessSize": string(), "industry": string(),
                "subject": { "type": "string", "maxLength": 200 },
                "message": { "type": "string", "maxLength": 5000 },
                "locale": { "type": "string", "enum": ["en", "vi"] },
                "_gotcha": { "type": "string", "description": "Honeypot: leave empty" },
                "_ts": { "type": "string", "description": "Time token from the form page or /challenge" },
                "_pow": { "type": "string", "description": "Solved proof of work: challenge:nonce" }
            }
        },
        "ContactRequest": {
            "type": "object",
            "required": ["plan", "quantity"],
            "properties": {
                "source": { "type": "string", "default": "dashboard_pricing" },
                "plan": { "type": "string", "enum": ["payg", "monthly", "annual"] },
                "quantity": { "type": "integer", "minimum": 1 },
                "contactRequired": { "type": "boolean", "default": true },
                "page": { "type": "string", "example": "/pricing" }
            }
        },
        "AnalyticsEvent": {
            "type": "object",
            "required": ["event"],
            "properties": {
                "event": { "type": "string", "enum": ["pricing_contact_sales_clicked"] },
                "plan": { "type": "string", "enum": ["payg", "monthly", "annual"] },
                "quantity": { "type": "integer", "minimum": 1, "description": "stored only as a bucket" },
                "source": string()
            }
        },
        "PricingSelection": {
            "type": "object",
            "required": ["userId", "userType", "selectedPlanCode", "pricing", "source", "capturedAt"],
            "properties": {
                "userId": { "type": "string", "format": "uuid" },
                "userType": { "type": "string", "enum": ["industry", "service_vendor", "product_vendor", "logistics", "professional"] },
                "selectedPlanCode": string(),
                "selectedAddOnCodes": { "type": "array", "items": string() },
                "pricing": { "type": "object", "properties": {
                    "planMonthlyMin": { "type": "number" }, "planMonthlyMax": { "type": "number" },
                    "addOnsMonthlyAmount": { "type": "number" }, "addOnsOneTimeAmount": { "type": "number" },
                    "gstRate": { "type": "number" }, "estimatedFirstMonthMin": { "type": "number" },
                    "estimatedFirstMonthMax": { "type": "number" }, "estimatedRecurringMin": { "type": "number" },
                    "estimatedRecurringMax": { "type": "number" } } },
                "source": { "type": "string", "enum": ["pricing_page"] },
                "capturedAt": { "type": "string", "format": "date-time" }
            }
        },
        "SelectionStatus": { "type": "object", "required": ["status"], "properties": {
            "status": { "type": "string", "enum": ["contacted", "converted"] }, "notes": string() } },
        "AssignBody": { "type": "object", "required": ["assigneeId"], "properties": { "assigneeId": string() } },
        "ReplyBody": { "type": "object", "required": ["body"], "properties": { "body": { "type": "string", "maxLength": 10000 } } },
        "LoseBody": { "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string", "maxLength": 1000 } } },
        "EndUserProfile": {
            "type": "object",
            "properties": {
                "email": string(), "name": string(), "company": string(),
                "signupType": { "type": "string", "enum": ["industry", "vendor", "professional"] },
                "vendorCategory": { "type": "string", "enum": ["service", "product", "logistics"] }
            }
        }
    })
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

/// The shared lifecycle operations of one kind that follows the lifecycle.
fn lifecycle_operations(kind: &dyn LeadKind) -> Vec<Operation> {
    let base = format!("/api/v1/{}/{{id}}", kind.collection());
    let p = |a: LeadAction| kind.perm(a).name();
    let noun = kind.label().en;
    vec![
        op(
            "post",
            &format!("{base}/assign"),
            &format!("Assign a {noun} (NEW, ASSIGNED, REPLIED)"),
            &p(LeadAction::Assign),
            Some("AssignBody"),
            200,
        ),
        op(
            "post",
            &format!("{base}/reply"),
            &format!("Record a reply to a {noun} (ASSIGNED, REPLIED)"),
            &p(LeadAction::Reply),
            Some("ReplyBody"),
            200,
        ),
        op(
            "post",
            &format!("{base}/convert"),
            &format!("Mark a {noun} converted (REPLIED)"),
            &p(LeadAction::Resolve),
            None,
            200,
        ),
        op(
            "post",
            &format!("{base}/lose"),
            &format!("Mark a {noun} lost with a reason (any open status)"),
            &p(LeadAction::Resolve),
            Some("LoseBody"),
            200,
        ),
        op(
            "delete",
            &base,
            &format!("Soft-delete a {noun} (hidden, kept, restorable)"),
            &p(LeadAction::Delete),
            None,
            200,
        ),
        op(
            "post",
            &format!("{base}/restore"),
            &format!("Undo the delete of a {noun}"),
            &p(LeadAction::Delete),
            None,
            200,
        ),
    ]
}

/// Every operation: the shared ones, each kind's own, and the lifecycle of each lifecycle kind.
pub fn operations(kinds: &Registry) -> Vec<Operation> {
    let mut all = shared_operations();
    for k in kinds.all() {
        all.extend(k.operations());
        if k.lifecycle_table().is_some() {
            all.extend(lifecycle_operations(k.as_ref()));
        }
    }
    all
}

/// Builds the document for the registered kinds.
pub fn document(kinds: &Registry) -> Value {
    let mut paths = Map::new();
    for o in operations(kinds) {
        let mut params = vec![];
        for seg in o.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                params.push(
                    json!({ "name": name, "in": "path", "required": true, "schema": string() }),
                );
            }
        }
        if o.permission != "public" {
            params.push(json!({
                "name": "x-merchant-id", "in": "header", "required": false,
                "description": "Workspace id or slug; optional when only one workspace exists",
                "schema": string()
            }));
        }
        let mut operation = json!({
            "summary": o.summary,
            "x-permission": o.permission,
            "parameters": params,
            "responses": {
                o.success.to_string(): {
                    "description": "Success",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Success" } } }
                },
                "400": error_response("VALIDATION_ERROR or a specific code; details names each field"),
                "401": error_response("UNAUTHORIZED"),
                "403": error_response("FORBIDDEN"),
                "404": error_response("NOT_FOUND"),
                "429": error_response("RATE_LIMITED, with Retry-After"),
            }
        });
        if o.permission == "public" {
            operation["security"] = json!([]);
        }
        if let Some(body) = o.body {
            operation["requestBody"] = json!({
                "required": true,
                "content": { "application/json": {
                    "schema": { "$ref": format!("#/components/schemas/{body}") } } }
            });
        }
        let entry = paths.entry(o.path.clone()).or_insert_with(|| json!({}));
        entry[o.method] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "leadbox",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Self-hosted sales-lead inbox. Envelope: {success, data} or {success, error: {code, message, details}}."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer",
                    "description": "An lbx_ API token or an end-user JWT" },
                "session": { "type": "apiKey", "in": "cookie", "name": "lb_session",
                    "description": "Staff session; unsafe methods also need X-CSRF-Token" }
            }
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
    })
}
