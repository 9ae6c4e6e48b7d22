//! The `kycdesk` command: parses arguments and calls into the library.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use kycdesk::admin::{self, Request, client::Answer};
use kycdesk::channel::terminal;
use kycdesk::config::Config;
use kycdesk::i18n::Lang;
use kycdesk::photo::{PhotoConfig, check_photo};
use kycdesk::runtime::followups::FollowUps;
use kycdesk::runtime::{BotActions, Runtime};
use kycdesk::store::{AgentRole, ConversationKey, SledStore, Store};

#[derive(Parser)]
#[command(
    name = "kycdesk",
    version,
    about = "Chat support for failed identity verification (实名认证 / KYC)"
)]
struct Cli {
    /// The settings file (default: `KYCDESK_CONFIG`; without either, the built-in defaults).
    /// `KYCDESK_*` variables override it.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Talk to the bot in the terminal.
    Chat {
        /// Language to start in: zh-CN or en.
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Lang,
        /// One JSON object a line in and out, for scripts.
        #[arg(long)]
        json: bool,
        /// Continue an earlier terminal conversation (its id is printed when it starts).
        #[arg(long)]
        resume: Option<String>,
        /// Link the conversation to this wallet user, as a signed-in widget user would be.
        #[arg(long)]
        user_ref: Option<String>,
    },
    /// Run the demo case-status API on its own (`KYCDESK_SANDBOX_LISTEN`, default 127.0.0.1:8090).
    Sandbox,
    /// Classify each line of standard input.
    Nlu {
        /// Print one JSON object a line: text, intent, confidence, entities.
        #[arg(long)]
        json: bool,
    },
    /// Validate or draw the flows.
    Flows {
        #[command(subcommand)]
        command: FlowsCommand,
    },
    /// The main job: the web widget, chat API, webhook and follow-ups (console and Telegram come next).
    Serve {
        /// Demo mode (the default when no case API is configured): the demo page, demo
        /// identities and the built-in sandbox. Refused when KYCDESK_CASE_API_URL is set.
        #[arg(long)]
        demo: bool,
    },
    /// Remove everything stored about a person or a conversation.
    Erase {
        /// The wallet user's reference (all their conversations).
        #[arg(
            long,
            conflicts_with = "conversation",
            required_unless_present = "conversation"
        )]
        user: Option<String>,
        /// One conversation, `<channel>:<id>`.
        #[arg(long)]
        conversation: Option<String>,
    },
    /// The ID-photo check.
    Photo {
        #[command(subcommand)]
        command: PhotoCommand,
    },
    /// Print all stored data of a conversation as JSON (data-access requests).
    Export {
        /// The conversation, `<channel>:<id>`.
        #[arg(long)]
        conversation: String,
    },
    /// Print the settings in force (file, variables and defaults) as TOML, secrets hidden.
    Config,
    /// The agent console's accounts.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Create an account. The password is asked for (or read as one line of standard input).
    Add {
        login: String,
        /// The name shown to other agents.
        #[arg(long)]
        name: String,
        /// agent or admin.
        #[arg(long, default_value = "agent", value_parser = parse_role)]
        role: AgentRole,
        /// Languages the agent serves, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "zh-CN,en")]
        lang: Vec<String>,
        /// Conversations the agent may hold at once (default: `handoff.default_capacity`).
        #[arg(long)]
        capacity: Option<u32>,
    },
    /// List the accounts (never their password hashes).
    List,
    /// Delete an account.
    Remove { login: String },
    /// Set a new password (asked for, or read as one line of standard input).
    Passwd { login: String },
    /// Stop an account from signing in.
    Disable { login: String },
    /// Let a disabled account sign in again.
    Enable { login: String },
}

#[derive(Subcommand)]
enum PhotoCommand {
    /// Check an ID photo and say what to change.
    Check {
        file: std::path::PathBuf,
        /// Print `{"ok": bool, "findings": [{"code", "message"}]}`.
        #[arg(long)]
        json: bool,
        /// Language of the messages: zh-CN or en.
        #[arg(long, default_value = "zh-CN", value_parser = parse_lang)]
        lang: Lang,
    },
}

