//! The `swarmgate` command: parses the command line and hands over to the
//! library. Everything that can be tested lives in `lib.rs`'s modules.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;
use swarmgate::commands;
use swarmgate::config::{Config, LogFormat};

/// A self-hosted torrent portal with its own BitTorrent tracker.
#[derive(Debug, Parser)]
#[command(name = "swarmgate", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the tracker (UDP and HTTP) and the portal until SIGINT or SIGTERM.
    Serve {
        /// TOML configuration file; without it the defaults apply (data in
        /// ./data). SWARMGATE_<SECTION>__<KEY> variables override both.
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Log format, overriding log.format: text or json.
        #[arg(long, value_parser = parse_log_format)]
        log_format: Option<LogFormat>,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The access policy: reload it, explain a decision, see its effect.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Geo databases.
    Geo {
        #[command(subcommand)]
        command: GeoCommand,
    },
    /// Write a consistent copy of the SQLite database to a new file, safe
    /// while the server runs (for PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; it must not exist yet.
        file: PathBuf,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Member accounts: create the first administrator, reset passwords,
    /// disable accounts, change roles.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Switch site-wide freeleech on a running server (tracker mode
    /// private): downloads stop counting against ratios, or count again,
    /// from the next announce, until switched back or a restart
    /// (accounting.site_freeleech is the state it starts in).
    Freeleech {
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// The database (SQLite in storage.data_dir, or storage.database_url).
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// A running instance's health: version, uptime, tracker mode,
    /// torrents, peers, announces per second, accounting backlog. Asks
    /// through the control socket in storage.data_dir; exits non-zero
    /// when nothing answers there.
    Status {
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Print JSON for scripts instead of the summary.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account (e.g. the first administrator). The password is
    /// the first line of standard input.
    Add {
        name: String,
        /// admin, moderator, uploader or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password from standard input (required: passwords are
        /// never command-line arguments).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Set a new password (first line of standard input) and end the
    /// account's sessions.
    Passwd {
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Disable an account and end its sessions.
    Disable {
        name: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Re-enable a disabled account.
    Enable {
        name: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Change an account's role.
    Role {
        name: String,
        /// admin, moderator, uploader or member.
        role: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply pending schema migrations and print what was applied. `serve`
    /// does this too at start; run it alone to migrate a shared
    /// PostgreSQL database before rolling out new nodes.
    Migrate {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Make the running server reload its policy file and geo databases.
    /// Exits non-zero, with the reason, when the new policy does not load
    /// (the old one stays in force).
    Reload {
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the decision for an address and the rule that made it.
    Check {
        /// The client address to decide for.
        ip: IpAddr,
        /// portal, tracker, download or category:<slug>.
        #[arg(long, default_value = "tracker")]
        scope: String,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Print the aggregate decision counters (per scope, country, rule and
    /// decision) of the last hours.
    Stats {
        #[arg(long, default_value_t = 24)]
        hours: u32,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Replay the recorded counters against a candidate policy and print
    /// what share of requests it would deny per country.
    Simulate {
        /// The candidate policy file.
        #[arg(long)]
        policy: PathBuf,
        #[arg(long, default_value_t = 24)]
        hours: u32,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum GeoCommand {
    /// Print the country of an address and which database answered.
    Lookup {
        ip: IpAddr,
        /// A geo database (.mmdb or .csv); default: the policy's.
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a fully commented example configuration with every default.
    Example,
    /// Load the configuration as `serve` would, report errors, and print
    /// the effective values.
    Check {
        /// TOML configuration file.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

fn parse_log_format(s: &str) -> Result<LogFormat, String> {
    match s {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        other => Err(format!("unknown log format {other:?}; use text or json")),
    }
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One readable line with every cause; no backtrace for operators.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { config, log_format } => {
            let mut config = Config::load(config.as_deref())?;
            if let Some(format) = log_format {
                config.log.format = format;
            }
            swarmgate::logging::init(&config.log)?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?
                .block_on(serve(config))
        }
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", swarmgate::example::example_toml());
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check { config },
        } => {
            let config = Config::load(config.as_deref())?;
            print!("{}", toml::to_string(&config)?);
            Ok(())
        }
        Command::Policy { command } => print_result(policy_command(command)),
        Command::Geo {
            command: GeoCommand::Lookup { ip, db, config },
        } => {
            let config = Config::load(config.as_deref())?;
            print_result(commands::geo_lookup(&config, ip, db.as_deref()))
        }
        Command::User { command } => print_result(user_command(command)),
        Command::Backup { file, config } => {
            let config = Config::load(config.as_deref())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            print_result(runtime.block_on(swarmgate::backup::backup(&config, &file)))
        }
        Command::Freeleech { state, config } => {
            let config = Config::load(config.as_deref())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            print_result(runtime.block_on(commands::site_freeleech(&config, &state)))
        }
        Command::Db {
            command: DbCommand::Migrate { config },
        } => {
            let config = Config::load(config.as_deref())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            print_result(runtime.block_on(swarmgate::app::migrate_database(&config)))
        }
        Command::Status { config, json } => {
            let config = Config::load(config.as_deref())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            match runtime.block_on(swarmgate::status::status(&config, json)) {
                Ok(text) => {
                    print!("{text}");
                    Ok(())
                }
                Err(down) => {
                    // Scripts read standard output; the exit code says it too.
                    print!("{}", down.json.as_deref().unwrap_or_default());
                    Err(down.into())
                }
            }
        }
    }
}

fn print_result(result: anyhow::Result<String>) -> anyhow::Result<()> {
    print!("{}", result?);
    Ok(())
}

fn policy_command(command: PolicyCommand) -> anyhow::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match command {
        PolicyCommand::Reload { config } => {
            let config = Config::load(config.as_deref())?;
            runtime
                .block_on(commands::policy_reload(&config))
                .map(|s| s + "\n")
        }
        PolicyCommand::Check { ip, scope, config } => {
            commands::policy_check(&Config::load(config.as_deref())?, ip, &scope)
        }
        PolicyCommand::Stats { hours, config } => {
            let config = Config::load(config.as_deref())?;
            runtime.block_on(commands::policy_stats(&config, hours))
        }
        PolicyCommand::Simulate {
            policy,
            hours,
            config,
        } => {
            let config = Config::load(config.as_deref())?;
            runtime.block_on(commands::policy_simulate(&config, &policy, hours))
        }
    }
}

fn user_command(command: UserCommand) -> anyhow::Result<String> {
    use swarmgate::users;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stdin = || users::read_password(std::io::stdin().lock());
    match command {
        UserCommand::Add {
            name, role, config, ..
        } => {
            let role = users::parse_role(&role)?;
            let config = Config::load(config.as_deref())?;
            let password = stdin()?;
            runtime.block_on(users::add(&config, &name, role, password))
        }
        UserCommand::Passwd { name, config, .. } => {
            let config = Config::load(config.as_deref())?;
            let password = stdin()?;
            runtime.block_on(users::passwd(&config, &name, password))
        }
        UserCommand::Disable { name, config } => {
            let config = Config::load(config.as_deref())?;
            runtime.block_on(users::set_disabled(&config, &name, true))
        }
        UserCommand::Enable { name, config } => {
            let config = Config::load(config.as_deref())?;
            runtime.block_on(users::set_disabled(&config, &name, false))
        }
        UserCommand::Role { name, role, config } => {
            let role = users::parse_role(&role)?;
            let config = Config::load(config.as_deref())?;
            runtime.block_on(users::set_role(&config, &name, role))
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let running = swarmgate::start(&config).await?;
    let shutdown = running.shutdown_handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        shutdown.trigger();
    });
    running.wait().await
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
