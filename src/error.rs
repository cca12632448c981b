//! The one error type of the HTTP API, its JSON envelope, and the catchers that use it.
//!
//! Guards that fail stash their `ApiError` in the request's local cache; the catchers render
//! that stashed error, so a failing guard still produces the precise code and field.

use std::collections::BTreeMap;
use std::sync::Mutex;

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::serde::json::serde_json::{self, json, Value};

/// An API failure: status, stable code, human message and optional details.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status answered.
    pub status: Status,
    /// Stable machine-readable code, e.g. `VALIDATION_ERROR`.
    pub code: &'static str,
    /// A message for humans; never contains the internal cause.
    pub message: String,
    /// Per-field or per-code details.
    pub details: Option<Box<Value>>,
    /// Seconds to wait, for 429 answers.
    pub retry_after: Option<u64>,
    /// The methods a path does take, for 405 answers.
    pub allow: Option<String>,
}

impl ApiError {
    /// Any status and code.
    pub fn new(status: Status, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
            allow: None,
        }
    }

    /// Adds details to the error.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// 400 `VALIDATION_ERROR` naming one field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::new(
            Status::BadRequest,
            "VALIDATION_ERROR",
            format!("{field}: {message}"),
        )
        .with_details(json!({ field: message }))
    }

    /// 400 `VALIDATION_ERROR` naming every bad field.
    pub fn validation_fields(fields: BTreeMap<String, String>) -> Self {
        let summary = fields
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError::new(Status::BadRequest, "VALIDATION_ERROR", summary)
            .with_details(serde_json::to_value(fields).unwrap_or(Value::Null))
    }

    /// 401: no valid credentials.
    pub fn unauthorized() -> Self {
        ApiError::new(
            Status::Unauthorized,
            "UNAUTHORIZED",
            "Authentication is required",
        )
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(Status::Forbidden, "FORBIDDEN", message)
    }

    /// 404 that never hints whether the thing exists elsewhere.
    pub fn not_found() -> Self {
        ApiError::new(Status::NotFound, "NOT_FOUND", "Not found")
    }

    /// 409 with a specific code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(Status::Conflict, code, message)
    }

    /// 429 with a `Retry-After` in seconds.
    pub fn rate_limited(retry_after: u64) -> Self {
        let mut e = ApiError::new(
            Status::TooManyRequests,
            "RATE_LIMITED",
            "Too many requests; try again later",
        );
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// 503: the service cannot take the request now.
    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError::new(Status::ServiceUnavailable, "SERVICE_UNAVAILABLE", message)
    }

    /// 500: logs the cause chain, tells the caller nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        ApiError::new(
            Status::InternalServerError,
            "INTERNAL_ERROR",
            "Something went wrong on our side",
        )
    }

    /// The error an unmatched status maps to when no guard stashed a precise one.
    pub fn for_status(status: Status) -> Self {
        match status.code {
            400 => ApiError::validation("body", "the request could not be read"),
            401 => ApiError::unauthorized(),
            403 => ApiError::forbidden("Not allowed"),
            404 => ApiError::not_found(),
            405 => ApiError::new(status, "METHOD_NOT_ALLOWED", "Method not allowed"),
            413 => ApiError::new(
                status,
                "PAYLOAD_TOO_LARGE",
                "The request body is larger than 64 KiB",
            ),
            415 => ApiError::new(status, "UNSUPPORTED_MEDIA_TYPE", "Unsupported content type"),
            422 => ApiError::validation("body", "the request body is not valid"),
            429 => ApiError::rate_limited(60),
            503 => ApiError::unavailable("Service unavailable"),
            c if c >= 500 => ApiError::new(
                Status::InternalServerError,
                "INTERNAL_ERROR",
                "Something went wrong on our side",
            ),
            _ => ApiError::new(status, "ERROR", status.reason_lossy()),
        }
    }

    /// The JSON body of the standard envelope.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(d) = &self.details {
            error["details"] = (**d).clone();
        }
        json!({ "success": false, "error": error })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.code, self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

static STORAGE_LOG: crate::store::guard::Throttled = crate::store::guard::Throttled::new();

/// Logs a storage fault with what to do about it, at most once per ten seconds per kind.
pub fn log_storage_fault(kind: &'static str, what_to_do: &str) {
    if STORAGE_LOG.allow(kind) {
        tracing::error!(fault = kind, "{what_to_do}");
    }
}

