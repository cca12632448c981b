//! The schema migrations compiled into the binary, and the runner that applies them.
//!
//! The history table keeps the name, layout and checksums that leadbox has always written
//! (`refinery_schema_history`), so a database migrated by any earlier release opens here, and
//! one migrated here opens in an earlier release that knows every version it holds.
//!
//! Each migration and its history row are committed in one transaction: a crash part-way
//! leaves the migration either wholly applied and recorded, or not applied at all.

use std::hash::{Hash, Hasher};

use rusqlite::{Connection, OptionalExtension};

/// The table that records which migrations a database has.
pub const HISTORY: &str = "refinery_schema_history";

/// One migration: `migrations/V<version>__<name>.sql`.
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($($version:literal $name:literal),* $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/V", $version, "__", $name, ".sql")),
        }),*]
    };
}

/// Every migration, in the order they apply. A file in `migrations/` that is not listed here
/// fails a test.
pub const ALL: &[Migration] = migrations![
    1 "foundation",
    2 "inquiries",
    3 "contact_requests",
    4 "pricing_selections",
    5 "delivery",
    6 "accounts_notes",
    7 "operations",
    8 "people_search",
    9 "routing",
    10 "forms_spam",
    11 "index_backlog",
    12 "capture_indexes",
    13 "escalation_choices",
];

/// The newest version compiled in.
pub fn latest() -> i64 {
    ALL.iter().map(|m| i64::from(m.version)).max().unwrap_or(0)
}

impl Migration {
    /// SipHash-1-3 over the name, the version and the SQL, as the history has always stored it.
    pub fn checksum(&self) -> u64 {
        let mut h = siphasher::sip::SipHasher13::new();
        self.name.hash(&mut h);
        self.version.hash(&mut h);
        self.sql.hash(&mut h);
        h.finish()
    }
}

fn ensure_history(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {HISTORY}(
             version int4 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));"
    ))
}

/// What the history says is applied: (version, name, checksum).
fn applied(conn: &Connection) -> Result<Vec<(i64, String, String)>, String> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT version, COALESCE(name, ''), COALESCE(checksum, '') FROM {HISTORY} \
             ORDER BY version"
        ))
        .map_err(|e| format!("read the migration history: {e}"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| format!("read the migration history: {e}"));
    rows
}

/// The migrations of [`ALL`] that `conn`'s database still needs, after checking that what it
/// has applied is what this binary has: the same names and checksums, nothing newer, no gap.
fn pending<'a>(conn: &Connection, all: &'a [Migration]) -> Result<Vec<&'a Migration>, String> {
    let done = applied(conn)?;
    let latest = all.iter().map(|m| i64::from(m.version)).max().unwrap_or(0);
    for (version, name, checksum) in &done {
        let Some(m) = all.iter().find(|m| i64::from(m.version) == *version) else {
            return Err(format!(
                "the database has migration V{version}__{name}, which this binary does not \
                 know (schema {version}; this binary knows up to {latest}): use that leadbox \
                 version or newer"
            ));
        };
        if m.name != name || m.checksum().to_string() != *checksum {
            return Err(format!(
                "migration V{version} in the database ({name}) differs from this binary's \
                 ({}); the database was migrated by a different build",
                m.name
            ));
        }
    }
    let current = done.last().map_or(-1, |d| d.0);
    let mut todo = vec![];
    for m in all {
        if done.iter().any(|d| d.0 == i64::from(m.version)) {
            continue;
        }
        if i64::from(m.version) < current {
            return Err(format!(
                "migration V{}__{} was never applied, but later ones were",
                m.version, m.name
            ));
        }
        todo.push(m);
    }
    Ok(todo)
}

/// Applies every pending migration; answers how many it applied.
pub fn run(conn: &mut Connection) -> Result<usize, String> {
    apply(conn, ALL)
}

fn apply(conn: &mut Connection, all: &[Migration]) -> Result<usize, String> {
    ensure_history(conn).map_err(|e| format!("create the migration history: {e}"))?;
    let todo = pending(conn, all)?;
    for m in &todo {
        let tx = conn
            .transaction()
            .map_err(|e| format!("migration V{}: {e}", m.version))?;
        tx.execute_batch(m.sql)
            .map_err(|e| format!("migration V{}__{}: {e}", m.version, m.name))?;
        tx.execute(
            &format!(
                "INSERT INTO {HISTORY} (version, name, applied_on, checksum) \
                 VALUES (?1, ?2, ?3, ?4)"
            ),
            rusqlite::params![
                m.version,
                m.name,
                crate::util::now_str(),
                m.checksum().to_string()
            ],
        )
        .map_err(|e| format!("record migration V{}: {e}", m.version))?;
        tx.commit()
            .map_err(|e| format!("migration V{}: {e}", m.version))?;
    }
    Ok(todo.len())
}

