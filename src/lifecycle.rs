//! The lead lifecycle shared by inquiries and contact requests:
//! `NEW → ASSIGNED → REPLIED → CONVERTED | LOST`.

use rocket::http::Status as Http;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::ApiError;

/// Where a lead stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Just captured.
    New,
    /// Someone owns it.
    Assigned,
    /// Someone answered.
    Replied,
    /// Won.
    Converted,
    /// Lost, with a reason.
    Lost,
}

/// A step a staff member takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Give it an owner (or a new one).
    Assign,
    /// Record an answer.
    Reply,
    /// Mark it won.
    Convert,
    /// Mark it lost.
    Lose,
}

impl Action {
    /// The name used in events and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Assign => "assign",
            Action::Reply => "reply",
            Action::Convert => "convert",
            Action::Lose => "lose",
        }
    }
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Assigned,
        Status::Replied,
        Status::Converted,
        Status::Lost,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::Assigned => "ASSIGNED",
            Status::Replied => "REPLIED",
            Status::Converted => "CONVERTED",
            Status::Lost => "LOST",
        }
    }

    /// Parses a stored or filtered status (case-insensitive).
    pub fn parse(s: &str) -> Result<Status, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| "must be one of NEW, ASSIGNED, REPLIED, CONVERTED, LOST".into())
    }

    /// English and Vietnamese labels.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Status::New => ("New", "Mới"),
            Status::Assigned => ("Assigned", "Đã phân công"),
            Status::Replied => ("Replied", "Đã phản hồi"),
            Status::Converted => ("Converted", "Đã chuyển đổi"),
            Status::Lost => ("Lost", "Không thành công"),
        }
    }

    /// `{"en": …, "vi": …}`.
    pub fn label_json(self) -> Value {
        let (en, vi) = self.label();
        json!({ "en": en, "vi": vi })
    }

    /// True for CONVERTED and LOST.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Converted | Status::Lost)
    }

    /// The status after `action`, or 409 `INVALID_TRANSITION`.
    pub fn after(self, action: Action) -> Result<Status, ApiError> {
        use Status::*;
        let next = match (action, self) {
            (Action::Assign, New) => Some(Assigned),
            (Action::Assign, Assigned | Replied) => Some(self),
            (Action::Reply, Assigned | Replied) => Some(Replied),
            (Action::Convert, Replied) => Some(Converted),
            (Action::Lose, New | Assigned | Replied) => Some(Lost),
            _ => None,
        };
        next.ok_or_else(|| {
            ApiError::new(
                Http::Conflict,
                "INVALID_TRANSITION",
                format!(
                    "Cannot {} a lead that is {}",
                    action.as_str(),
                    self.as_str()
                ),
            )
            .with_details(json!({ "status": self.as_str(), "action": action.as_str() }))
        })
    }

    /// The actions allowed from this status (what the detail page offers).
    pub fn allowed(self) -> Vec<Action> {
        [Action::Assign, Action::Reply, Action::Convert, Action::Lose]
            .into_iter()
            .filter(|a| self.after(*a).is_ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Status::*;

    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        let table: &[(Status, Action, Option<Status>)] = &[
            (New, Assign, Some(Assigned)),
            (New, Reply, None),
            (New, Convert, None),
            (New, Lose, Some(Lost)),
            (Assigned, Assign, Some(Assigned)),
            (Assigned, Reply, Some(Replied)),
            (Assigned, Convert, None),
            (Assigned, Lose, Some(Lost)),
            (Replied, Assign, Some(Replied)),
            (Replied, Reply, Some(Replied)),
            (Replied, Convert, Some(Converted)),
            (Replied, Lose, Some(Lost)),
            (Converted, Assign, None),
            (Converted, Reply, None),
            (Converted, Convert, None),
            (Converted, Lose, None),
            (Lost, Assign, None),
            (Lost, Reply, None),
            (Lost, Convert, None),
            (Lost, Lose, None),
        ];
        for (from, action, to) in table {
            match (from.after(*action), to) {
                (Ok(got), Some(want)) => assert_eq!(got, *want, "{from:?} {action:?}"),
                (Err(e), None) => {
                    assert_eq!(e.code, "INVALID_TRANSITION");
                    assert_eq!(e.status.code, 409);
                }
                (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn labels_are_bilingual() {
        assert_eq!(New.label_json(), json!({ "en": "New", "vi": "Mới" }));
        assert_eq!(Status::parse("replied"), Ok(Replied));
        assert!(Status::parse("DONE").is_err());
    }
}
