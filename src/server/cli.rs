//! The command line: `serve` (default), `migrate`, `admin create-user`, `admin create-key`,
//! `demo`. Output meant for scripts goes to stdout; everything else to the log on stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use super::config::{Settings, redact_url};
use super::db::workspaces;
use super::services::{Context, accounts, api_keys, demo};
use super::{leptos_config, startup, telemetry};
use crate::domain::Error;
use crate::domain::actor::Actor;
use crate::domain::api_key::NewApiKey;
use crate::domain::secret::Redacted;
use crate::domain::time::SystemClock;
use crate::domain::user::Email;

/// Tenex Marketing: campaigns, sequences, ads and blog publishing behind a human approval gate.
#[derive(Debug, Parser)]
#[command(name = "tenex", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the console, the JSON API and the workers (the default).
    Serve {
        /// Load the demo workspace first if the database has no workspace yet.
        #[arg(long)]
        demo: bool,
    },
    /// Run only the background workers, until SIGINT or SIGTERM.
    Worker {
        /// Host only these job kinds, comma-separated (email_send, connector_check,
        /// webhook_delivery, ad_launch, ad_control, ad_metrics_sync, blog_publish); every
        /// kind when absent.
        #[arg(long, value_delimiter = ',')]
        kinds: Option<Vec<crate::domain::job::JobKind>>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo workspace (does nothing if it exists).
    Demo,
    /// Installation administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// The day counters behind rollups and the dashboard.
    #[command(subcommand)]
    Rollups(RollupsCommand),
}

#[derive(Debug, Subcommand)]
enum RollupsCommand {
    /// Recompute every workspace's day counters from the raw rows (sent messages, events,
    /// synced ad days), one transaction per workspace.
    Rebuild,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Add a person to a workspace (creating either if new) and set their password.
    CreateUser {
        /// Workspace name; created if no workspace has it.
        #[arg(long)]
        workspace: String,
        /// The person's email.
        #[arg(long)]
        email: String,
        /// Their password (at least 10 characters).
        #[arg(long)]
        password: Redacted<String>,
        /// admin, approver, marketer or viewer.
        #[arg(long)]
        role: String,
        /// How the console names them.
        #[arg(long)]
        name: Option<String>,
    },
    /// Mint an API key for a member; prints only the key.
    CreateKey {
        /// Workspace name.
        #[arg(long)]
        workspace: String,
        /// The member's email; the key acts for them.
        #[arg(long)]
        user: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
        /// Comma-separated scopes; default marketing:read,marketing:write,crm:read,crm:write.
        #[arg(long, value_delimiter = ',')]
        scopes: Option<Vec<String>>,
    },
}

