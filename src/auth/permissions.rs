//! Roles and named permissions: the one table that says who may do what.

use serde::{Deserialize, Serialize};

/// A member's role in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
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
        ROLE_PERMISSIONS
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, perms)| perms.contains(&perm))
            .unwrap_or(false)
    }
}

/// A named permission; every endpoint names the one it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// List inquiries.
    InquiryFind,
    /// Read one inquiry.
    InquiryFindById,
    /// Count inquiries.
    InquiryCount,
    /// Enter an inquiry by hand.
    InquiryCreate,
    /// Edit an inquiry's contact and business fields.
    InquiryUpdate,
    /// Soft-delete and restore inquiries.
    InquiryDelete,
    /// Assign inquiries.
    InquiryAssign,
    /// Record replies.
    InquiryReply,
    /// Convert or lose inquiries.
    InquiryResolve,
    /// List contact requests.
    ContactRequestFind,
    /// Read one contact request.
    ContactRequestFindById,
    /// Count contact requests.
    ContactRequestCount,
    /// Edit contact requests.
    ContactRequestUpdate,
    /// Delete contact requests.
    ContactRequestDelete,
    /// Assign contact requests.
    ContactRequestAssign,
    /// Reply to contact requests.
    ContactRequestReply,
    /// Convert or lose contact requests.
    ContactRequestResolve,
    /// List pricing selections.
    PricingSelectionFind,
    /// Read one pricing selection.
    PricingSelectionFindById,
    /// Store a selection for any end user.
    PricingSelectionCreate,
    /// Change a selection's status.
    PricingSelectionUpdateStatus,
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
}

impl Perm {
    /// The permission's published name, e.g. `InquiryPermissions.Find`.
    pub fn name(self) -> &'static str {
        use Perm::*;
        match self {
            InquiryFind => "InquiryPermissions.Find",
            InquiryFindById => "InquiryPermissions.FindById",
            InquiryCount => "InquiryPermissions.Count",
            InquiryCreate => "InquiryPermissions.Create",
            InquiryUpdate => "InquiryPermissions.Update",
            InquiryDelete => "InquiryPermissions.Delete",
            InquiryAssign => "InquiryPermissions.Assign",
            InquiryReply => "InquiryPermissions.Reply",
            InquiryResolve => "InquiryPermissions.Resolve",
            ContactRequestFind => "ContactRequestPermissions.Find",
            ContactRequestFindById => "ContactRequestPermissions.FindById",
            ContactRequestCount => "ContactRequestPermissions.Count",
            ContactRequestUpdate => "ContactRequestPermissions.Update",
            ContactRequestDelete => "ContactRequestPermissions.Delete",
            ContactRequestAssign => "ContactRequestPermissions.Assign",
            ContactRequestReply => "ContactRequestPermissions.Reply",
            ContactRequestResolve => "ContactRequestPermissions.Resolve",
            PricingSelectionFind => "PricingSelectionPermissions.Find",
            PricingSelectionFindById => "PricingSelectionPermissions.FindById",
            PricingSelectionCreate => "PricingSelectionPermissions.Create",
            PricingSelectionUpdateStatus => "PricingSelectionPermissions.UpdateStatus",
            WorkspaceRead => "WorkspacePermissions.Read",
            WorkspaceUpdate => "WorkspacePermissions.Update",
            WorkspaceCreate => "WorkspacePermissions.Create",
            MemberFind => "MemberPermissions.Find",
            MemberManage => "MemberPermissions.Manage",
            TokenManage => "TokenPermissions.Manage",
            EndUserProvision => "EndUserPermissions.Provision",
            LeadExport => "LeadPermissions.Export",
            AnalyticsCreate => "AnalyticsPermissions.Create",
        }
    }
}

use Perm::*;

const READ_LEADS: &[Perm] = &[
    InquiryFind,
    InquiryFindById,
    InquiryCount,
    ContactRequestFind,
    ContactRequestFindById,
    ContactRequestCount,
    PricingSelectionFind,
    PricingSelectionFindById,
    WorkspaceRead,
    MemberFind,
    TokenManage,
    AnalyticsCreate,
];

/// The role → permission table. Owner and admin differ only in who may touch ownership,
/// which the members code checks on top of `MemberManage`.
const ROLE_PERMISSIONS: &[(Role, &[Perm])] = &[
    (Role::Owner, ALL_PERMS),
    (Role::Admin, ALL_PERMS),
    (
        Role::Sales,
        &[
            InquiryFind,
            InquiryFindById,
            InquiryCount,
            InquiryCreate,
            InquiryUpdate,
            InquiryAssign,
            InquiryReply,
            InquiryResolve,
            ContactRequestFind,
            ContactRequestFindById,
            ContactRequestCount,
            ContactRequestUpdate,
            ContactRequestAssign,
            ContactRequestReply,
            ContactRequestResolve,
            PricingSelectionFind,
            PricingSelectionFindById,
            PricingSelectionCreate,
            PricingSelectionUpdateStatus,
            WorkspaceRead,
            MemberFind,
            TokenManage,
            LeadExport,
            AnalyticsCreate,
        ],
    ),
    (
        Role::Support,
        &[
            InquiryFind,
            InquiryFindById,
            InquiryCount,
            InquiryUpdate,
            InquiryReply,
            ContactRequestFind,
            ContactRequestFindById,
            ContactRequestCount,
            ContactRequestUpdate,
            ContactRequestReply,
            PricingSelectionFind,
            PricingSelectionFindById,
            PricingSelectionUpdateStatus,
            WorkspaceRead,
            MemberFind,
            TokenManage,
            AnalyticsCreate,
        ],
    ),
    (Role::Viewer, READ_LEADS),
];

const ALL_PERMS: &[Perm] = &[
    InquiryFind,
    InquiryFindById,
    InquiryCount,
    InquiryCreate,
    InquiryUpdate,
    InquiryDelete,
    InquiryAssign,
    InquiryReply,
    InquiryResolve,
    ContactRequestFind,
    ContactRequestFindById,
    ContactRequestCount,
    ContactRequestUpdate,
    ContactRequestDelete,
    ContactRequestAssign,
    ContactRequestReply,
    ContactRequestResolve,
    PricingSelectionFind,
    PricingSelectionFindById,
    PricingSelectionCreate,
    PricingSelectionUpdateStatus,
    WorkspaceRead,
    WorkspaceUpdate,
    WorkspaceCreate,
    MemberFind,
    MemberManage,
    TokenManage,
    EndUserProvision,
    LeadExport,
    AnalyticsCreate,
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
    fn viewers_read_but_never_change_leads() {
        assert!(Role::Viewer.can(InquiryFind));
        for p in [
            InquiryCreate,
            InquiryUpdate,
            InquiryAssign,
            InquiryReply,
            InquiryResolve,
            InquiryDelete,
        ] {
            assert!(!Role::Viewer.can(p), "{p:?}");
        }
    }

    #[test]
    fn every_role_name_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("root").is_err());
    }
}