/// How many migrations `conn`'s database has recorded (0 without a history).
pub fn applied_count(conn: &Connection) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM {HISTORY}"), [], |r| r.get(0))
        .optional()
        .ok()
        .flatten()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the history of a database migrated by leadbox's earlier runner holds; a change to
    /// a shipped migration's file, or to how the checksum is taken, fails here.
    const SHIPPED: &[(i32, &str, u64)] = &[
        (1, "foundation", 14250574464628190954),
        (2, "inquiries", 11692055577208760622),
        (3, "contact_requests", 14905193315556744660),
        (4, "pricing_selections", 2733129696412487715),
        (5, "delivery", 7776028365664185310),
        (6, "accounts_notes", 8988269701492272198),
        (7, "operations", 16352425508994920035),
        (8, "people_search", 11340481896608644435),
        (9, "routing", 109491505848867239),
        (10, "forms_spam", 14622595048012914924),
        (11, "index_backlog", 9621527535991380660),
        (12, "capture_indexes", 17566954865264325467),
    ];

    #[test]
    fn checksums_are_the_ones_earlier_releases_recorded() {
        for (version, name, sum) in SHIPPED {
            let m = ALL.iter().find(|m| m.version == *version).unwrap();
            assert_eq!((m.name, m.checksum()), (*name, *sum), "V{version}");
        }
    }

    #[test]
    fn every_file_in_the_migrations_folder_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut files: Vec<(i32, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .map(|f| {
                let stem = f.strip_suffix(".sql").expect("only .sql files");
                let (v, name) = stem
                    .strip_prefix('V')
                    .and_then(|s| s.split_once("__"))
                    .expect("V<version>__<name>.sql");
                (v.parse().unwrap(), name.to_string())
            })
            .collect();
        files.sort();
        let listed: Vec<(i32, String)> = ALL
            .iter()
            .map(|m| (m.version, m.name.to_string()))
            .collect();
        assert_eq!(files, listed);
        assert!(ALL.windows(2).all(|w| w[0].version < w[1].version));
    }

    fn history(conn: &Connection) -> Vec<(i64, String)> {
        conn.prepare(&format!(
            "SELECT version, checksum FROM {HISTORY} ORDER BY version"
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    #[test]
    fn a_new_database_gets_every_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(run(&mut conn).unwrap(), ALL.len());
        assert_eq!(run(&mut conn).unwrap(), 0);
        let h = history(&conn);
        assert_eq!(h.len(), ALL.len());
        assert_eq!(h[0], (1, ALL[0].checksum().to_string()));
        assert_eq!(applied_count(&conn), ALL.len() as i64);
        // The recorded time is one an RFC 3339 parser reads back.
        let at: String = conn
            .query_row(
                &format!("SELECT applied_on FROM {HISTORY} LIMIT 1"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(crate::util::parse_rfc3339(&at).is_some(), "{at}");
    }

    #[test]
    fn a_database_migrated_by_an_earlier_release_gets_the_rest() {
        // The first ten applied and recorded the way earlier releases did.
        let mut conn = Connection::open_in_memory().unwrap();
        ensure_history(&conn).unwrap();
        for m in &ALL[..10] {
            conn.execute_batch(m.sql).unwrap();
            conn.execute(
                &format!("INSERT INTO {HISTORY} VALUES (?1, ?2, ?3, ?4)"),
                rusqlite::params![
                    m.version,
                    m.name,
                    "2026-01-01T00:00:00.123456789Z",
                    m.checksum().to_string()
                ],
            )
            .unwrap();
        }
        assert_eq!(run(&mut conn).unwrap(), ALL.len() - 10);
        assert_eq!(history(&conn).len(), ALL.len());
    }

    #[test]
    fn a_changed_unknown_or_skipped_migration_is_refused_and_nothing_is_applied() {
        let cases: &[(&str, &str)] = &[
            (
                "UPDATE refinery_schema_history SET checksum = '1' WHERE version = 3",
                "differs from this binary's",
            ),
            (
                "INSERT INTO refinery_schema_history VALUES (99, 'future', '2027-01-01T00:00:00Z', '5')",
                "does not know",
            ),
            (
                "DELETE FROM refinery_schema_history WHERE version = 4",
                "never applied",
            ),
        ];
        for (change, says) in cases {
            let mut conn = Connection::open_in_memory().unwrap();
            run(&mut conn).unwrap();
            conn.execute_batch(change).unwrap();
            let before = history(&conn);
            let err = run(&mut conn).unwrap_err();
            assert!(err.contains(says), "{change}: {err}");
            assert_eq!(history(&conn), before, "{change}");
        }
    }

    #[test]
    fn a_migration_that_fails_part_way_leaves_no_trace_of_itself() {
        let list = [
            Migration {
                version: 1,
                name: "one",
                sql: "CREATE TABLE one (x);",
            },
            Migration {
                version: 2,
                name: "two",
                sql: "CREATE TABLE two (x); INSERT INTO one VALUES (1); CREATE TABLE two (x);",
            },
            Migration {
                version: 3,
                name: "three",
                sql: "CREATE TABLE three (x);",
            },
        ];
        let mut conn = Connection::open_in_memory().unwrap();
        let err = apply(&mut conn, &list).unwrap_err();
        assert!(
            err.contains("V2__two") && err.contains("already exists"),
            "{err}"
        );
        assert_eq!(applied_count(&conn), 1);
        let tables: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('two', 'three')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM one", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
        // Fixed, it goes on from there.
        let mut fixed = list;
        fixed[1].sql = "CREATE TABLE two (x);";
        assert_eq!(apply(&mut conn, &fixed).unwrap(), 2);
        assert_eq!(applied_count(&conn), 3);
    }
}