/// A storage fault that is the machine's, not a bug: 503 with the reason, and a log line that
/// tells the operator what to do.
fn storage_fault(code: rusqlite::ErrorCode) -> Option<ApiError> {
    use rusqlite::ErrorCode as C;
    let (kind, reason, what_to_do) = match code {
        C::DiskFull => (
            "disk_full",
            "The disk holding the database is full",
            "the disk holding the data folder is full: nothing new is stored. Free space on it; \
             leadbox resumes by itself",
        ),
        C::ReadOnly => (
            "read_only",
            "The database is read-only",
            "the database cannot be written (read-only file or file system): nothing new is \
             stored. Make the data folder writable by the user leadbox runs as, or remount it \
             read-write",
        ),
        C::SystemIoFailure => (
            "io_error",
            "The database could not be written (I/O error)",
            "an I/O error writing the database: nothing new is stored. Check the disk (dmesg, \
             smartctl); if it is failing, move the data folder or restore a backup onto a good \
             disk (leadbox restore FILE)",
        ),
        C::CannotOpen => (
            "cannot_open",
            "The database file cannot be opened",
            "the database file cannot be opened: check that the data folder exists, is on a \
             mounted disk and belongs to the user leadbox runs as",
        ),
        C::DatabaseCorrupt | C::NotADatabase => (
            "corrupt",
            "The database file is damaged",
            "the database file is damaged: stop leadbox, keep a copy of the data folder, then \
             restore the latest backup (leadbox verify FILE; leadbox restore FILE)",
        ),
        _ => return None,
    };
    log_storage_fault(kind, what_to_do);
    Some(ApiError::unavailable(reason))
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => ApiError::not_found(),
            rusqlite::Error::SqliteFailure(f, _)
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    || f.code == rusqlite::ErrorCode::DatabaseLocked =>
            {
                ApiError::unavailable("The database is busy; try again")
            }
            rusqlite::Error::SqliteFailure(f, msg) => match storage_fault(f.code) {
                Some(e) => e,
                None => ApiError::internal(format!(
                    "sqlite: {}",
                    rusqlite::Error::SqliteFailure(f, msg)
                )),
            },
            other => ApiError::internal(format!("sqlite: {other}")),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        tracing::warn!(cause = %e, "database pool exhausted");
        ApiError::unavailable("The database is busy; try again")
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errs: FieldErrors) -> Self {
        match errs.finish() {
            Err(e) => e,
            Ok(()) => ApiError::validation("body", "is incomplete"),
        }
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let body = self.body().to_string();
        let mut res = Response::build();
        res.status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), std::io::Cursor::new(body));
        if let Some(secs) = self.retry_after {
            res.header(Header::new("Retry-After", secs.to_string()));
        }
        if let Some(allow) = self.allow {
            res.header(Header::new("Allow", allow));
        }
        res.ok()
    }
}

/// Where a failing guard leaves its precise error for the catcher.
#[derive(Default)]
pub struct Stash(Mutex<Option<ApiError>>);

/// Stores `err` for the catcher and returns its status, for `Outcome::Error((status, ()))`.
pub fn stash(req: &Request<'_>, err: ApiError) -> Status {
    let status = err.status;
    let cell = req.local_cache(Stash::default);
    if let Ok(mut slot) = cell.0.lock() {
        *slot = Some(err);
    }
    status
}

/// Takes the stashed error of this request, if a guard left one.
pub fn take_stashed(req: &Request<'_>) -> Option<ApiError> {
    req.local_cache(Stash::default)
        .0
        .lock()
        .ok()
        .and_then(|mut s| s.take())
}

/// Collects every bad field of one request so the caller learns them all at once.
#[derive(Default, Debug)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    /// Records a problem with `field`.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_string()).or_insert(message.into());
    }

    /// Keeps the value of a parse, or records its error.
    pub fn take<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(m) => {
                self.add(field, m);
                None
            }
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded problems, by field.
    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }

    /// `Ok(value)` when nothing was recorded, else these errors.
    pub fn or<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// The first recorded problem: (field, message).
    pub fn first(&self) -> Option<(&str, &str)> {
        self.0.iter().next().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `Ok` when nothing was recorded, else a `VALIDATION_ERROR` naming each field.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation_fields(self.0))
        }
    }
}

/// JSON catcher for everything under `/api`: the stashed error, or one made from the status.
#[rocket::catch(default)]
pub fn api_catcher(status: Status, req: &Request<'_>) -> ApiError {
    let stashed = take_stashed(req);
    if status == Status::NotFound && stashed.is_none() {
        let allowed = methods_for(req);
        if !allowed.is_empty() {
            let mut e = ApiError::for_status(Status::MethodNotAllowed);
            e.allow = Some(allowed.join(", "));
            return e;
        }
    }
    let mut err = stashed.unwrap_or_else(|| ApiError::for_status(status));
    if err.status.code >= 500 && err.code != "SERVICE_UNAVAILABLE" {
        err = ApiError::for_status(Status::InternalServerError);
    }
    err
}

/// The methods of the mounted routes whose path matches the request's (for a 405's `Allow`).
fn methods_for(req: &Request<'_>) -> Vec<&'static str> {
    let path: Vec<&str> = req.uri().path().segments().collect();
    // As in OpenAPI, a path with more fixed segments wins: `/inquiries/count` is not `{id}`.
    let mut best = 0;
    let mut out: Vec<&'static str> = vec![];
    for route in req.rocket().routes() {
        let pattern: Vec<&str> = route
            .uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let matches = pattern.len() == path.len()
            && pattern.iter().zip(&path).all(|(p, s)| {
                (p.starts_with('<') && p.ends_with('>') && !p.ends_with("..>")) || p == s
            });
        if !matches {
            continue;
        }
        let fixed = pattern.iter().filter(|p| !p.starts_with('<')).count();
        if fixed > best {
            best = fixed;
            out.clear();
        }
        let name = route.method.as_str();
        if fixed == best && route.method != req.method() && !out.contains(&name) {
            out.push(name);
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(code: i32) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn storage_faults_are_503_with_the_reason_and_bugs_stay_500() {
        for (code, reason) in [
            (rusqlite::ffi::SQLITE_FULL, "full"),
            (rusqlite::ffi::SQLITE_READONLY, "read-only"),
            (rusqlite::ffi::SQLITE_IOERR, "I/O error"),
            (rusqlite::ffi::SQLITE_CANTOPEN, "cannot be opened"),
            (rusqlite::ffi::SQLITE_CORRUPT, "damaged"),
            (rusqlite::ffi::SQLITE_BUSY, "busy"),
        ] {
            let e = ApiError::from(sqlite(code));
            assert_eq!(e.status, Status::ServiceUnavailable, "{code}");
            assert_eq!(e.code, "SERVICE_UNAVAILABLE");
            assert!(e.message.contains(reason), "{code}: {}", e.message);
        }
        let e = ApiError::from(sqlite(rusqlite::ffi::SQLITE_CONSTRAINT));
        assert_eq!(e.status, Status::InternalServerError);
    }
}
