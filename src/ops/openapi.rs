//! The OpenAPI 3.1 document of the HTTP API, generated from the types that parse requests and
//! serialize responses (their `JsonSchema` derives), so it cannot drift from the code. Each
//! capability lists its operations next to its handlers; lead kinds contribute theirs through
//! the registry, together with their shared lifecycle operations. Every operation names the
//! permission it needs (`x-permission`); a test fails when a mounted `/api` route is missing.

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::auth::permissions::LeadAction;
use crate::leads::kind::{LeadKind, Registry};

/// Makes the schema of a type (a reference into `components/schemas` for named types).
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`.
pub fn schema_of<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// The success envelope `{"success": true, "data": T}` every `/api/v1` answer uses.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "Success_{T}")]
pub struct Success<T> {
    /// Always true.
    #[schemars(extend("const" = true))]
    pub success: bool,
    /// The answer.
    pub data: T,
}

/// The error envelope `{"success": false, "error": {code, message, details?}}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Failure {
    /// Always false.
    #[schemars(extend("const" = false))]
    pub success: bool,
    /// What went wrong.
    pub error: ErrorInfo,
}

/// The error of an error envelope.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorInfo {
    /// A stable code: `VALIDATION_ERROR`, `NOT_FOUND`, `RATE_LIMITED`, ….
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// For validation errors, each bad field with what is wrong with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

/// One content type of a response or request body.
#[derive(Clone)]
struct Content {
    mime: &'static str,
    schema: Option<SchemaFn>,
}

/// One documented response.
#[derive(Clone)]
struct Response {
    status: u16,
    description: &'static str,
    content: Vec<Content>,
    headers: Vec<&'static str>,
}

/// One documented operation.
#[derive(Clone)]
pub struct Operation {
    method: &'static str,
    path: String,
    summary: String,
    permission: String,
    query: Option<SchemaFn>,
    body: Vec<Content>,
    responses: Vec<Response>,
    error_body: Option<SchemaFn>,
    errors: Vec<u16>,
    choices: Vec<(&'static str, Vec<String>)>,
}

/// Statuses every operation can answer with, besides those it names: a bad or unreadable
/// request, authentication, permission, a missing record, conflicts, size and media type, rate
/// limits, and the server's own trouble.
const COMMON_ERRORS: &[u16] = &[400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503];

fn error_description(status: u16) -> &'static str {
    match status {
        400 => "VALIDATION_ERROR (details names each bad field) or a specific code",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN (details.permission names what is missing)",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT, INVALID_TRANSITION or a specific code",
        413 => "PAYLOAD_TOO_LARGE (64 KiB)",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        426 => "UPGRADE_REQUIRED",
        429 => "RATE_LIMITED, with Retry-After",
        500 => "INTERNAL_ERROR",
        503 => "SERVICE_UNAVAILABLE",
        _ => "Error",
    }
}

impl Operation {
    /// An operation at `path` (OpenAPI form, `{id}`) needing `permission` (or `public`).
    pub fn new(method: &'static str, path: &str, summary: &str, permission: &str) -> Operation {
        Operation {
            method,
            path: path.to_string(),
            summary: summary.to_string(),
            permission: permission.to_string(),
            query: None,
            body: vec![],
            responses: vec![],
            error_body: None,
            errors: COMMON_ERRORS.to_vec(),
            choices: vec![],
        }
    }

    /// Its query parameters are the fields of `Q`.
    pub fn query<Q: JsonSchema>(mut self) -> Self {
        self.query = Some(schema_of::<Q>);
        self
    }

    /// It takes a JSON body of type `B`.
    pub fn body<B: JsonSchema>(mut self) -> Self {
        self.body.push(Content {
            mime: "application/json",
            schema: Some(schema_of::<B>),
        });
        self
    }

    /// It also takes `B` as a plain HTML form post.
    pub fn form<B: JsonSchema>(mut self) -> Self {
        self.body.push(Content {
            mime: FORM,
            schema: Some(schema_of::<B>),
        });
        self
    }

    /// Answers `status` with `{"success": true, "data": T}`.
    pub fn ok<T: JsonSchema>(self, status: u16, description: &'static str) -> Self {
        self.json::<Success<T>>(status, description)
    }