/// Parses the arguments, runs the command, and turns failures into a message and exit code.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_json);
    match execute(
        cli.command.unwrap_or(Command::Serve { demo: false }),
        settings,
    )
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command, settings: Settings) -> Result<(), String> {
    let db = startup::open_database(&settings)
        .await
        .map_err(|e| e.to_string())?;
    let secrets = startup::secret_box(&settings).map_err(|e| e.to_string())?;
    let ctx = Context::new(db.clone(), std::sync::Arc::new(SystemClock), secrets);
    match command {
        Command::Migrate => {
            tracing::info!(database = %redact_url(&settings.database_url), "migrations applied");
            Ok(())
        }
        Command::Demo => load_demo(&ctx).await,
        Command::Rollups(RollupsCommand::Rebuild) => {
            let started = std::time::Instant::now();
            let done = crate::server::services::rollups::rebuild_all(&ctx)
                .await
                .map_err(describe)?;
            println!(
                "Rebuilt the rollups of {} workspace(s): {} raw rows read, {} counter days written in {:.1} s.",
                done.workspaces,
                done.rows_read,
                done.days_written,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Worker { kinds } => {
            let hosted = super::worker::Hosted::kinds(
                settings.send_settings(),
                std::time::Duration::from_millis(settings.worker_poll_ms),
                kinds.as_deref(),
            );
            let worker = super::worker::Worker::start(ctx.clone(), hosted);
            startup::shutdown_signal().await;
            worker.stop().await;
            db.close().await;
            Ok(())
        }
        Command::Serve { demo } => {
            if demo && workspaces::count(&db).await.map_err(describe)? == 0 {
                load_demo(&ctx).await?;
            }
            let options = leptos_config::with_hash_file_checked(
                leptos_config::options().map_err(|e| format!("Leptos.toml: {e}"))?,
            );
            print_banner(&options.site_addr.to_string(), demo);
            startup::serve(settings, options, db)
                .await
                .map_err(|e| e.to_string())
        }
        Command::Admin(AdminCommand::CreateUser {
            workspace,
            email,
            password,
            role,
            name,
        }) => {
            let added = accounts::add_member(
                &ctx,
                accounts::NewMember {
                    workspace,
                    email,
                    password: password.0,
                    role,
                    display_name: name,
                },
            )
            .await
            .map_err(describe)?;
            let created = if added.created_workspace {
                " (new workspace)"
            } else {
                ""
            };
            eprintln!(
                "{} is {} of \"{}\"{created}",
                added.user.email, added.role, added.workspace.name
            );
            Ok(())
        }
        Command::Admin(AdminCommand::CreateKey {
            workspace,
            user,
            name,
            scopes,
        }) => {
            let ws = workspaces::find_by_name(&db, &workspace)
                .await
                .map_err(describe)?
                .ok_or_else(|| format!("no workspace named \"{workspace}\""))?;
            let email =
                Email::parse("user", &user).map_err(|e| format!("--user: {}", e.message))?;
            let (member, _) = super::db::users::find_by_email(&db, &email)
                .await
                .map_err(describe)?
                .ok_or_else(|| format!("no user with email {email}"))?;
            let role = workspaces::role_of(&db, &ws.id, &member.id)
                .await
                .map_err(describe)?
                .ok_or_else(|| format!("{email} is not a member of \"{}\"", ws.name))?;
            let actor = Actor::user(ws.id, member.id, role);
            let request =
                NewApiKey::parse(&name, scopes.as_deref(), None, ctx.now()).map_err(describe)?;
            let minted = api_keys::mint(&ctx, &actor, request)
                .await
                .map_err(describe)?;
            println!("{}", minted.token);
            Ok(())
        }
    }
}

async fn load_demo(ctx: &Context) -> Result<(), String> {
    match demo::load(ctx).await.map_err(describe)? {
        demo::Loaded::Created => eprintln!("Loaded the demo workspace \"{}\".", demo::WORKSPACE),
        demo::Loaded::AlreadyThere => eprintln!(
            "The demo workspace \"{}\" is already there.",
            demo::WORKSPACE
        ),
    }
    Ok(())
}

fn print_banner(addr: &str, demo: bool) {
    eprintln!();
    eprintln!("  Tenex Marketing is running at http://{addr}");
    if demo {
        eprintln!("  Demo login: {} / {}", demo::PEOPLE[0].0, demo::PASSWORD);
        eprintln!("  (also approver@, marketer@ and viewer@demo.tenex.test, same password)");
    }
    eprintln!();
}

/// A domain error as one line for a terminal.
fn describe(e: Error) -> String {
    match e {
        Error::Invalid(fields) => fields
            .iter()
            .map(|f| format!("--{}: {}", f.field.replace('_', "-"), f.message))
            .collect::<Vec<_>>()
            .join("; "),
        Error::Internal(source) => format!("internal error: {source}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_on_the_command_line_never_shows_in_debug_output() {
        let cli = Cli::try_parse_from([
            "tenex",
            "admin",
            "create-user",
            "--workspace",
            "W",
            "--email",
            "a@w.test",
            "--password",
            "correct horse battery",
            "--role",
            "admin",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(shown.contains("a@w.test"), "{shown}");
        assert!(!shown.contains("horse"), "{shown}");
    }
}
