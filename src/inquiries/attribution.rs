//! Attribution (SPEC §14): where the visitor came from, for the first and the last touch, as
//! the embed script and the hosted page send it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::model::{camel, Fields};
use crate::error::FieldErrors;

/// One visit's source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Touch {
    /// `utm_source`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_source: Option<String>,
    /// `utm_medium`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_medium: Option<String>,
    /// `utm_campaign`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_campaign: Option<String>,
    /// `utm_term`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_term: Option<String>,
    /// `utm_content`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utm_content: Option<String>,
    /// Google Ads click id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gclid: Option<String>,
    /// Meta click id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fbclid: Option<String>,
    /// The page that linked to the site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// The first page of the visit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landing_page: Option<String>,
    /// When (as the browser said it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The first and the last touch before the lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    /// The visit that first brought them.
    pub first_touch: Option<Touch>,
    /// The latest visit with a source.
    pub last_touch: Option<Touch>,
}

/// The flat names a touch is read from.
const KEYS: [&str; 10] = [
    "utmSource",
    "utmMedium",
    "utmCampaign",
    "utmTerm",
    "utmContent",
    "gclid",
    "fbclid",
    "referrer",
    "landingPage",
    "at",
];

fn value(o: &Map<String, Value>, key: &str, at: &str, errs: &mut FieldErrors) -> Option<String> {
    let max = if matches!(key, "referrer" | "landingPage") {
        2048
    } else {
        500
    };
    match o.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) if s.chars().count() > max => {
            errs.add(
                &format!("{at}{key}"),
                format!("must be at most {max} characters"),
            );
            None
        }
        Some(Value::String(s)) if s.chars().any(char::is_control) => {
            errs.add(&format!("{at}{key}"), "must not contain control characters");
            None
        }
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            errs.add(&format!("{at}{key}"), "must be a string");
            None
        }
    }
}

fn touch(o: &Map<String, Value>, at: &str, errs: &mut FieldErrors) -> Option<Touch> {
    let o: Map<String, Value> = o.iter().map(|(k, v)| (camel(k), v.clone())).collect();
    let mut v = KEYS.iter().map(|k| value(&o, k, at, errs));
    let mut next = || v.next().flatten();
    let t = Touch {
        utm_source: next(),
        utm_medium: next(),
        utm_campaign: next(),
        utm_term: next(),
        utm_content: next(),
        gclid: next(),
        fbclid: next(),
        referrer: next(),
        landing_page: next(),
        at: next(),
    };
    (t != Touch::default()).then_some(t)
}

/// Reads `attribution` (an object, or its JSON text in a form post) and the flat `utm_*`,
/// `gclid`, `fbclid`, `referrer`, `landingPage` fields (the last touch, and the first when
/// none is given). None when the submission says nothing of where it came from.
pub fn parse(f: &Fields, errs: &mut FieldErrors) -> Option<Attribution> {
    let mut a = Attribution::default();
    let given = match f.get("attribution") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(o)) => Some(o),
            _ => {
                errs.add("attribution", "must be an object {firstTouch, lastTouch}");
                None
            }
        },
        Some(Value::Object(o)) => Some(o.clone()),
        Some(_) => {
            errs.add("attribution", "must be an object {firstTouch, lastTouch}");
            None
        }
    };
    if let Some(o) = given {
        for (k, v) in &o {
            let slot = match camel(k).as_str() {
                "firstTouch" => &mut a.first_touch,
                "lastTouch" => &mut a.last_touch,
                _ => {
                    errs.add(
                        &format!("attribution.{k}"),
                        "is not firstTouch or lastTouch",
                    );
                    continue;
                }
            };
            match v {
                Value::Null => {}
                Value::Object(t) => *slot = touch(t, &format!("attribution.{}.", camel(k)), errs),
                _ => errs.add(&format!("attribution.{}", camel(k)), "must be an object"),
            }
        }
    }
    let flat: Map<String, Value> = KEYS
        .iter()
        .filter(|k| **k != "at")
        .filter_map(|k| f.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    if let Some(t) = touch(&flat, "", errs) {
        if a.last_touch.is_none() {
            a.last_touch = Some(t.clone());
        }
        if a.first_touch.is_none() {
            a.first_touch = Some(t);
        }
    }
    (a != Attribution::default()).then_some(a)
}

fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let h = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .to_ascii_lowercase();
    let h = h.strip_prefix("www.").unwrap_or(&h).to_string();
    (!h.is_empty()).then_some(h)
}

impl Attribution {
    /// The source the inbox filters by: the first touch's `utm_source`, else its referrer's
    /// host, else `direct`.
    pub fn source(&self) -> String {
        let t = self.first_touch.as_ref().or(self.last_touch.as_ref());
        t.and_then(|t| {
            t.utm_source
                .as_ref()
                .map(|s| s.to_lowercase().chars().take(100).collect())
                .or_else(|| t.referrer.as_deref().and_then(host))
        })
        .unwrap_or_else(|| "direct".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        super::super::model::fields_from_json(v.as_object().unwrap().clone())
    }

    #[test]
    fn both_touches_are_read_and_flat_fields_fill_the_gaps() {
        let mut errs = FieldErrors::default();
        let a = parse(
            &fields(json!({
                "attribution": {"firstTouch": {"utm_source": "google", "utmCampaign": "spring"}},
                "utm_source": "newsletter",
            })),
            &mut errs,
        )
        .unwrap();
        assert!(errs.is_empty());
        assert_eq!(
            a.first_touch.unwrap().utm_campaign.as_deref(),
            Some("spring")
        );
        assert_eq!(
            a.last_touch.unwrap().utm_source.as_deref(),
            Some("newsletter")
        );
    }

    #[test]
    fn bad_parts_are_named() {
        let mut errs = FieldErrors::default();
        parse(
            &fields(json!({"attribution": {"firstTouch": {"utmSource": 5}, "middle": {}}})),
            &mut errs,
        );
        let m = errs.into_map();
        assert_eq!(m["attribution.firstTouch.utmSource"], "must be a string");
        assert!(m.contains_key("attribution.middle"));
        let mut errs = FieldErrors::default();
        parse(&fields(json!({"attribution": "not json"})), &mut errs);
        assert!(errs.into_map().contains_key("attribution"));
    }

    #[test]
    fn the_source_falls_back_to_the_referrer_then_direct() {
        let t = |t: Touch| Attribution {
            first_touch: Some(t),
            last_touch: None,
        };
        let with_ref = Touch {
            referrer: Some("https://www.Bing.com/search?q=x".into()),
            ..Touch::default()
        };
        assert_eq!(t(with_ref).source(), "bing.com");
        let landing = Touch {
            landing_page: Some("https://acme.com/".into()),
            ..Touch::default()
        };
        assert_eq!(t(landing).source(), "direct");
        let mut errs = FieldErrors::default();
        assert_eq!(parse(&fields(json!({"name": "x"})), &mut errs), None);
    }
}
