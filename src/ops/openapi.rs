//! The OpenAPI 3 document of the HTTP API. Each operation names the permission it needs
//! (`x-permission`); a test fails when a mounted `/api` route is missing here.

use serde_json::{json, Map, Value};

/// One documented operation.
struct Op {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    permission: &'static str,
    body: Option<&'static str>,
    success: u16,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    permission: &'static str,
    body: Option<&'static str>,
    success: u16,
) -> Op {
    Op {
        method,
        path,
        summary,
        permission,
        body,
        success,
    }
}

const OPS: &[Op] = &[
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
        "post",
        "/api/public/forms/{key}/inquiries",
        "Submit an inquiry (JSON 201, or a form post answered 303); spam-protected, CORS from allowedOrigins",
        "public",
        Some("InquiryInput"),
        201,
    ),
    op(
        "get",
        "/api/public/forms/{key}/challenge",
        "A signed time token (_ts) and a proof-of-work challenge (_pow = challenge:nonce)",
        "public",
        None,
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
    op("post", "/api/sales/contact-request", "Contact Sales (end-user token or staff session); own envelope {ok, requestId, message, actions} / {ok: false, error: rate_limited|invalid_payload|service_unavailable|unauthorized, message}; Idempotency-Key header", "end-user token", Some("ContactRequest"), 201),
    op("get", "/api/v1/contact-requests", "List contact requests (same filters and paging as inquiries)", "ContactRequestPermissions.Find", None, 200),
    op("get", "/api/v1/contact-requests/{id}", "One contact request with its timeline", "ContactRequestPermissions.FindById", None, 200),
    op("post", "/api/v1/contact-requests/{id}/assign", "Assign", "ContactRequestPermissions.Assign", Some("AssignBody"), 200),
    op("post", "/api/v1/contact-requests/{id}/reply", "Record a reply", "ContactRequestPermissions.Reply", Some("ReplyBody"), 200),
    op("post", "/api/v1/contact-requests/{id}/convert", "Mark converted", "ContactRequestPermissions.Resolve", None, 200),
    op("post", "/api/v1/contact-requests/{id}/lose", "Mark lost with a reason", "ContactRequestPermissions.Resolve", Some("LoseBody"), 200),
    op("delete", "/api/v1/contact-requests/{id}", "Soft delete", "ContactRequestPermissions.Delete", None, 200),
    op("post", "/api/v1/contact-requests/{id}/restore", "Undo a delete", "ContactRequestPermissions.Delete", None, 200),
    op("get", "/api/v1/leads", "Every lead kind in one list, newest first (kind, status, assigneeId, q, from, to; paging)", "Find permission of each kind", None, 200),
    op("post", "/api/v1/analytics/events", "Record a widget event (pricing_contact_sales_clicked); end-user token or staff", "AnalyticsPermissions.Create", Some("AnalyticsEvent"), 201),
    op("post", "/api/v1/pricing-selections", "Store a pricing selection (end user for themselves, or staff/API token); codes USER_TYPE_MISMATCH, INVALID_PLAN_CODE, USER_NOT_FOUND, DUPLICATE_SELECTION", "PricingSelectionPermissions.Create", Some("PricingSelection"), 201),
    op("get", "/api/v1/pricing-selections/{user_id}", "A user's newest selection with user {email, name, company}; end users only their own", "PricingSelectionPermissions.FindById", None, 200),
    op("get", "/api/v1/pricing-selections", "Admin list (status, userType, page, limit, sortBy createdAt|capturedAt, sortOrder)", "PricingSelectionPermissions.Find", None, 200),
    op("patch", "/api/v1/pricing-selections/{id}/status", "pending → contacted → converted, with notes; INVALID_STATUS_TRANSITION otherwise", "PricingSelectionPermissions.UpdateStatus", Some("SelectionStatus"), 200),
    op("get", "/api/v1/inquiries", "List inquiries (filters status, type, assigneeId, q, spam, deleted, from, to; paging and sorting)", "InquiryPermissions.Find", None, 200),
    op("get", "/api/v1/inquiries/count", "Count inquiries with the same filters", "InquiryPermissions.Count", None, 200),
    op("get", "/api/v1/inquiries/{id}", "One inquiry with its timeline", "InquiryPermissions.FindById", None, 200),
    op("post", "/api/v1/inquiries", "Enter an inquiry by hand", "InquiryPermissions.Create", Some("InquiryInput"), 201),
    op("patch", "/api/v1/inquiries/{id}", "Edit contact and business fields", "InquiryPermissions.Update", Some("InquiryInput"), 200),
    op("delete", "/api/v1/inquiries/{id}", "Soft delete (hidden, kept, restorable)", "InquiryPermissions.Delete", None, 200),
    op("post", "/api/v1/inquiries/{id}/restore", "Undo a delete", "InquiryPermissions.Delete", None, 200),
    op("post", "/api/v1/inquiries/{id}/assign", "Assign (NEW, ASSIGNED, REPLIED)", "InquiryPermissions.Assign", Some("AssignBody"), 200),
    op("post", "/api/v1/inquiries/{id}/reply", "Record a reply (ASSIGNED, REPLIED)", "InquiryPermissions.Reply", Some("ReplyBody"), 200),
    op("post", "/api/v1/inquiries/{id}/convert", "Mark converted (REPLIED)", "InquiryPermissions.Resolve", None, 200),
    op("post", "/api/v1/inquiries/{id}/lose", "Mark lost with a reason (any non-terminal status)", "InquiryPermissions.Resolve", Some("LoseBody"), 200),
    op("post", "/api/v1/inquiries/{id}/not-spam", "Release from the spam folder into the inbox as NEW", "InquiryPermissions.Update", None, 200),
];

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

/// Builds the document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in OPS {
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
        let entry = paths.entry(o.path.to_string()).or_insert_with(|| json!({}));
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