    /// Answers `status` with a JSON body of type `T` as it is (no envelope).
    pub fn json<T: JsonSchema>(mut self, status: u16, description: &'static str) -> Self {
        self.responses.push(Response {
            status,
            description,
            content: vec![Content {
                mime: "application/json",
                schema: Some(schema_of::<T>),
            }],
            headers: vec![],
        });
        self
    }

    /// Answers `status` with a body of `mime` whose shape is not JSON (HTML, text).
    pub fn text(mut self, status: u16, mime: &'static str, description: &'static str) -> Self {
        match self.responses.iter_mut().find(|r| r.status == status) {
            Some(r) => r.content.push(Content { mime, schema: None }),
            None => self.responses.push(Response {
                status,
                description,
                content: vec![Content { mime, schema: None }],
                headers: vec![],
            }),
        }
        self
    }

    /// Answers `status` with no body (a redirect names its target in `Location`).
    pub fn empty(mut self, status: u16, description: &'static str) -> Self {
        let headers = if (300..400).contains(&status) {
            vec!["Location"]
        } else {
            vec![]
        };
        self.responses.push(Response {
            status,
            description,
            content: vec![],
            headers,
        });
        self
    }

    /// Its error answers use `E` instead of the standard error envelope.
    pub fn error_body<E: JsonSchema>(mut self) -> Self {
        self.error_body = Some(schema_of::<E>);
        self
    }

    /// Query parameter `name` takes one of `values` (known only at run time, such as the
    /// registered lead kinds).
    pub fn choices(mut self, name: &'static str, values: Vec<String>) -> Self {
        self.choices.push((name, values));
        self
    }

    /// Its error statuses are exactly these (instead of the common ones).
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors = statuses.to_vec();
        self
    }

    /// Adds error statuses beyond the common ones.
    pub fn also(mut self, statuses: &[u16]) -> Self {
        self.errors.extend_from_slice(statuses);
        self
    }

    /// Its method and path, for tests.
    pub fn key(&self) -> (&'static str, &str) {
        (self.method, &self.path)
    }

    fn is_public(&self) -> bool {
        self.permission == "public"
    }
}

/// A `{"count": n}` answer.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Count {
    /// How many.
    pub count: i64,
}

/// The answer to a soft delete.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Deleted {
    /// The lead.
    pub id: String,
    /// Always true.
    pub deleted: bool,
}

/// `GET /healthz`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// The binary's version.
    pub version: &'static str,
}

/// `GET /readyz`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    /// Why not, when unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The operations that belong to no lead kind and to no other capability's own list.
fn shared_operations(kinds: &Registry) -> Vec<Operation> {
    let mut all = vec![
        Operation::new("get", "/healthz", "The process answers", "public")
            .json::<Health>(200, "Alive"),
        Operation::new(
            "get",
            "/readyz",
            "A write reaches the database and every migration is applied",
            "public",
        )
        .json::<Readiness>(200, "Ready")
        .json::<Readiness>(503, "Not ready, with the reason"),
        Operation::new(
            "get",
            "/metrics",
            "Prometheus text: requests and latency per route, writer batches, notifications, pool",
            "public",
        )
        .text(200, "text/plain", "Metrics"),
        Operation::new("get", "/api/openapi.json", "This document", "public")
            .json::<Value>(200, "The OpenAPI 3.1 document"),
    ];
    all.extend(crate::auth::routes::operations());
    all.extend(crate::workspaces::operations());
    all.extend(crate::end_users::operations());
    all.extend(crate::realtime::operations());
    all.extend(crate::leads::api::operations(kinds));
    all.extend(crate::analytics::operations());
    all.extend(crate::delivery::operations());
    all.extend(crate::ops::backups::operations());
    all.extend(crate::people::api::operations());
    all.extend(crate::leads::routing::api::operations());
    all
}

