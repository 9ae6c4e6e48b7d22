//! The `kycdesk` command: parses arguments and calls into the library.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use kycdesk::channel::terminal;
use kycdesk::config::Config;
use kycdesk::i18n::Lang;
use kycdesk::photo::{PhotoConfig, check_photo};
use kycdesk::runtime::followups::FollowUps;
use kycdesk::runtime::{BotActions, Runtime};
use kycdesk::store::{ConversationKey, SledStore, Store};

#[derive(Parser)]
#[command(
    name = "kycdesk",
    version,
    about = "Chat support for failed identity verification (实名认证 / KYC)"
)]
struct Cli {
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KYCDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
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

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_env()?;
    match cli.command {
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
            let backend = kycdesk::serve::case_backend().await?;
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
            let token = std::env::var("KYCDESK_SANDBOX_TOKEN").unwrap_or_default();
            let state = SandboxState::demo(SandboxConfig {
                token,
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
            kycdesk::serve::check_demo_request(demo)?;
            let loaded = load(&config)?;
            let store = open_store(&config)?;
            let backend = kycdesk::serve::case_backend().await?;
            let actions = BotActions::new(PhotoConfig::default())
                .with_cases(backend.client.clone(), config.timezone)
                .with_store(store.clone())
                .with_case_access(backend.case_access());
            let runtime = Runtime::new(loaded.engine, loaded.locales, Arc::new(actions), store)
                .with_quota(config.conversation_quota_bytes);
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
            let store = open_store(&config)?;
            let report = match (user, conversation) {
                (Some(user), _) => store.erase_user(&user).await?,
                (None, Some(c)) => {
                    let key = ConversationKey::parse(&c)
                        .with_context(|| format!("`{c}` is not a conversation id"))?;
                    store.erase_conversation(&key).await?
                }
                (None, None) => anyhow::bail!("give --user or --conversation"),
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { conversation } => {
            let store = open_store(&config)?;
            let key = ConversationKey::parse(&conversation)
                .with_context(|| format!("`{conversation}` is not a conversation id"))?;
            match store.export(&key).await? {
                Some(export) => {
                    println!("{}", serde_json::to_string_pretty(&export)?);
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("kycdesk: no conversation {key} is stored");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
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
