//! People: everyone leadbox knows under one normalised email or one end-user id (SPEC §12).
//! A capture finds or creates its person inside its own writer job ([`resolve`]), so a lead
//! and its person commit together; merge and split move leads between people.

use rusqlite::{Connection, OptionalExtension};

use crate::error::ApiError;

/// Record id prefix of a person.
pub const PREFIX: &str = "per";

/// Two people became one (on both: `{personId, otherId}`).
pub const MERGED: &str = "observation/people/person/merged";
/// Leads moved from a person to a new one (`{personId, newPersonId, leadIds}`).
pub const SPLIT: &str = "observation/people/person/split";
/// A person's personal data was erased (`{personId, reason, leadIds}`), so copies elsewhere
/// can follow.
pub const ERASED: &str = "observation/people/person/erased";
/// Every person topic (delivered to webhooks that ask for them, or for `*`).
pub const TOPICS: &[&str] = &[MERGED, SPLIT, ERASED];

/// Domains where dots in the local part do not matter either.
const DOTLESS: &[&str] = &["gmail.com", "googlemail.com"];

/// An email as people are found by: trimmed and lower-case, a `+tag` removed (RFC 5233
/// sub-addressing, which the big mail providers and Google Workspace and Microsoft 365
/// deliver to the plain address), and Gmail's dots and `googlemail.com` folded. None when
/// it is not an address.
pub fn normalise_email(email: &str) -> Option<String> {
    let e = email.trim().to_lowercase();
    let (local, domain) = e.rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let local = local.split('+').next().unwrap_or(local);
    if local.is_empty() {
        return None;
    }
    if DOTLESS.contains(&domain) {
        return Some(format!("{}@gmail.com", local.replace('.', "")));
    }
    Some(format!("{local}@{domain}"))
}

/// What a capture knows about who sent it.
#[derive(Debug, Clone, Default)]
pub struct Who<'a> {
    /// The address they gave or their account has.
    pub email: Option<&'a str>,
    /// Their id in the team's own product.
    pub end_user_id: Option<&'a str>,
}

fn email_key(email: &str) -> Option<String> {
    normalise_email(email).map(|e| format!("email:{e}"))
}

fn user_key(id: &str) -> String {
    format!("user:{id}")
}

fn find_key(conn: &Connection, ws: &str, key: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT person_id FROM person_keys WHERE workspace_id = ?1 AND key = ?2")?
        .query_row([ws, key], |r| r.get(0))
        .optional()?)
}