#[derive(Subcommand)]
enum FlowsCommand {
    /// Load every flow, text and understanding file and report every problem.
    Check,
    /// Print a Mermaid diagram of all flows.
    Graph,
}

fn parse_role(s: &str) -> Result<AgentRole, String> {
    match s {
        "agent" => Ok(AgentRole::Agent),
        "admin" => Ok(AgentRole::Admin),
        _ => Err(format!("unknown role `{s}` (use agent or admin)")),
    }
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language `{s}` (use zh-CN or en)"))
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kycdesk: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async_main())
}

async fn async_main() -> ExitCode {
    let cli = Cli::parse();
    let loaded = Config::load_process(cli.config.as_deref());
    // The log filter is a setting, so logging starts once the settings are read.
    let filter = match &loaded {
        Ok(loaded) => loaded.config.log.as_str(),
        Err(_) => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(filter)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = match loaded {
        Ok(loaded) => {
            for name in &loaded.unknown_variables {
                tracing::warn!(variable = %name, "unknown KYCDESK_ variable ignored");
                eprintln!("kycdesk: warning: {name} is not a kycdesk setting and is ignored");
            }
            loaded.config
        }
        Err(e) => {
            eprintln!("kycdesk: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run(cli.command, config).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kycdesk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load(config: &Config) -> anyhow::Result<kycdesk::content::Loaded> {
    kycdesk::content::load(&config.content, config.case_id_pattern.clone())
        .with_context(|| format!("cannot start with {}", config.content.describe()))
}

fn open_store(config: &Config) -> anyhow::Result<Arc<SledStore>> {
    SledStore::open(&config.data_dir).context("cannot open the store")
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Flows {
            command: FlowsCommand::Check,
        } => match kycdesk::content::load(&config.content, config.case_id_pattern.clone()) {
            Ok(loaded) => {
                let flows = loaded.engine.flows();
                let nodes: usize = flows.flows.values().map(|f| f.nodes.len()).sum();
                println!(
                    "ok: {} flows, {nodes} nodes, texts in {} languages ({})",
                    flows.flows.len(),
                    Lang::ALL.len(),
                    config.content.describe()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(problems) => {
                eprint!("{problems}");
                Ok(ExitCode::FAILURE)
            }
        },
        Command::Flows {
            command: FlowsCommand::Graph,
        } => {
            let loaded = load(&config)?;
            print!("{}", kycdesk::flows::graph::mermaid(loaded.engine.flows()));
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat {
            lang,
            json,
            resume,
            user_ref,
        } => {
            let loaded = load(&config)?;
            let store = open_store(&config)?;
            let backend = kycdesk::serve::case_backend(&config).await?;
            let id = resume
                .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_string());
            let key = ConversationKey::new("terminal", &id)
                .with_context(|| format!("`{id}` is not a conversation id"))?;
            eprintln!("conversation {key} (continue it later with: kycdesk chat --resume {id})");
            // The terminal is the operator's own: a resumed conversation goes on as the wallet
            // user it is linked to (the runtime refuses anyone else on a linked conversation).
            let user_ref = match user_ref {
                Some(user_ref) => Some(user_ref),
                None => store
                    .load(&key)
                    .await
                    .context("cannot read the conversation to resume")?
                    .and_then(|c| c.user_ref),
            };
            // The demo sandbox's made-up cases are open to all; a real case API's to the holder.
            let access = backend.case_access();
            let actions = BotActions::new(PhotoConfig::default())
                .with_cases(backend.client.clone(), config.timezone)
                .with_case_access(access)
                .with_store(store.clone());
            let runtime = Runtime::new(
                loaded.engine,
                loaded.locales,
                Arc::new(actions),
                store.clone(),
            );
            let followups =
                FollowUps::new(runtime.clone(), backend.client.clone()).with_case_access(access);
            let polling = tokio::spawn(
                followups.poll_forever(std::time::Duration::from_secs(config.followup_poll_secs)),
            );
            let stdin = std::io::stdin();
            terminal::run(
                &runtime,
                &key,
                &terminal::Options {
                    lang,
                    json,
                    user_ref,
                },
                stdin.lock(),
                std::io::stdout().lock(),
            )
            .await?;
            polling.abort();
            store.flush().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sandbox => {
            use kycdesk::cases::sandbox::{SandboxConfig, SandboxState};
            let state = SandboxState::demo(SandboxConfig {
                token: config.sandbox_token.clone(),
                ..SandboxConfig::default()
            })
            .context("the sandbox's demo cases")?;
            let listener = tokio::net::TcpListener::bind(&config.sandbox_listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.sandbox_listen))?;
            eprintln!(
                "sandbox case-status API on http://{}",
                listener.local_addr()?
            );
            kycdesk::cases::sandbox::serve(listener, state).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Nlu { json } => {
            let loaded = load(&config)?;
            let nlu = loaded.engine.nlu();
            let today = chrono::Local::now().date_naive();
            let stdin = std::io::stdin();
            let mut out = std::io::stdout().lock();
            for line in stdin.lock().lines() {
                let line = line?;
                let u = nlu.understand(&line, today);
                if json {
                    let value = serde_json::json!({
                        "text": line,
                        "intent": u.intent,
                        "confidence": (f64::from(u.confidence) * 1000.0).round() / 1000.0,
                        "entities": u.entities,
                    });
                    writeln!(out, "{value}")?;
                } else {
                    writeln!(out, "{:<20} {:.2}  {line}", u.intent, u.confidence)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { demo } => {
            kycdesk::serve::check_demo_request(demo, &config)?;
            let loaded = load(&config)?;
            if admin::client::server_running(&config.data_dir).await {
                anyhow::bail!(
                    "a kycdesk server is already running on {}",
                    config.data_dir.display()
                );
            }
            let store = open_store(&config)?;
            let backend = kycdesk::serve::case_backend(&config).await?;
            let actions = BotActions::new(PhotoConfig::default())
                .with_cases(backend.client.clone(), config.timezone)
                .with_store(store.clone())
                .with_case_access(backend.case_access());
            let runtime = Runtime::new(loaded.engine, loaded.locales, Arc::new(actions), store)
                .with_quota(config.conversation_quota_bytes)
                .with_handoff(kycdesk::serve::handoff_hub(&config));
            let listener = tokio::net::TcpListener::bind(&config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let address = listener.local_addr()?;
            if backend.is_demo() {
                eprintln!(
                    "kycdesk: DEMO MODE (demo page, demo identities, sandbox cases); set KYCDESK_CASE_API_URL for a real deployment"
                );
            }
            eprintln!("kycdesk serving on http://{address}");
            kycdesk::serve::serve(runtime, listener, &config, &backend).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Photo {
            command: PhotoCommand::Check { file, json, lang },
        } => photo_check(&config, &file, json, lang),
        Command::Erase { user, conversation } => {
            let report = admin(&config, Request::Erase { user, conversation }).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { conversation } => {
            let export = admin(&config, Request::Export { conversation }).await?;
            println!("{}", serde_json::to_string_pretty(&export)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            print!("{}", kycdesk::config::effective_toml(&config.settings));
            Ok(ExitCode::SUCCESS)
        }
        Command::Agent { command } => agent(&config, command).await,
    }
}

/// Runs an admin request through the running server's admin socket, or on the store itself
/// when no server runs.
async fn admin(config: &Config, request: Request) -> anyhow::Result<serde_json::Value> {
    match admin::client::send(&config.data_dir, &request).await? {
        Some(Answer::Ok(value)) => Ok(value),
        Some(Answer::Refused(message)) => anyhow::bail!("{message}"),
        None => {
            let store = open_store(config)?;
            let answer = admin::execute(store.as_ref(), request).await;
            store.flush().await.context("flushing the store")?;
            Ok(answer?)
        }
    }
}

/// `kycdesk agent ...`.
async fn agent(config: &Config, command: AgentCommand) -> anyhow::Result<ExitCode> {
    match command {
        AgentCommand::Add {
            login,
            name,
            role,
            lang,
            capacity,
        } => {
            check_login(&login)?;
            let password_hash = new_password_hash(&login).await?;
            let request = Request::AgentAdd {
                login: login.clone(),
                name,
                role,
                languages: lang,
                capacity: capacity.unwrap_or(config.handoff.default_capacity),
                password_hash,
            };
            admin(config, request).await?;
            println!("agent {login} added");
        }
        AgentCommand::List => {
            let agents = admin(config, Request::AgentList {}).await?;
            print_agents(&agents);
        }
        AgentCommand::Remove { login } => {
            admin(
                config,
                Request::AgentRemove {
                    login: login.clone(),
                },
            )
            .await?;
            println!("agent {login} removed");
        }
        AgentCommand::Passwd { login } => {
            check_login(&login)?;
            let password_hash = new_password_hash(&login).await?;
            let request = Request::AgentPasswd {
                login: login.clone(),
                password_hash,
            };
            admin(config, request).await?;
            println!("password of {login} changed");
        }
        AgentCommand::Disable { login } => {
            admin(
                config,
                Request::AgentDisable {
                    login: login.clone(),
                },
            )
            .await?;
            println!("agent {login} disabled");
        }
        AgentCommand::Enable { login } => {
            admin(
                config,
                Request::AgentEnable {
                    login: login.clone(),
                },
            )
            .await?;
            println!("agent {login} enabled");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Refuses a bad login before a password is asked for.
fn check_login(login: &str) -> anyhow::Result<()> {
    if admin::valid_login(login) {
        Ok(())
    } else {
        Err(admin::CommandError::Login(login.to_string()).into())
    }
}

/// Asks for a password (twice, without echo, on a terminal; else one line of standard input:
/// never an argument or a variable, which other users and logs can see) and hashes it.
async fn new_password_hash(login: &str) -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {login}: "))
            .context("cannot read the password")?;
        let again =
            rpassword::prompt_password("the same again: ").context("cannot read the password")?;
        if first != again {
            anyhow::bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_string()
    };
    // Argon2id is slow on purpose: off the async workers.
    let hash = tokio::task::spawn_blocking(move || kycdesk::console::password::hash(&password))
        .await
        .context("hashing the password")??;
    Ok(hash)
}

fn print_agents(agents: &serde_json::Value) {
    let rows = agents.as_array().map(Vec::as_slice).unwrap_or_default();
    if rows.is_empty() {
        println!("no agents");
        return;
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    };
    let columns = ["login", "name", "role", "languages", "capacity", "disabled"];
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| columns.iter().map(|c| text(&row[*c])).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(columns.iter().map(|c| c.to_string()).collect());
    for row in table {
        line(row);
    }
}

/// `kycdesk photo check`: the same check the bot runs on a photo sent in chat.
fn photo_check(
    config: &Config,
    file: &std::path::Path,
    json: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    use std::io::Read;
    let loaded = load(config)?;
    let locales = loaded.locales;
    let photo = PhotoConfig::default();
    let mut bytes = Vec::new();
    // Read one byte past the limit: enough to know a file is too large without loading it all.
    std::fs::File::open(file)
        .with_context(|| format!("cannot open {}", file.display()))?
        .take(photo.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let render = |key: &str, args: &[(String, String)]| locales.render(lang, key, args);
    match check_photo(&bytes, &photo) {
        Ok(report) => {
            let rendered = report.rendered(render);
            if json {
                println!("{}", serde_json::to_string(&rendered)?);
            } else if rendered.ok {
                println!("✓ {}", render("photo-ok", &[]));
            } else {
                for f in &rendered.findings {
                    println!("✗ {}: {}", f.code, f.message);
                }
            }
            Ok(if rendered.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Err(e) => {
            let message = render(&e.locale_key(), &e.args());
            if json {
                let value = serde_json::json!({"ok": false, "findings": [], "error": {"code": e.code(), "message": message}});
                println!("{value}");
            } else {
                eprintln!("kycdesk: {}: {message}", file.display());
            }
            Ok(ExitCode::from(2))
        }
    }
}
