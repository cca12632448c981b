//! A pricing selection: input parsing, user-type matching and the recomputed quote.

use serde_json::{json, Map, Value};

use crate::domain::{minor_to_number, money_to_minor};
use crate::end_users::{parse_uuid, EndUser};
use crate::error::{ApiError, FieldErrors};
use crate::workspaces::model::{Workspace, PLAN_USER_TYPES};
use rocket::http::Status;

/// Statuses of a selection.
pub const STATUSES: [&str; 4] = ["pending", "contacted", "converted", "expired"];

/// The nine figures of a quote, in minor units (gst in basis points).
pub const PRICING_FIELDS: [&str; 9] = [
    "planMonthlyMin",
    "planMonthlyMax",
    "addOnsMonthlyAmount",
    "addOnsOneTimeAmount",
    "gstRate",
    "estimatedFirstMonthMin",
    "estimatedFirstMonthMax",
    "estimatedRecurringMin",
    "estimatedRecurringMax",
];

/// The `POST /pricing-selections` body as the seed has it (`SelectionInput`'s `Input::parse` reads this
/// shape and names every bad field).
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelectionBody {
    /// The end user (uuid).
    #[schemars(pattern(crate::domain::UUID))]
    pub user_id: String,
    /// Pricing-page user type; must match the user's signup type.
    #[schemars(with = "crate::workspaces::model::PlanUserType")]
    pub user_type: String,
    /// A plan code of the workspace's catalogue.
    #[schemars(length(min = 1, max = 100), pattern(r"^[A-Za-z0-9_-]+$"))]
    pub selected_plan_code: String,
    /// Add-on codes of the catalogue, each once.
    #[schemars(length(max = 50))]
    pub selected_add_on_codes: Option<Vec<String>>,
    /// The figures the page showed (stored as sent, checked against the catalogue).
    pub pricing: PricingBody,
    /// `pricing_page`.
    #[schemars(with = "PricingPage")]
    pub source: String,
    /// When the page captured it (RFC 3339).
    #[schemars(pattern(r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$"))]
    pub captured_at: String,
}

/// The nine figures a page sends, each at least 0.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PricingBody {
    /// Lowest monthly plan price.
    #[schemars(with = "crate::domain::AmountInput")]
    pub plan_monthly_min: u64,
    /// Highest monthly plan price.
    #[schemars(with = "crate::domain::AmountInput")]
    pub plan_monthly_max: u64,
    /// Add-ons per month.
    #[schemars(with = "crate::domain::AmountInput")]
    pub add_ons_monthly_amount: u64,
    /// Add-ons once.
    #[schemars(with = "crate::domain::AmountInput")]
    pub add_ons_one_time_amount: u64,
    /// GST percent.
    #[schemars(with = "crate::domain::PercentInput")]
    pub gst_rate: u32,
    /// First month, lowest.
    #[schemars(with = "crate::domain::AmountInput")]
    pub estimated_first_month_min: u64,
    /// First month, highest.
    #[schemars(with = "crate::domain::AmountInput")]
    pub estimated_first_month_max: u64,
    /// Every later month, lowest.
    #[schemars(with = "crate::domain::AmountInput")]
    pub estimated_recurring_min: u64,
    /// Every later month, highest.
    #[schemars(with = "crate::domain::AmountInput")]
    pub estimated_recurring_max: u64,
}

/// The one source a selection may come from.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
enum PricingPage {
    #[serde(rename = "pricing_page")]
    PricingPage,
}

/// A validated `POST /pricing-selections` body.
#[derive(Debug, Clone)]
pub struct SelectionInput {
    /// The end user.
    pub user_id: String,
    /// Pricing-page user type.
    pub user_type: String,
    /// Chosen plan.
    pub plan_code: String,
    /// Chosen add-ons.
    pub addon_codes: Vec<String>,
    /// The client's figures, minor units, in `PRICING_FIELDS` order.
    pub pricing: [i64; 9],
    /// When the page captured it (RFC 3339, normalised to UTC).
    pub captured_at: String,
}

fn text(v: Option<&Value>, max: usize) -> Result<String, String> {
    match v {
        None | Some(Value::Null) => Err("is required".into()),
        Some(Value::String(s)) if s.trim().is_empty() => Err("is required".into()),
        Some(Value::String(s)) if s.len() > max => Err(format!("must be at most {max} characters")),
        Some(Value::String(s)) => Ok(s.trim().to_string()),
        Some(_) => Err("must be a string".into()),
    }
}