fn add_key(conn: &Connection, ws: &str, key: &str, person: &str) -> Result<(), ApiError> {
    conn.prepare_cached(
        "INSERT INTO person_keys (workspace_id, key, person_id) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute([ws, key, person])?;
    Ok(())
}

/// The person of a new lead: the one its end-user id belongs to, else the one its email
/// belongs to, else a new one; every key it carries is attached. Runs in the capture's own
/// writer job. None when the lead names nobody (no email, no end user).
pub fn resolve(
    conn: &Connection,
    ws: &str,
    who: &Who<'_>,
    now: &str,
) -> Result<Option<String>, ApiError> {
    let keys = [who.end_user_id.map(user_key), who.email.and_then(email_key)];
    // The person, and which key found them (already theirs: not attached again).
    let mut found = None;
    for (i, k) in keys.iter().enumerate() {
        let Some(k) = k else { continue };
        if let Some(p) = find_key(conn, ws, k)? {
            found = Some((p, i));
            break;
        }
    }
    let by = found.as_ref().map(|(_, i)| *i);
    let person = match found {
        Some((p, _)) => p,
        None => {
            if keys.iter().all(Option::is_none) {
                return Ok(None);
            }
            let id = crate::util::new_id(PREFIX);
            conn.prepare_cached(
                "INSERT INTO people (id, workspace_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
            )?
            .execute([&id, ws, now])?;
            id
        }
    };
    for (i, k) in keys.iter().enumerate() {
        if let (Some(k), false) = (k, by == Some(i)) {
            add_key(conn, ws, k, &person)?;
        }
    }
    Ok(Some(person))
}

/// The person of a lead an end user of the workspace made (by their id, else their email);
/// a user id that is not an end user (a staff member asking) is found by the email alone.
pub fn of_end_user(
    conn: &Connection,
    ws: &str,
    user_id: &str,
    email: Option<&str>,
    now: &str,
) -> Result<Option<String>, ApiError> {
    let known: Option<Option<String>> = conn
        .prepare_cached("SELECT email FROM end_users WHERE workspace_id = ?1 AND id = ?2")?
        .query_row([ws, user_id], |r| r.get(0))
        .optional()?;
    let email = email
        .map(str::to_string)
        .or_else(|| known.clone().flatten());
    let who = Who {
        email: email.as_deref(),
        end_user_id: known.is_some().then_some(user_id),
    };
    resolve(conn, ws, &who, now)
}

/// An indexed lead without a person: rid, kind, id, workspace, email, end user, created.
type Unindexed = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// Finds the person of every indexed lead that has none yet (leads captured before people
/// existed), in rid order; answers how many were attached.
pub fn backfill(conn: &Connection, kinds: &super::kind::Registry) -> Result<usize, ApiError> {
    let mut last = 0i64;
    let mut attached = 0;
    loop {
        let batch: Vec<Unindexed> = conn
            .prepare_cached(
                "SELECT rid, kind, id, workspace_id, email, end_user_id, created_at FROM lead_index
                 WHERE person_id IS NULL AND rid > ?1 AND (email IS NOT NULL OR end_user_id IS NOT NULL)
                 ORDER BY rid LIMIT 1000",
            )?
            .query_map([last], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?
            .collect::<Result<_, _>>()?;
        let Some(end) = batch.last().map(|b| b.0) else {
            return Ok(attached);
        };
        last = end;
        for (_, kind, id, ws, email, end_user, created) in batch {
            let Some(k) = kinds.get(&kind) else { continue };
            let person = match end_user.as_deref() {
                Some(u) => of_end_user(conn, &ws, u, email.as_deref(), &created)?,
                None => resolve(
                    conn,
                    &ws,
                    &Who {
                        email: email.as_deref(),
                        end_user_id: None,
                    },
                    &created,
                )?,
            };
            if let Some(p) = person {
                conn.execute(
                    &format!(
                        "UPDATE {} SET person_id = ?1 WHERE id = ?2",
                        k.index().table
                    ),
                    [&p, &id],
                )?;
                attached += 1;
            }
        }
    }
}

/// 409 `PERSON_ERASED` when the person was erased: their leads keep no personal fields to
/// edit.
pub fn refuse_if_erased(conn: &Connection, person: Option<&str>) -> Result<(), ApiError> {
    let Some(p) = person else { return Ok(()) };
    let erased: Option<Option<String>> = conn
        .prepare_cached("SELECT erased_at FROM people WHERE id = ?1")?
        .query_row([p], |r| r.get(0))
        .optional()?;
    if matches!(erased, Some(Some(_))) {
        return Err(ApiError::conflict(
            "PERSON_ERASED",
            "This lead's person was erased; its personal fields cannot be edited",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::normalise_email;

    #[test]
    fn emails_fold_case_tags_and_gmail_dots() {
        let n = |s| normalise_email(s);
        assert_eq!(
            n(" Jane.Doe+Pricing@Acme.COM ").as_deref(),
            Some("jane.doe@acme.com")
        );
        assert_eq!(
            n("j.a.n.e+x@googlemail.com").as_deref(),
            Some("jane@gmail.com")
        );
        assert_eq!(n("JANE@gmail.com").as_deref(), Some("jane@gmail.com"));
        assert_eq!(n("not-an-address"), None);
        assert_eq!(n("+tag@acme.com"), None);
        assert_eq!(n("a@"), None);
    }
}
