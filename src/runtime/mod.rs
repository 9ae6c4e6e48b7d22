//! The runtime between channels and the engine: turns one inbound message into one rendered
//! bot turn, performing the engine's actions and feeding their results back until the
//! conversation waits for the user. Every channel uses this; none talks to the engine directly.

pub mod actions;
mod render;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::engine::{ButtonOffer, ConversationState, Effect, Engine, Event, StepContext};
use crate::i18n::{Lang, Locales};
use crate::nlu::normalize::normalize;
pub use actions::{ActionResult, Actions, PhotoRef, StandIns};
pub use render::{RenderedButton, RenderedMessage, Turn};

/// How many action results one inbound message may chain (a flow that performs an action,
/// whose outcome leads to another action, ...). More means the flows loop.
const MAX_ACTIONS_PER_TURN: usize = 8;

/// One inbound message, channel-independent.
#[derive(Debug, Clone)]
pub enum Inbound {
    /// The conversation opens (or is resumed).
    Start,
    Text(String),
    Button(String),
    Photo(Vec<u8>),
}

/// A conversation: the engine state plus what the user was last shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub state: ConversationState,
    /// The buttons of the last turn, so that typing a button's number or label presses it.
    pub offered: Vec<ButtonOffer>,
}

/// Shared by all conversations: the engine, the texts and the action performers.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    locales: Arc<Locales>,
    actions: Arc<dyn Actions>,
}

impl Runtime {
    pub fn new(engine: Engine, locales: Arc<Locales>, actions: Arc<dyn Actions>) -> Self {
        Self {
            engine,
            locales,
            actions,
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn locales(&self) -> &Locales {
        &self.locales
    }

    pub fn new_session(&self, lang: Lang) -> Session {
        Session {
            state: self.engine.new_state(lang),
            offered: Vec::new(),
        }
    }

    /// Handles one inbound message and returns the bot's turn.
    pub fn handle(&self, session: &mut Session, inbound: Inbound, today: NaiveDate) -> Turn {
        let ctx = StepContext { today };
        let mut photo: Option<Vec<u8>> = None;
        let event = match inbound {
            Inbound::Start => Event::Start,
            Inbound::Button(id) => Event::Button { id },
            Inbound::Photo(bytes) => {
                photo = Some(bytes);
                Event::Photo
            }
            Inbound::Text(text) => match self.typed_button(session, &text) {
                Some(id) => Event::Button { id },
                None => Event::Text { text },
            },
        };
        let first = self.engine.step(&mut session.state, event, ctx);
        let intent = first.understanding.as_ref().map(|u| u.intent.clone());
        let mut effects = Vec::new();
        let mut pending = first.effects;
        let mut handoff = false;
        for _ in 0..MAX_ACTIONS_PER_TURN {
            let mut next = None;
            for effect in pending.drain(..) {
                match effect {
                    Effect::Perform { action, params } => {
                        handoff |= action == "escalate";
                        let result = self.actions.perform(
                            &action,
                            &params,
                            &session.state,
                            photo.as_deref().map(|bytes| PhotoRef { bytes }),
                        );
                        for note in &result.notes {
                            effects.push(Effect::Say {
                                key: note.clone(),
                                args: Vec::new(),
                            });
                        }
                        next = Some(Event::ActionDone {
                            outcome: result.outcome,
                            slots: result.slots,
                        });
                    }
                    other => effects.push(other),
                }
            }
            match next {
                Some(event) => pending = self.engine.step(&mut session.state, event, ctx).effects,
                None => break,
            }
        }
        // The photo is dropped here, at the end of the turn: it is never stored.
        drop(photo);
        let turn = render::render(
            &self.locales,
            session.state.lang,
            &effects,
            session.state.at.as_ref().map(ToString::to_string),
            intent,
            handoff,
        );
        session.offered = effects
            .iter()
            .rev()
            .find_map(|e| match e {
                Effect::Buttons { buttons } => Some(buttons.clone()),
                _ => None,
            })
            .unwrap_or_default();
        turn
    }

    /// A typed button number ("2") or a typed label ("解决了 👍") presses that button.
    fn typed_button(&self, session: &Session, text: &str) -> Option<String> {
        let typed = text.trim();
        if let Ok(n) = typed.parse::<usize>() {
            return session.offered.get(n.checked_sub(1)?).map(|b| b.id.clone());
        }
        let typed = normalize(typed);
        if typed.is_empty() {
            return None;
        }
        session
            .offered
            .iter()
            .find(|b| normalize(&self.locales.render(session.state.lang, &b.label, &[])) == typed)
            .map(|b| b.id.clone())
    }
}