impl crate::leads::kind::Input for SelectionInput {
    type Raw = Map<String, Value>;
    fn parse(raw: Map<String, Value>) -> Result<SelectionInput, FieldErrors> {
        let body = &raw;
        let mut errs = FieldErrors::default();
        let user_id = errs.take(
            "userId",
            text(body.get("userId"), 64).and_then(|s| parse_uuid(&s)),
        );
        let user_type = errs.take(
            "userType",
            text(body.get("userType"), 50).and_then(|t| {
                if PLAN_USER_TYPES.contains(&t.as_str()) {
                    Ok(t)
                } else {
                    Err(format!("must be one of {}", PLAN_USER_TYPES.join(", ")))
                }
            }),
        );
        let plan_code = errs.take("selectedPlanCode", text(body.get("selectedPlanCode"), 100));
        let addon_codes = match body.get("selectedAddOnCodes") {
            None | Some(Value::Null) => Some(vec![]),
            Some(Value::Array(items)) if items.len() <= 50 => {
                let mut out: Vec<String> = vec![];
                for (i, item) in items.iter().enumerate() {
                    match errs.take(&format!("selectedAddOnCodes[{i}]"), text(Some(item), 100)) {
                        Some(c) if out.contains(&c) => {
                            errs.add(&format!("selectedAddOnCodes[{i}]"), "is listed twice")
                        }
                        Some(c) => out.push(c),
                        None => {}
                    }
                }
                Some(out)
            }
            Some(_) => {
                errs.add("selectedAddOnCodes", "must be a list of at most 50 codes");
                None
            }
        };
        let mut pricing = [0i64; 9];
        match body.get("pricing") {
            Some(Value::Object(p)) => {
                for (i, f) in PRICING_FIELDS.iter().enumerate() {
                    let field = format!("pricing.{f}");
                    let parsed = match p.get(*f) {
                        None | Some(Value::Null) => Err("is required".to_string()),
                        Some(Value::Number(n)) => {
                            let v = n.as_f64().unwrap_or(-1.0);
                            if *f == "gstRate" && v > 100.0 {
                                Err("must be a percentage from 0 to 100".into())
                            } else {
                                money_to_minor(v)
                            }
                        }
                        Some(_) => Err("must be a number".into()),
                    };
                    if let Some(v) = errs.take(&field, parsed) {
                        pricing[i] = v;
                    }
                }
            }
            None | Some(Value::Null) => errs.add("pricing", "is required"),
            Some(_) => errs.add("pricing", "must be an object"),
        }
        match body.get("source") {
            Some(Value::String(s)) if s == "pricing_page" => {}
            None | Some(Value::Null) => errs.add("source", "is required"),
            Some(_) => errs.add("source", "must be \"pricing_page\""),
        }
        let captured_at = errs.take(
            "capturedAt",
            text(body.get("capturedAt"), 64).and_then(|s| {
                crate::util::parse_rfc3339(&s)
                    .map(crate::util::rfc3339)
                    .ok_or_else(|| {
                        "must be an RFC 3339 timestamp, e.g. 2024-01-15T10:30:00Z".to_string()
                    })
            }),
        );
        errs.or(|| SelectionInput {
            user_id: user_id.unwrap_or_default(),
            user_type: user_type.unwrap_or_default(),
            plan_code: plan_code.unwrap_or_default(),
            addon_codes: addon_codes.unwrap_or_default(),
            pricing,
            captured_at: captured_at.unwrap_or_default(),
        })
    }
}

/// The signup type and vendor category a pricing user type needs.
pub fn required_signup(user_type: &str) -> (&'static str, Option<&'static str>) {
    match user_type {
        "industry" => ("industry", None),
        "service_vendor" => ("vendor", Some("service")),
        "product_vendor" => ("vendor", Some("product")),
        "logistics" => ("vendor", Some("logistics")),
        _ => ("professional", None),
    }
}

/// 400 `USER_TYPE_MISMATCH` unless the end user signed up as the pricing page's user type.
pub fn check_user_type(user_type: &str, user: &EndUser) -> Result<(), ApiError> {
    let (signup, category) = required_signup(user_type);
    let matches =
        user.signup_type.as_deref() == Some(signup) && user.vendor_category.as_deref() == category;
    if matches {
        return Ok(());
    }
    Err(ApiError::new(
        Status::BadRequest,
        "USER_TYPE_MISMATCH",
        "Pricing selection user type does not match signup user type",
    )
    .with_details(json!({ "pricingUserType": user_type, "signupUserType": user.signup_type })))
}

