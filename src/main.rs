//! The `leadbox` command: serve (default), migrate, user/token creation, online backup.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use leadbox::auth::permissions::Role;
use leadbox::auth::{password, resets, tokens, users};
use leadbox::config::{self, Config};
use leadbox::domain::{self, Email};
use leadbox::ops::backups;
use leadbox::ops::metrics::Metrics;
use leadbox::store::{self, Store};
use leadbox::workspaces::queries;

#[derive(Parser)]
#[command(
    name = "leadbox",
    version,
    about = "A self-hosted sales-lead inbox in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Write a consistent copy of the database to FILE, also while the server runs.
    Backup {
        /// Where to write the copy (must not exist).
        file: PathBuf,
    },
    /// Check that FILE is a whole leadbox database this binary can open.
    Verify {
        /// A backup or snapshot file.
        file: PathBuf,
    },
    /// Replace the data folder's database with FILE (refused while a server runs there). The
    /// current database is kept beside it.
    Restore {
        /// A backup or snapshot file (checked first, like `verify`).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a staff user (password read from standard input).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// owner, admin, sales, support or viewer.
        #[arg(long, default_value = "sales")]
        role: String,
        /// Workspace id or slug.
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Print a one-time link (valid 24 hours) to set a new password for a staff user.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create an API token for a staff user and print it once.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "CLI token")]
        name: String,
    },
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&cfg.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal());
    let result = if cfg.log_format == "json" {
        tracing::subscriber::set_global_default(builder.json().finish())
    } else {
        tracing::subscriber::set_global_default(builder.finish())
    };
    if result.is_err() {
        eprintln!("leadbox: logging was already set up");
    }
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("leadbox: {msg}");
    std::process::exit(1)
}

#[rocket::main]
async fn main() {
    let cli = Cli::parse();
    let figment = config::figment();
    let cfg: Config = figment
        .extract()
        .unwrap_or_else(|e| fail(format!("configuration: {e}")));
    init_logging(&cfg);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            if let Err(e) = leadbox::rocket(figment).launch().await {
                fail(e);
            }
        }
        Command::Migrate => {
            std::fs::create_dir_all(&cfg.data_dir).unwrap_or_else(|e| fail(e));
            // Changing the schema under a running server is refused; nothing pending is fine.
            let pending = store::pending_migrations(&cfg.data_dir.join(store::DB_FILE))
                .unwrap_or_else(|e| fail(e));
            let _lock = if pending > 0 {
                Some(store::guard::lock(&cfg.data_dir).unwrap_or_else(|e| fail(e)))
            } else {
                None
            };
            let n = store::migrate(&cfg.data_dir.join(store::DB_FILE)).unwrap_or_else(|e| fail(e));
            println!("leadbox: {n} migration(s) applied");
        }
        Command::User {
            action:
                UserAction::Create {
                    email,
                    name,
                    role,
                    workspace,
                },
        } => {
            let email = Email::parse_login(&email).unwrap_or_else(|e| fail(format!("--email {e}")));
            let role = Role::parse(&role).unwrap_or_else(|e| fail(format!("--role {e}")));
            let mut line = String::new();
            eprintln!("Password (one line on standard input):");
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .unwrap_or_else(|e| fail(e));
            let pw = domain::parse_password(line.trim_end_matches(['\r', '\n']))
                .unwrap_or_else(|e| fail(format!("password {e}")));
            let name = if name.trim().is_empty() {
                email.as_str().split('@').next().unwrap_or("").to_string()
            } else {
                name
            };
            let store = open(&cfg);
            let hash = password::hash(pw).await.unwrap_or_else(|e| fail(e));
            let user = store
                .write(move |tx| {
                    let ws = queries::by_id_or_slug(tx, &workspace)?
                        .ok_or_else(leadbox::error::ApiError::not_found)?;
                    let user = users::insert(tx, email.as_str(), &name, &hash)?;
                    users::set_membership(tx, &ws.id, &user.id, role)?;
                    Ok(user)
                })
                .await
                .unwrap_or_else(|e| fail(e));
            println!("leadbox: user {} created ({})", user.id, role.as_str());
        }
        Command::User {
            action: UserAction::ResetPassword { email },
        } => {
            let email = Email::parse_login(&email).unwrap_or_else(|e| fail(format!("--email {e}")));
            let store = open(&cfg);
            let token = store
                .write(move |tx| {
                    let user = users::by_email(tx, email.as_str())?
                        .ok_or_else(leadbox::error::ApiError::not_found)?;
                    resets::create(tx, &user.id, None)
                })
                .await
                .unwrap_or_else(|e| fail(format!("no such user or {e}")));
            let base = leadbox::base_url(&cfg, &figment);
            println!("{}/reset/{token}", base.trim_end_matches('/'));
            eprintln!("leadbox: the link works once, for 24 hours; using it signs the user out everywhere");
        }
        Command::Token {
            action: TokenAction::Create { email, name },
        } => {
            let email = Email::parse_login(&email).unwrap_or_else(|e| fail(format!("--email {e}")));
            let store = open(&cfg);
            let (_, secret) = store
                .write(move |tx| {
                    let (user, _) = users::with_hash_by_email(tx, email.as_str())?
                        .ok_or_else(leadbox::error::ApiError::not_found)?;
                    tokens::create(tx, &user.id, &name)
                })
                .await
                .unwrap_or_else(|e| fail(format!("no such user or {e}")));
            println!("{secret}");
        }
        Command::Verify { file } => {
            let v = backups::verify(&file).unwrap_or_else(|e| fail(e));
            println!(
                "leadbox: {} is whole: schema version {}, {} events, {} workspaces, {} staff users",
                file.display(),
                v.schema_version,
                v.events,
                v.workspaces,
                v.users
            );
        }
        Command::Restore { file } => {
            let _lock = store::guard::lock(&cfg.data_dir)
                .unwrap_or_else(|e| fail(format!("restore refused: {e}")));
            let kept = backups::restore(&cfg.data_dir, &file).unwrap_or_else(|e| fail(e));
            let db = cfg.data_dir.join(store::DB_FILE);
            println!("leadbox: restored {} into {}", file.display(), db.display());
            if let Some(k) = kept {
                println!("leadbox: the previous database was kept as {}", k.display());
            }
            println!("leadbox: start the server; pending migrations are applied on start");
        }
        Command::Backup { file } => {
            let src = cfg.data_dir.join(store::DB_FILE);
            store::backup_file(&src, &file).unwrap_or_else(|e| fail(e));
            println!("leadbox: backup written to {}", file.display());
        }
    }
}

fn open(cfg: &Config) -> Store {
    Store::open(
        &cfg.data_dir,
        cfg.writer_max_batch,
        Arc::new(Metrics::default()),
        Arc::new(store::Nobody),
    )
    .unwrap_or_else(|e| fail(e))
}