/// The shared lifecycle operations of one kind that follows the lifecycle.
fn lifecycle_operations(kind: &dyn LeadKind) -> Vec<Operation> {
    use crate::leads::api::{AssignBody, LoseBody, ReplyBody};
    let base = format!("/api/v1/{}/{{id}}", kind.collection());
    let p = |a: LeadAction| kind.perm(a).name();
    let noun = kind.label().en;
    let view = kind.view_schema();
    let with_view = |mut o: Operation| {
        o.responses.push(Response {
            status: 200,
            description: "The lead after the step",
            content: vec![Content {
                mime: "application/json",
                schema: Some(view),
            }],
            headers: vec![],
        });
        o
    };
    vec![
        with_view(
            Operation::new(
                "post",
                &format!("{base}/assign"),
                &format!("Assign a {noun} (NEW, ASSIGNED, REPLIED)"),
                &p(LeadAction::Assign),
            )
            .body::<AssignBody>(),
        ),
        with_view(
            Operation::new(
                "post",
                &format!("{base}/reply"),
                &format!("Record a reply to a {noun} (ASSIGNED, REPLIED)"),
                &p(LeadAction::Reply),
            )
            .body::<ReplyBody>(),
        ),
        with_view(Operation::new(
            "post",
            &format!("{base}/convert"),
            &format!("Mark a {noun} converted (REPLIED)"),
            &p(LeadAction::Resolve),
        )),
        with_view(
            Operation::new(
                "post",
                &format!("{base}/lose"),
                &format!("Mark a {noun} lost with a reason (any open status)"),
                &p(LeadAction::Resolve),
            )
            .body::<LoseBody>(),
        ),
        Operation::new(
            "delete",
            &base,
            &format!("Soft-delete a {noun} (hidden, kept, restorable)"),
            &p(LeadAction::Delete),
        )
        .ok::<Deleted>(200, "Deleted"),
        with_view(Operation::new(
            "post",
            &format!("{base}/restore"),
            &format!("Undo the delete of a {noun}"),
            &p(LeadAction::Delete),
        )),
    ]
}

/// Every operation: the shared ones, each kind's own, and the lifecycle of each lifecycle kind.
pub fn operations(kinds: &Registry) -> Vec<Operation> {
    let mut all = shared_operations(kinds);
    for k in kinds.all() {
        all.extend(k.operations());
        if k.lifecycle_table().is_some() {
            all.extend(lifecycle_operations(k.as_ref()));
        }
    }
    all
}

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

fn content_map(content: &[Content], g: &mut SchemaGenerator) -> Value {
    let mut map = Map::new();
    for c in content {
        let entry = match c.schema {
            Some(f) if c.mime == FORM => json!({ "schema": form_fields(f(g).to_value(), g) }),
            Some(f) => json!({ "schema": f(g).to_value() }),
            None => json!({ "schema": { "type": "string" } }),
        };
        map.insert(c.mime.to_string(), entry);
    }
    Value::Object(map)
}

/// A query parameter as it arrives: a string, never JSON null, and empty means "not given"
/// (every list's parser takes `?q=` or `?status=` as no filter, so HTML filter forms work).
fn query_param(schema: Value) -> Value {
    let mut s = not_null(schema);
    if s.get("$ref").is_some() || s.get("anyOf").is_some() {
        return json!({ "anyOf": [s, { "type": "string", "maxLength": 0 }] });
    }
    if let Some(values) = s.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(json!(""));
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str).map(str::to_string) {
        s["pattern"] = json!(format!("^$|{p}"));
    }
    if let Some(o) = s.as_object_mut() {
        o.remove("minLength");
    }
    s
}

/// A form post's media type.
const FORM: &str = "application/x-www-form-urlencoded";

/// The fields of a form post: an HTML form sends strings, so none of them is ever null (an
/// empty field is "not given"). Inlined, since the JSON body's schema keeps its nulls.
fn form_fields(schema: Value, g: &SchemaGenerator) -> Value {
    let mut resolved = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or("");
            g.definitions().get(name).cloned().unwrap_or(schema)
        }
        None => schema,
    };
    if let Some(props) = resolved
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    {
        for v in props.values_mut() {
            *v = not_null(v.take());
        }
    }
    resolved
}

/// A query parameter is absent or a string: it is never JSON null.
fn not_null(mut schema: Value) -> Value {
    if let Some(types) = schema.get_mut("type").and_then(Value::as_array_mut) {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            schema["type"] = types[0].clone();
        }
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array).cloned() {
        let rest: Vec<Value> = any.into_iter().filter(|s| s["type"] != "null").collect();
        if rest.len() == 1 {
            let mut one = rest[0].clone();
            if let (Some(o), Some(d)) = (one.as_object_mut(), schema.get("description")) {
                o.insert("description".into(), d.clone());
            }
            return one;
        }
    }
    schema
}

