//! Roles and named permissions: the one table that says who may do what.

use serde::{Deserialize, Serialize};

/// A member's role in a workspace.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including ownership changes.
    Owner,
    /// Everything but making or unmaking owners.
    Admin,
    /// Works leads.
    Sales,
    /// Reads leads, replies, follows up pricing selections.
    Support,
    /// Reads only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Sales,
        Role::Support,
        Role::Viewer,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Sales => "sales",
            Role::Support => "support",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored or submitted role name.
    pub fn parse(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| "must be one of owner, admin, sales, support, viewer".to_string())
    }

    /// True when this role holds `perm`.
    pub fn can(self, perm: Perm) -> bool {
        match perm {
            Perm::Lead(_, action) => LEAD_ACTIONS
                .iter()
                .find(|(r, _)| *r == self)
                .is_some_and(|(_, actions)| actions.contains(&action)),
            _ if OWNER_ONLY.contains(&perm) => self == Role::Owner,
            _ => ROLE_PERMISSIONS
                .iter()
                .find(|(r, _)| *r == self)
                .is_some_and(|(_, perms)| perms.contains(&perm)),
        }
    }
}

/// An action on the records of one lead kind; with the kind's resource name it makes a
/// permission such as `InquiryPermissions.Assign`. Roles hold actions, so a lead kind that
/// plugs in gets its permissions from the same table with no code of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadAction {
    /// List.
    Find,
    /// Read one.
    FindById,
    /// Count.
    Count,
    /// Enter one by hand.
    Create,
    /// Edit its fields.
    Update,
    /// Soft-delete and restore.
    Delete,
    /// Assign.
    Assign,
    /// Record replies.
    Reply,
    /// Convert or lose.
    Resolve,
    /// Move a kind with its own workflow (pricing selections) to another status.
    UpdateStatus,
    /// Write internal notes on its timeline.
    Note,
}

impl LeadAction {
    /// The published suffix, e.g. `FindById`.
    pub fn as_str(self) -> &'static str {
        use LeadAction::*;
        match self {
            Find => "Find",
            FindById => "FindById",
            Count => "Count",
            Create => "Create",
            Update => "Update",
            Delete => "Delete",
            Assign => "Assign",
            Reply => "Reply",
            Resolve => "Resolve",
            UpdateStatus => "UpdateStatus",
            Note => "Note",
        }
    }
}

/// A named permission; every endpoint names the one it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// An action on one lead kind, named by the kind's resource (`Inquiry`, `ContactRequest`).
    Lead(&'static str, LeadAction),
    /// Read workspace settings.
    WorkspaceRead,
    /// Change workspace settings.
    WorkspaceUpdate,
    /// Create further workspaces.
    WorkspaceCreate,
    /// See the member list.
    MemberFind,
    /// Invite, re-role and remove members.
    MemberManage,
    /// Create and revoke one's own API tokens.
    TokenManage,
    /// Provision end users server to server.
    EndUserProvision,
    /// Export leads as CSV.
    LeadExport,
    /// Record analytics events.
    AnalyticsCreate,
    /// Create, change and test webhooks; read their delivery logs.
    WebhookManage,
    /// Take, download and delete snapshots of the whole database (owners only).
    BackupManage,
    /// See people and their leads.
    PersonFind,
    /// Merge and split people.
    PersonMerge,
    /// Export everything held about a person (GDPR access).
    PersonExport,
    /// Erase a person (GDPR erasure).
    PersonErase,
}

impl Perm {
    /// The permission's published name, e.g. `InquiryPermissions.Find`.
    pub fn name(self) -> String {
        use Perm::*;
        let fixed = match self {
            Lead(resource, action) => return format!("{resource}Permissions.{}", action.as_str()),
            WorkspaceRead => "WorkspacePermissions.Read",
            WorkspaceUpdate => "WorkspacePermissions.Update",
            WorkspaceCreate => "WorkspacePermissions.Create",
            MemberFind => "MemberPermissions.Find",
            MemberManage => "MemberPermissions.Manage",
            TokenManage => "TokenPermissions.Manage",
            EndUserProvision => "EndUserPermissions.Provision",
            LeadExport => "LeadPermissions.Export",
            AnalyticsCreate => "AnalyticsPermissions.Create",
            WebhookManage => "WebhookPermissions.Manage",
            BackupManage => "BackupPermissions.Manage",
            PersonFind => "PersonPermissions.Find",
            PersonMerge => "PersonPermissions.Merge",
            PersonExport => "PersonPermissions.Export",
            PersonErase => "PersonPermissions.Erase",
        };
        fixed.to_string()
    }
}

