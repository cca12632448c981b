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

/// A lifecycle move with its input.
#[derive(Debug, Clone)]
pub enum Move {
    /// Assign to this staff member.
    Assign(String),
    /// Record a reply.
    Reply(String),
    /// Won.
    Convert,
    /// Lost, with the reason.
    Lose(String),
}

impl Move {
    /// Checks the free text of a move (before it queues for the writer).
    pub fn validate(&self) -> Result<(), ApiError> {
        match self {
            Move::Assign(a) if a.trim().is_empty() => {
                Err(ApiError::validation("assigneeId", "is required"))
            }
            Move::Reply(body) => crate::domain::required_text(Some(body), 10_000)
                .map(|_| ())
                .map_err(|m| ApiError::validation("body", m)),
            Move::Lose(reason) => crate::domain::required_text(Some(reason), 1_000)
                .map(|_| ())
                .map_err(|m| ApiError::validation("reason", m)),
            _ => Ok(()),
        }
    }
}

/// The lifecycle fields every lead kind carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Where it stands.
    pub status: Status,
    /// Who owns it.
    pub assignee_id: Option<String>,
    /// Last reply.
    pub replied_at: Option<String>,
    /// Won.
    pub converted_at: Option<String>,
    /// Why lost.
    pub lost_reason: Option<String>,
}

impl Progress {
    /// Applies a move at `now`; returns the change's name and its event data. The caller has
    /// checked that an assignee is a member of the workspace.
    pub fn apply(&mut self, mv: Move, now: &str) -> Result<(&'static str, Value), ApiError> {
        let mut data = json!({});
        let change = match mv {
            Move::Assign(assignee) => {
                self.status = self.status.after(Action::Assign)?;
                data["assigneeId"] = json!(assignee);
                self.assignee_id = Some(assignee);
                "assigned"
            }
            Move::Reply(body) => {
                self.status = self.status.after(Action::Reply)?;
                self.replied_at = Some(now.to_string());
                data["body"] = json!(body.trim());
                "replied"
            }
            Move::Convert => {
                self.status = self.status.after(Action::Convert)?;
                self.converted_at = Some(now.to_string());
                "converted"
            }
            Move::Lose(reason) => {
                self.status = self.status.after(Action::Lose)?;
                data["reason"] = json!(reason.trim());
                self.lost_reason = Some(reason.trim().to_string());
                "lost"
            }
        };
        Ok((change, data))
    }
}

/// A lead's timeline from its events: `[{eventId, type, actor: {id, name} | null, at, data}]`.
pub fn timeline(events: Vec<crate::store::Event>, names: &[(String, String)]) -> Vec<Value> {
    events
        .into_iter()
        .map(|e| {
            let kind = if e.topic.ends_with("/submitted") {
                "submitted".to_string()
            } else if e.topic.ends_with("/spam-received") {
                "spam_received".to_string()
            } else {
                e.data["change"].as_str().unwrap_or("updated").to_string()
            };
            let actor = e.actor_id.as_ref().map(|a| {
                let name = names.iter().find(|(id, _)| id == a).map(|(_, n)| n.clone());
                json!({ "id": a, "name": name })
            });
            json!({ "eventId": e.id, "type": kind, "actor": actor, "at": e.created_at, "data": e.data })
        })
        .collect()
}
