//! The `kycdesk` command: parses arguments and calls into the library.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use kycdesk::channel::terminal;
use kycdesk::config::Config;
use kycdesk::i18n::Lang;
use kycdesk::runtime::{Runtime, StandIns};

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
    },
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
    /// The main job: widget, console and channels (not built yet; use `chat`).
    Serve,
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KYCDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
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
        Command::Chat { lang, json } => {
            let loaded = load(&config)?;
            let runtime = Runtime::new(loaded.engine, loaded.locales, Arc::new(StandIns));
            let mut session = runtime.new_session(lang);
            let stdin = std::io::stdin();
            terminal::run(
                &runtime,
                &mut session,
                &terminal::Options { lang, json },
                stdin.lock(),
                std::io::stdout().lock(),
            )?;
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
        Command::Serve => {
            eprintln!(
                "kycdesk serve is not built yet: the widget, console and Telegram come next. \
                 Talk to the bot with `kycdesk chat`."
            );
            Ok(ExitCode::from(2))
        }
    }
}