use LeadAction as A;
use Perm::*;

/// What each role may do to the records of any lead kind.
const LEAD_ACTIONS: &[(Role, &[LeadAction])] = &[
    (Role::Owner, ALL_LEAD_ACTIONS),
    (Role::Admin, ALL_LEAD_ACTIONS),
    (
        Role::Sales,
        &[
            A::Find,
            A::FindById,
            A::Count,
            A::Create,
            A::Update,
            A::Assign,
            A::Reply,
            A::Resolve,
            A::UpdateStatus,
            A::Note,
        ],
    ),
    (
        Role::Support,
        &[
            A::Find,
            A::FindById,
            A::Count,
            A::Update,
            A::Reply,
            A::UpdateStatus,
            A::Note,
        ],
    ),
    (Role::Viewer, &[A::Find, A::FindById, A::Count]),
];

const ALL_LEAD_ACTIONS: &[LeadAction] = &[
    A::Find,
    A::FindById,
    A::Count,
    A::Create,
    A::Update,
    A::Delete,
    A::Assign,
    A::Reply,
    A::Resolve,
    A::UpdateStatus,
    A::Note,
];

/// The role → permission table for everything that is not a lead. Owner and admin differ only
/// in who may touch ownership, which the members code checks on top of `MemberManage`.
const ROLE_PERMISSIONS: &[(Role, &[Perm])] = &[
    (Role::Owner, ALL_PERMS),
    (Role::Admin, ALL_PERMS),
    (
        Role::Sales,
        &[
            WorkspaceRead,
            MemberFind,
            TokenManage,
            LeadExport,
            AnalyticsCreate,
            PersonFind,
            PersonMerge,
        ],
    ),
    (
        Role::Support,
        &[
            WorkspaceRead,
            MemberFind,
            TokenManage,
            AnalyticsCreate,
            PersonFind,
        ],
    ),
    (
        Role::Viewer,
        &[
            WorkspaceRead,
            MemberFind,
            TokenManage,
            AnalyticsCreate,
            PersonFind,
        ],
    ),
];

/// What only owners hold, beyond everything: a snapshot holds every workspace, members'
/// password hashes included.
const OWNER_ONLY: &[Perm] = &[BackupManage];

const ALL_PERMS: &[Perm] = &[
    WorkspaceRead,
    WorkspaceUpdate,
    WorkspaceCreate,
    MemberFind,
    MemberManage,
    TokenManage,
    EndUserProvision,
    LeadExport,
    AnalyticsCreate,
    WebhookManage,
    PersonFind,
    PersonMerge,
    PersonExport,
    PersonErase,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_and_admins_change_settings_or_members() {
        for role in Role::ALL {
            let expected = matches!(role, Role::Owner | Role::Admin);
            assert_eq!(role.can(WorkspaceUpdate), expected, "{role:?}");
            assert_eq!(role.can(MemberManage), expected, "{role:?}");
            assert_eq!(role.can(EndUserProvision), expected, "{role:?}");
        }
    }

    #[test]
    fn only_owners_manage_backups() {
        for role in Role::ALL {
            assert_eq!(role.can(BackupManage), role == Role::Owner, "{role:?}");
        }
    }

    #[test]
    fn viewers_read_but_never_change_leads() {
        assert!(Role::Viewer.can(Lead("Inquiry", A::Find)));
        for a in [
            A::Create,
            A::Update,
            A::Assign,
            A::Reply,
            A::Resolve,
            A::Delete,
            A::UpdateStatus,
        ] {
            assert!(!Role::Viewer.can(Lead("Inquiry", a)), "{a:?}");
        }
    }

    #[test]
    fn lead_permissions_are_named_by_resource_and_action() {
        assert_eq!(
            Lead("ContactRequest", A::FindById).name(),
            "ContactRequestPermissions.FindById"
        );
        assert_eq!(WorkspaceRead.name(), "WorkspacePermissions.Read");
        assert!(Role::Support.can(Lead("PricingSelection", A::UpdateStatus)));
        assert!(!Role::Support.can(Lead("Inquiry", A::Assign)));
        assert!(!Role::Sales.can(Lead("Inquiry", A::Delete)));
    }

    #[test]
    fn every_role_name_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
    }
}