fn parameters(o: &Operation, g: &mut SchemaGenerator) -> Vec<Value> {
    let mut params = vec![];
    for seg in o.path.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            params.push(json!({
                "name": name, "in": "path", "required": true,
                "schema": { "type": "string", "minLength": 1 }
            }));
        }
    }
    if let Some(q) = o.query {
        // The query type is inlined: each of its properties is one parameter.
        let schema = q(g).to_value();
        let resolved = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or("");
                g.definitions().get(name).cloned().unwrap_or(Value::Null)
            }
            None => schema,
        };
        let required: Vec<&str> = resolved["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = resolved["properties"].as_object() {
            for (name, schema) in props {
                let mut schema = schema.clone();
                if let Some((_, values)) = o.choices.iter().find(|(n, _)| n == name) {
                    schema = json!({ "type": "string", "enum": values });
                }
                let schema = &query_param(schema);
                let mut p = json!({
                    "name": name, "in": "query",
                    "required": required.contains(&name.as_str()),
                    "schema": schema,
                });
                if let Some(d) = schema.get("description") {
                    p["description"] = d.clone();
                }
                params.push(p);
            }
        }
    }
    if !o.is_public() {
        params.push(json!({
            "name": crate::workspaces::guard::HEADER, "in": "header", "required": false,
            "description": "Workspace id or slug; optional while the caller has one workspace",
            "schema": { "type": "string" }
        }));
    }
    params
}

fn operation_json(o: &Operation, g: &mut SchemaGenerator) -> Value {
    let mut responses = Map::new();
    for r in &o.responses {
        let mut v = json!({ "description": r.description });
        if !r.content.is_empty() {
            v["content"] = content_map(&r.content, g);
        }
        if !r.headers.is_empty() {
            let mut h = Map::new();
            for name in &r.headers {
                h.insert(name.to_string(), json!({ "schema": { "type": "string" } }));
            }
            v["headers"] = Value::Object(h);
        }
        responses.insert(r.status.to_string(), v);
    }
    let error_schema = o.error_body.unwrap_or(schema_of::<Failure>);
    for status in &o.errors {
        let key = status.to_string();
        if let Some(existing) = responses.get_mut(&key) {
            // A status the operation also answers in another form (a form post's HTML page)
            // still carries the JSON error for JSON callers.
            if let Some(content) = existing.get_mut("content").and_then(Value::as_object_mut) {
                content
                    .entry("application/json")
                    .or_insert_with(|| json!({ "schema": error_schema(g).to_value() }));
            }
            if *status == 429 {
                existing["headers"] = json!({ "Retry-After": { "schema": { "type": "string" } } });
            }
            continue;
        }
        let mut v = json!({
            "description": error_description(*status),
            "content": { "application/json": { "schema": error_schema(g).to_value() } }
        });
        if *status == 429 {
            v["headers"] = json!({ "Retry-After": { "schema": { "type": "string" } } });
        }
        if *status == 405 {
            v["headers"] = json!({ "Allow": { "schema": { "type": "string" } } });
        }
        responses.insert(key, v);
    }
    let mut op = json!({
        "summary": o.summary,
        "operationId": format!("{} {}", o.method, o.path),
        "x-permission": o.permission,
        "parameters": parameters(o, g),
        "responses": responses,
    });
    if o.is_public() {
        op["security"] = json!([]);
    }
    if !o.body.is_empty() {
        op["requestBody"] = json!({ "required": true, "content": content_map(&o.body, g) });
    }
    op
}

/// Builds the document for the registered kinds.
pub fn document(kinds: &Registry) -> Value {
    let mut g = generator();
    let mut paths = Map::new();
    for o in operations(kinds) {
        let op = operation_json(&o, &mut g);
        let entry = paths.entry(o.path.clone()).or_insert_with(|| json!({}));
        entry[o.method] = op;
    }
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "leadbox",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Self-hosted sales-lead inbox. Envelope: {success, data} or {success, error: {code, message, details}}; Contact Sales keeps its own {ok, …}."
        },
        "servers": [{ "url": "/" }],
        "components": {
            "schemas": Value::Object(g.take_definitions(true)),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer",
                    "description": "An lbx_ API token or an end-user JWT" },
                "session": { "type": "apiKey", "in": "cookie", "name": "lb_session",
                    "description": "Staff session; unsafe methods also need X-CSRF-Token" }
            }
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
    });
    crate::delivery::webhooks::document_topics(&mut doc, kinds);
    doc
}
