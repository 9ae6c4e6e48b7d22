//! Rendering the engine's effects into what a channel shows: texts in the conversation's
//! language, with the quick-reply buttons attached to the last message.

use serde::{Deserialize, Serialize};

use crate::engine::Effect;
use crate::i18n::{Lang, Locales};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedButton {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedMessage {
    pub text: String,
    pub buttons: Vec<RenderedButton>,
    /// The human agent who wrote this message (absent for the bot's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
}

/// One bot turn, as `kycdesk chat --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub messages: Vec<RenderedMessage>,
    /// Where the bot now waits, `<flow>.<node>`.
    pub node: String,
    /// The intent understood from the user's text, when there was text.
    pub intent: Option<String>,
    /// Whether this turn handed the conversation to a human.
    pub handoff: bool,
    pub lang: Lang,
}

pub fn render(
    locales: &Locales,
    lang: Lang,
    effects: &[Effect],
    node: Option<String>,
    intent: Option<String>,
    handoff: bool,
) -> Turn {
    let mut messages: Vec<RenderedMessage> = Vec::new();
    for effect in effects {
        match effect {
            Effect::Say { key, args } => messages.push(RenderedMessage {
                text: locales.render(lang, key, args),
                buttons: Vec::new(),
                agent: None,
            }),
            Effect::Buttons { buttons } => {
                let rendered = buttons
                    .iter()
                    .map(|b| RenderedButton {
                        id: b.id.clone(),
                        label: locales.render(lang, &b.label, &[]),
                    })
                    .collect();
                match messages.last_mut() {
                    Some(last) if last.buttons.is_empty() => last.buttons = rendered,
                    _ => messages.push(RenderedMessage {
                        text: String::new(),
                        buttons: rendered,
                        agent: None,
                    }),
                }
            }
            Effect::Perform { .. } => {}
        }
    }
    Turn {
        messages,
        node: node.unwrap_or_default(),
        intent,
        handoff,
        lang,
    }
}