fn invalid_code(field: String) -> ApiError {
    ApiError::new(
        Status::BadRequest,
        "INVALID_PLAN_CODE",
        "Plan code doesn't exist",
    )
    .with_details(json!({ "field": field }))
}

/// Rounds net minor units up by GST, half up, to the cent.
fn gross(net: i64, gst_bp: i64) -> i64 {
    (net * (10_000 + gst_bp) + 5_000).div_euclid(10_000)
}

/// Checks the codes against the catalogue and recomputes the quote:
/// `{verified, expected: {…}, mismatches: [field…]}`. Estimates may be rounded by the client to
/// whole units; catalogue figures must agree exactly.
pub fn check_pricing(ws: &Workspace, input: &SelectionInput) -> Result<Value, ApiError> {
    let plan = ws
        .plans
        .iter()
        .find(|p| p.code == input.plan_code && p.user_type == input.user_type)
        .ok_or_else(|| invalid_code("selectedPlanCode".into()))?;
    let mut monthly = 0;
    let mut once = 0;
    for (i, code) in input.addon_codes.iter().enumerate() {
        let a = ws
            .add_ons
            .iter()
            .find(|a| &a.code == code)
            .ok_or_else(|| invalid_code(format!("selectedAddOnCodes[{i}]")))?;
        monthly += a.monthly_amount;
        once += a.one_time_amount;
    }
    let g = ws.gst_rate_bp;
    let expected = [
        plan.monthly_min,
        plan.monthly_max,
        monthly,
        once,
        g,
        gross(plan.monthly_min + monthly + once, g),
        gross(plan.monthly_max + monthly + once, g),
        gross(plan.monthly_min + monthly, g),
        gross(plan.monthly_max + monthly, g),
    ];
    let mut mismatches = vec![];
    for (i, f) in PRICING_FIELDS.iter().enumerate() {
        let tolerance = if i >= 5 { 50 } else { 0 };
        if (input.pricing[i] - expected[i]).abs() > tolerance {
            mismatches.push(*f);
        }
    }
    let exp: Map<String, Value> = PRICING_FIELDS
        .iter()
        .zip(expected)
        .map(|(f, v)| (f.to_string(), minor_to_number(v)))
        .collect();
    Ok(json!({ "verified": mismatches.is_empty(), "expected": exp, "mismatches": mismatches }))
}

/// The client's figures as the seed's `pricing` object.
pub fn pricing_json(p: &[i64; 9]) -> Value {
    Value::Object(
        PRICING_FIELDS
            .iter()
            .zip(p)
            .map(|(f, v)| (f.to_string(), minor_to_number(*v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_example_quote_verifies() {
        let mut ws = crate::workspaces::model::Workspace::for_tests();
        ws.plans.push(crate::workspaces::model::Plan {
            code: "INDUSTRY_GROWTH".into(),
            user_type: "industry".into(),
            name: "G".into(),
            monthly_min: 1_200_000,
            monthly_max: 2_000_000,
        });
        ws.add_ons.push(crate::workspaces::model::AddOn {
            code: "DILIGIENCE_HUB".into(),
            name: "D".into(),
            monthly_amount: 50_000,
            one_time_amount: 49_900,
        });
        ws.add_ons.push(crate::workspaces::model::AddOn {
            code: "AI_RECOMMENDATION_PACK".into(),
            name: "A".into(),
            monthly_amount: 49_900,
            one_time_amount: 0,
        });
        let input = SelectionInput {
            user_id: "u".into(),
            user_type: "industry".into(),
            plan_code: "INDUSTRY_GROWTH".into(),
            addon_codes: vec!["DILIGIENCE_HUB".into(), "AI_RECOMMENDATION_PACK".into()],
            pricing: [
                1_200_000, 2_000_000, 99_900, 49_900, 1800, 1_592_800, 2_536_800, 1_533_900,
                2_477_900,
            ],
            captured_at: String::new(),
        };
        let check = check_pricing(&ws, &input).unwrap();
        assert_eq!(check["verified"], json!(true), "{check}");
        assert_eq!(check["expected"]["estimatedRecurringMin"], json!(15338.82));
        let mut tampered = input.clone();
        tampered.pricing[0] = 100_000;
        let check = check_pricing(&ws, &tampered).unwrap();
        assert_eq!(check["verified"], json!(false));
        assert_eq!(check["mismatches"], json!(["planMonthlyMin"]));
    }

    #[test]
    fn gst_rounds_half_up_to_the_cent() {
        assert_eq!(gross(1_299_900, 1800), 1_533_882);
        assert_eq!(gross(1, 5000), 2);
    }
}
