//! `kycdesk chat`: the conversation in a terminal. Buttons are numbered (type the number or the
//! label); `--json` reads `{"text": ...}` / `{"button": ...}` / `{"photo": "<file>"}` lines and
//! prints one JSON turn a line, for scripts.

use std::io::{BufRead, Write};

use serde::Deserialize;

use chrono::Utc;

use crate::i18n::Lang;
use crate::runtime::{Content, Inbound, Runtime, Turn};
use crate::store::ConversationKey;

/// Longest input line accepted (bytes). The engine reads at most 2,000 characters of a message
/// anyway; this bounds the memory a runaway script can make the chat hold.
const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Largest photo file `chat` will read.
const MAX_PHOTO_BYTES: u64 = 50 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonInput {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    button: Option<String>,
    #[serde(default)]
    photo: Option<String>,
}

pub struct Options {
    pub lang: Lang,
    pub json: bool,
    /// The wallet user this conversation is linked to (as a signed-in widget user would be).
    pub user_ref: Option<String>,
}

/// Sends one message through the runtime; a storage failure becomes a message to the user
/// (nothing was acknowledged, so they can simply send it again).
async fn send(
    runtime: &Runtime,
    key: &ConversationKey,
    options: &Options,
    lang: Lang,
    content: Content,
) -> Turn {
    let mut inbound = Inbound::new(content, lang);
    inbound.user_ref = options.user_ref.clone();
    match runtime.handle(key, inbound, Utc::now()).await {
        Ok(turn) => turn,
        Err(e) => {
            tracing::error!(error = %e, "a chat message was not saved");
            let problem = InputProblem {
                key: "chat-not-saved",
                detail: e.to_string(),
            };
            error_turn(runtime, lang, &problem)
        }
    }
}

/// Runs a conversation until end of input.
pub async fn run(
    runtime: &Runtime,
    key: &ConversationKey,
    options: &Options,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let greeting = send(runtime, key, options, options.lang, Content::Start).await;
    let mut lang = greeting.lang;
    show(&mut output, &greeting, options.json)?;
    for line in input.split(b'\n') {
        let bytes = line?;
        if bytes.len() > MAX_LINE_BYTES {
            let problem = InputProblem {
                key: "chat-line-too-long",
                detail: format!("{} bytes", bytes.len()),
            };
            show(
                &mut output,
                &error_turn(runtime, lang, &problem),
                options.json,
            )?;
            continue;
        }
        let line = String::from_utf8_lossy(&bytes);
        let line = line.trim_end_matches('\r');
        let inbound = if options.json {
            match parse_json_line(line) {
                Ok(inbound) => inbound,
                Err(problem) => {
                    let turn = error_turn(runtime, lang, &problem);
                    show(&mut output, &turn, true)?;
                    continue;
                }
            }
        } else {
            match line.trim() {
                "/quit" | "/exit" => break,
                other => match other.strip_prefix("/photo ") {
                    Some(path) => match read_photo(path.trim()) {
                        Ok(bytes) => Content::Photo(bytes),
                        Err(problem) => {
                            let turn = error_turn(runtime, lang, &problem);
                            show(&mut output, &turn, false)?;
                            continue;
                        }
                    },
                    None => Content::Text(line.to_string()),
                },
            }
        };
        let turn = send(runtime, key, options, lang, inbound).await;
        lang = turn.lang;
        show(&mut output, &turn, options.json)?;
        show_pushes(runtime, key, &mut output, options.json).await?;
    }
    output.flush()
}

/// Prints what was pushed to this conversation meanwhile (follow-ups), once each.
async fn show_pushes(
    runtime: &Runtime,
    key: &ConversationKey,
    output: &mut impl Write,
    json: bool,
) -> std::io::Result<()> {
    let Ok(items) = runtime.store().pending_outbox(None, 256).await else {
        return Ok(());
    };
    for item in items.into_iter().filter(|i| &i.key == key) {
        show(output, &item.turn, json)?;
        if let Err(e) = runtime.store().ack_outbox(item.id).await {
            tracing::error!(error = %e, "a shown follow-up could not be removed");
        }
    }
    Ok(())
}

/// Why an input line could not be used (shown to the user in their language).
struct InputProblem {
    key: &'static str,
    detail: String,
}

fn parse_json_line(line: &str) -> Result<Content, InputProblem> {
    if line.trim().is_empty() {
        return Ok(Content::Text(String::new()));
    }
    let parsed: JsonInput = serde_json::from_str(line).map_err(|e| InputProblem {
        key: "chat-invalid-json",
        detail: e.to_string(),
    })?;
    match (parsed.text, parsed.button, parsed.photo) {
        (Some(text), None, None) => Ok(Content::Text(text)),
        (None, Some(button), None) => Ok(Content::Button(button)),
        (None, None, Some(path)) => read_photo(&path).map(Content::Photo),
        _ => Err(InputProblem {
            key: "chat-invalid-json",
            detail: "give exactly one of \"text\", \"button\" or \"photo\"".into(),
        }),
    }
}

fn read_photo(path: &str) -> Result<Vec<u8>, InputProblem> {
    let problem = |detail: String| InputProblem {
        key: "chat-photo-unreadable",
        detail,
    };
    let meta = std::fs::metadata(path).map_err(|e| problem(e.to_string()))?;
    if meta.len() > MAX_PHOTO_BYTES {
        return Err(problem(format!("{} bytes is too large", meta.len())));
    }
    std::fs::read(path).map_err(|e| problem(e.to_string()))
}

fn error_turn(runtime: &Runtime, lang: Lang, problem: &InputProblem) -> Turn {
    let text = runtime.locales().render(
        lang,
        problem.key,
        &[("detail".to_string(), problem.detail.clone())],
    );
    Turn {
        messages: vec![crate::runtime::RenderedMessage {
            text,
            buttons: Vec::new(),
            agent: None,
        }],
        node: String::new(),
        intent: None,
        handoff: false,
        lang,
    }
}

fn show(out: &mut impl Write, turn: &Turn, json: bool) -> std::io::Result<()> {
    if json {
        let line = serde_json::to_string(turn).map_err(std::io::Error::other)?;
        writeln!(out, "{line}")?;
        return out.flush();
    }
    for message in &turn.messages {
        if !message.text.is_empty() {
            writeln!(out, "🤖 {}", message.text.replace('\n', "\n   "))?;
        }
        for (i, b) in message.buttons.iter().enumerate() {
            writeln!(out, "   {}) {}", i + 1, b.label)?;
        }
    }
    write!(out, "> ")?;
    out.flush()
}
