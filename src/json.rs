//! The JSON body guard (content type, 64 KiB cap, field-named parse errors) and the success
//! envelope `{"success": true, "data": …}`.

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder};
use rocket::serde::json::serde_json::{self, json, Value};
use rocket::tokio::io::AsyncReadExt;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{stash, ApiError};

/// Largest body any endpoint reads.
pub const BODY_LIMIT_KIB: u64 = 64;

/// A parsed JSON request body.
pub struct Body<T>(pub T);

/// Reads the whole body up to the limit, or explains why not.
pub async fn read_limited(data: Data<'_>) -> Result<Vec<u8>, ApiError> {
    let limit = BODY_LIMIT_KIB * 1024;
    // One byte past the limit tells a body that is too large from one that fits exactly. Read
    // straight into the body's own buffer, sized for what has already arrived (Rocket's
    // `into_bytes` copies through a zeroed 8 KiB buffer of its own on every request).
    let mut stream = data.open((limit + 1).bytes());
    let mut body = Vec::with_capacity(stream.hint() + 32);
    stream
        .read_to_end(&mut body)
        .await
        .map_err(|_| ApiError::validation("body", "the request body could not be read"))?;
    if body.len() as u64 > limit {
        return Err(ApiError::for_status(Status::PayloadTooLarge));
    }
    Ok(body)
}

/// Parses JSON bytes into `T`, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err(ApiError::validation("body", "a JSON body is required")),
        // Every endpoint takes an object; say so rather than naming `[0]` of an array.
        Some(b'{') => {}
        Some(b'[') | Some(b'"') | Some(b'0'..=b'9') | Some(b'-') | Some(b't') | Some(b'f') => {
            return Err(ApiError::validation("body", "must be a JSON object"))
        }
        Some(_) => {}
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        // serde reports a missing field on its parent; name the field itself.
        let field = match msg.strip_prefix("missing field `") {
            Some(rest) => {
                let name = rest.split('`').next().unwrap_or("body");
                if path == "." || path.is_empty() {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                }
            }
            None if inner.is_syntax() || inner.is_eof() => "body".to_string(),
            None if path == "." || path.is_empty() => "body".to_string(),
            None => path,
        };
        let clean = msg
            .split(" at line ")
            .next()
            .unwrap_or("invalid value")
            .to_string();
        let clean = if inner.is_syntax() || inner.is_eof() {
            format!("malformed JSON: {clean}")
        } else {
            clean
        };
        ApiError::validation(&field, clean)
    })
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send> FromData<'r> for Body<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self> {
        let is_json = req
            .content_type()
            .map(|ct| ct.is_json() || ct.sub().as_str().ends_with("+json"))
            .unwrap_or(false);
        if !is_json {
            let err = ApiError::for_status(Status::UnsupportedMediaType)
                .with_details(json!({ "contentType": "must be application/json" }));
            return Outcome::Error((stash(req, err), ()));
        }
        let bytes = match read_limited(data).await {
            Ok(b) => b,
            Err(e) => return Outcome::Error((stash(req, e), ())),
        };
        match parse_json(&bytes) {
            Ok(v) => Outcome::Success(Body(v)),
            Err(e) => Outcome::Error((stash(req, e), ())),
        }
    }
}

/// A JSON number that is a whole number, written `5` or `5.0` (JSON Schema counts both as
/// integers); None for anything else.
pub fn whole_number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// `deserialize_with` for an optional whole number that may be written `5.0`.
pub fn de_whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v: Option<Value> = serde::Deserialize::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => whole_number(&v)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("must be a whole number")),
    }
}

/// `deserialize_with` for a count (`u32`) that may be written `5.0`.
pub fn de_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v: Value = serde::Deserialize::deserialize(d)?;
    whole_number(&v)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| serde::de::Error::custom("must be a whole number"))
}

/// `deserialize_with` for an optional count that may be written `5.0`.
pub fn de_count_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match de_whole(d)? {
        None => Ok(None),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| serde::de::Error::custom("must be a whole number")),
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`, anything else is read
/// like [`Body`] (content type, limit, field-named errors).
pub struct OptBody<T>(pub T);

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Default + Send> FromData<'r> for OptBody<T> {
    type Error = ();

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self> {
        let bytes = match read_limited(data).await {
            Ok(b) => b,
            Err(e) => return Outcome::Error((stash(req, e), ())),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Outcome::Success(OptBody(T::default()));
        }
        let is_json = req
            .content_type()
            .map(|ct| ct.is_json() || ct.sub().as_str().ends_with("+json"))
            .unwrap_or(false);
        if !is_json {
            let err = ApiError::for_status(Status::UnsupportedMediaType)
                .with_details(json!({ "contentType": "must be application/json" }));
            return Outcome::Error((stash(req, err), ()));
        }
        match parse_json(&bytes) {
            Ok(v) => Outcome::Success(OptBody(v)),
            Err(e) => Outcome::Error((stash(req, e), ())),
        }
    }
}

/// A success answer in the standard envelope with its status.
pub struct Envelope {
    status: Status,
    data: Value,
}

/// 200 `{"success": true, "data": data}`.
pub fn ok<T: Serialize>(data: T) -> Envelope {
    Envelope {
        status: Status::Ok,
        data: serde_json::to_value(data).unwrap_or(Value::Null),
    }
}

/// 201 `{"success": true, "data": data}`.
pub fn created<T: Serialize>(data: T) -> Envelope {
    Envelope {
        status: Status::Created,
        data: serde_json::to_value(data).unwrap_or(Value::Null),
    }
}

/// 202 `{"success": true, "data": data}`: queued, not yet done.
pub fn accepted<T: Serialize>(data: T) -> Envelope {
    Envelope {
        status: Status::Accepted,
        data: serde_json::to_value(data).unwrap_or(Value::Null),
    }
}

impl<'r> Responder<'r, 'static> for Envelope {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let body = json!({ "success": true, "data": self.data }).to_string();
        response::Response::build_from(body.respond_to(req)?)
            .status(self.status)
            .header(ContentType::JSON)
            .ok()
    }
}

/// What API handlers return.
pub type ApiResult = Result<Envelope, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field_of(e: &ApiError) -> String {
        e.details
            .as_ref()
            .and_then(|d| d.as_object())
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default()
    }

    #[test]
    fn a_missing_field_is_named() {
        let e = parse_json::<Sample>(b"{}").unwrap_err();
        assert_eq!(e.code, "VALIDATION_ERROR");
        assert_eq!(field_of(&e), "name");
    }

    #[test]
    fn a_wrongly_typed_nested_field_is_named_by_path() {
        let e = parse_json::<Sample>(br#"{"name":"a","inner":{"count":"x"}}"#).unwrap_err();
        assert_eq!(field_of(&e), "inner.count");
    }

    #[test]
    fn malformed_json_names_the_body() {
        let e = parse_json::<Sample>(b"{\"name\": ").unwrap_err();
        assert_eq!(field_of(&e), "body");
        assert!(e.message.contains("malformed JSON"));
    }
}
