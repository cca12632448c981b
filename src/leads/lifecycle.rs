//! The lead lifecycle shared by every kind that uses it (inquiries, contact requests):
//! `NEW → ASSIGNED → REPLIED → CONVERTED | LOST`, and the one engine that applies a step to
//! any such kind's row in one writer job, with its event.

use rocket::http::Status as Http;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::leads::kind::{Label, LeadKind, Scope, Stage, StatusDef};
use crate::store::{NewEvent, Tx};

/// The statuses of every lifecycle kind, in `Status` order.
pub const STATUSES: &[StatusDef] = &[
    StatusDef {
        value: "NEW",
        label: Label {
            en: "New",
            vi: "Mới",
        },
        stage: Stage::Fresh,
    },
    StatusDef {
        value: "ASSIGNED",
        label: Label {
            en: "Assigned",
            vi: "Đã phân công",
        },
        stage: Stage::Open,
    },
    StatusDef {
        value: "REPLIED",
        label: Label {
            en: "Replied",
            vi: "Đã phản hồi",
        },
        stage: Stage::Open,
    },
    StatusDef {
        value: "CONVERTED",
        label: Label {
            en: "Converted",
            vi: "Đã chuyển đổi",
        },
        stage: Stage::Won,
    },
    StatusDef {
        value: "LOST",
        label: Label {
            en: "Lost",
            vi: "Không thành công",
        },
        stage: Stage::Closed,
    },
];

/// Where a lead stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    pub fn label(self) -> Label {
        STATUSES[self as usize].label
    }

    /// `{"en": …, "vi": …}`.
    pub fn label_json(self) -> Value {
        json!(self.label())
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

/// The lifecycle actions a viewer may take on one lead, for its detail page.
#[derive(Debug, Default, Clone, Copy)]
pub struct Allowed {
    /// Assign.
    pub assign: bool,
    /// Record a reply.
    pub reply: bool,
    /// Convert.
    pub convert: bool,
    /// Lose.
    pub lose: bool,
    /// Soft-delete.
    pub delete: bool,
    /// Undo the delete.
    pub restore: bool,
}

impl Allowed {
    /// What `role` may do to a lead of `kind` in `status`; `workable` is false while the lead
    /// is deleted or held back (spam).
    pub fn of(
        role: crate::auth::permissions::Role,
        kind: &dyn LeadKind,
        status: Status,
        workable: bool,
        deleted: bool,
    ) -> Allowed {
        use crate::auth::permissions::LeadAction as A;
        let can = |a: A, act: Action| {
            workable && !deleted && role.can(kind.perm(a)) && status.after(act).is_ok()
        };
        Allowed {
            assign: can(A::Assign, Action::Assign),
            reply: can(A::Reply, Action::Reply),
            convert: can(A::Resolve, Action::Convert),
            lose: can(A::Resolve, Action::Lose),
            delete: !deleted && role.can(kind.perm(A::Delete)),
            restore: deleted && role.can(kind.perm(A::Delete)),
        }
    }
}

/// A step the shared lifecycle endpoints take.
#[derive(Debug, Clone)]
pub enum Step {
    /// Assign, reply, convert, lose.
    Move(Move),
    /// Hide (soft delete).
    Delete,
    /// Undo a delete.
    Restore,
}

impl Step {
    /// The permission action the step needs.
    pub fn action(&self) -> crate::auth::permissions::LeadAction {
        use crate::auth::permissions::LeadAction as A;
        match self {
            Step::Move(Move::Assign(_)) => A::Assign,
            Step::Move(Move::Reply(_)) => A::Reply,
            Step::Move(Move::Convert | Move::Lose(_)) => A::Resolve,
            Step::Delete | Step::Restore => A::Delete,
        }
    }
}

/// The lifecycle columns of one row of a lifecycle kind.
struct Row {
    progress: Progress,
    deleted_at: Option<String>,
}

fn load(conn: &rusqlite::Connection, table: &str, ws: &str, id: &str) -> Result<Row, ApiError> {
    use rusqlite::OptionalExtension;
    let sql = format!(
        "SELECT status, assignee_id, replied_at, converted_at, lost_reason, deleted_at
         FROM {table} WHERE workspace_id = ?1 AND id = ?2"
    );
    let row = conn
        .prepare_cached(&sql)?
        .query_row([ws, id], |r| {
            let status: String = r.get(0)?;
            Ok((
                status,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    let status = Status::parse(&row.0).map_err(|_| {
        ApiError::internal(format!("{table} {id} has an unknown status {:?}", row.0))
    })?;
    Ok(Row {
        progress: Progress {
            status,
            assignee_id: row.1,
            replied_at: row.2,
            converted_at: row.3,
            lost_reason: row.4,
        },
        deleted_at: row.5,
    })
}

fn store(
    conn: &rusqlite::Connection,
    table: &str,
    ws: &str,
    id: &str,
    row: &Row,
    now: &str,
) -> Result<(), ApiError> {
    let p = &row.progress;
    let sql = format!(
        "UPDATE {table} SET status = ?3, assignee_id = ?4, replied_at = ?5, converted_at = ?6,
             lost_reason = ?7, updated_at = ?8, deleted_at = ?9
         WHERE workspace_id = ?1 AND id = ?2"
    );
    conn.prepare_cached(&sql)?.execute(rusqlite::params![
        ws,
        id,
        p.status.as_str(),
        p.assignee_id,
        p.replied_at,
        p.converted_at,
        p.lost_reason,
        now,
        row.deleted_at
    ])?;
    Ok(())
}

/// Applies `step` to lead `id` of a lifecycle `kind` inside the writer job `tx`, appends its
/// `…/updated` event, and answers the lead's API representation. 404 for a lead that is not
/// in the workspace (or is deleted), 409 `INVALID_TRANSITION` for a refused step.
pub fn apply(
    tx: &mut Tx<'_>,
    kind: &dyn LeadKind,
    ws: &str,
    id: &str,
    actor: &str,
    step: Step,
    scope: &Scope,
) -> Result<Value, ApiError> {
    let Some(table) = kind.lifecycle_table() else {
        return Err(ApiError::not_found());
    };
    let mut row = load(tx, table, ws, id)?;
    if row.deleted_at.is_some() && !matches!(step, Step::Restore) {
        return Err(ApiError::not_found());
    }
    kind.check_step(tx, ws, id, &step)?;
    let before = row.progress.status;
    let now = crate::util::rfc3339(scope.now);
    let (change, mut data) = match step {
        Step::Move(mv) => {
            if let Move::Assign(a) = &mv {
                if crate::auth::users::role_in(tx, a, ws)?.is_none() {
                    return Err(ApiError::validation(
                        "assigneeId",
                        "must be a member of this workspace",
                    ));
                }
            }
            row.progress.apply(mv, &now)?
        }
        Step::Delete => {
            row.deleted_at = Some(now.clone());
            ("deleted", json!({}))
        }
        Step::Restore => {
            if row.deleted_at.take().is_none() {
                return Err(ApiError::conflict(
                    "INVALID_TRANSITION",
                    "This lead is not deleted",
                ));
            }
            ("restored", json!({}))
        }
    };
    store(tx, table, ws, id, &row, &now)?;
    data["id"] = json!(id);
    data["change"] = json!(change);
    data["status"] = json!(row.progress.status.as_str());
    data["previousStatus"] = json!(before.as_str());
    tx.append(NewEvent {
        workspace_id: Some(ws.into()),
        topic: kind.topics().updated.into(),
        subject_id: Some(id.into()),
        actor_id: Some(actor.into()),
        data,
    })?;
    kind.find_json(tx, ws, id, scope)
}

/// Assigns lead `id` of a lifecycle `kind` to `member` by the workspace's rule, inside the
/// writer job `tx` (the capture's own, or the one that freed the member): the `…/updated`
/// event carries no actor and says why (`reason`: the rule's mode; `backlog`: handed out
/// from the unassigned backlog rather than at capture).
pub fn assign_by_rule(
    tx: &mut Tx<'_>,
    kind: &dyn LeadKind,
    (ws, id): (&str, &str),
    member: &str,
    (reason, backlog): (&str, bool),
    now: &str,
) -> Result<(), ApiError> {
    let Some(table) = kind.lifecycle_table() else {
        return Ok(());
    };
    let mut row = load(tx, table, ws, id)?;
    let before = row.progress.status;
    let (change, mut data) = row.progress.apply(Move::Assign(member.into()), now)?;
    store(tx, table, ws, id, &row, now)?;
    data["id"] = json!(id);
    data["change"] = json!(change);
    data["status"] = json!(row.progress.status.as_str());
    data["previousStatus"] = json!(before.as_str());
    data["reason"] = json!(reason);
    data["backlog"] = json!(backlog);
    tx.append(NewEvent {
        workspace_id: Some(ws.into()),
        topic: kind.topics().updated.into(),
        subject_id: Some(id.into()),
        actor_id: None,
        data,
    })?;
    Ok(())
}
