//! The engine: a pure, deterministic state machine. `step(state, event) -> effects`, mutating
//! the state in place. No I/O and no clock: the runtime performs the effects (say, perform an
//! action) and feeds action results back as events; the date comes in `StepContext`.

mod event;
mod state;
mod validate;

use std::sync::Arc;

pub use event::{ButtonOffer, Effect, Event, StepContext, StepOutput};
pub use state::{ConversationState, HISTORY_LIMIT, STATE_FORMAT};
pub use validate::{Verdict, validate};

use crate::flows::{Button, FlowSet, NodeKind, NodeRef, SayThen};
use crate::i18n::Lang;
use crate::nlu::{Nlu, Understanding, intents, normalize};

/// Automatic moves (say → next, branch, goto) allowed in one step before the engine decides the
/// flows loop and returns the user to safety.
const MAX_HOPS: usize = 64;

/// The slot holding the user's case id (from their text or an `ask` node).
pub const CASE_ID_SLOT: &str = "case_id";

/// The slot of an action result that names the node an `@entry` outcome goes to (`flow.node`).
pub const ENTRY_SLOT: &str = "entry";

/// The slot telling the runtime why the conversation goes to a person (`asked`, `not_helped`,
/// `not_understood`, `upset`); absent when a flow sent it there.
pub const HANDOFF_REASON_SLOT: &str = "handoff_reason";

/// Messages in a row not understood before the bot offers a person.
const UNCLEAR_LIMIT: u8 = 3;

/// Intents with a clarifying button of their own.
const CLARIFY_LIMIT: usize = 3;

/// The engine for one flow set and one trained understanding; shared by all conversations.
#[derive(Debug, Clone)]
pub struct Engine {
    flows: Arc<FlowSet>,
    nlu: Arc<Nlu>,
}

/// Collects effects during one step.
struct Out {
    effects: Vec<Effect>,
}

impl Out {
    fn say(&mut self, key: &str, state: &ConversationState) {
        let args = state
            .slots
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.effects.push(Effect::Say {
            key: key.to_string(),
            args,
        });
    }

    fn say_with(&mut self, key: &str, args: Vec<(String, String)>) {
        self.effects.push(Effect::Say {
            key: key.to_string(),
            args,
        });
    }

    fn buttons(&mut self, buttons: Vec<ButtonOffer>) {
        if !buttons.is_empty() {
            self.effects.push(Effect::Buttons { buttons });
        }
    }
}

fn offers(buttons: &[Button]) -> Vec<ButtonOffer> {
    buttons
        .iter()
        .map(|b| ButtonOffer {
            id: b.id.clone(),
            label: b.label.clone(),
        })
        .collect()
}

fn menu_start() -> NodeRef {
    NodeRef::new("menu", "start")
}

fn menu_again() -> NodeRef {
    NodeRef::new("menu", "again")
}

fn handoff_start() -> NodeRef {
    NodeRef::new("handoff", "start")
}

fn handoff_offer() -> NodeRef {
    NodeRef::new("handoff", "offer")
}

impl Engine {
    pub fn new(flows: Arc<FlowSet>, nlu: Arc<Nlu>) -> Self {
        Self { flows, nlu }
    }

    pub fn flows(&self) -> &FlowSet {
        &self.flows
    }

    pub fn nlu(&self) -> &Nlu {
        &self.nlu
    }

    /// A fresh conversation in `lang`, tied to this flow set.
    pub fn new_state(&self, lang: Lang) -> ConversationState {
        let mut state = ConversationState::new(lang);
        state.flow_version = self.flows.version.clone();
        state
    }

    /// Moves the conversation to `node` from outside it (a person handed it back, or resolved
    /// it): says `preface` first, then walks there as if the user had gone on.
    pub fn enter(
        &self,
        state: &mut ConversationState,
        preface: Option<&str>,
        node: NodeRef,
    ) -> Vec<Effect> {
        let mut out = Out {
            effects: Vec::new(),
        };
        if let Some(key) = preface {
            out.say(key, state);
        }
        self.go(state, node, &mut out);
        out.effects
    }

    /// Steps the conversation by one event.
    pub fn step(
        &self,
        state: &mut ConversationState,
        event: Event,
        ctx: StepContext,
    ) -> StepOutput {
        let mut out = Out {
            effects: Vec::new(),
        };
        self.move_to_safety_after_edit(state, &mut out);
        // A conversation whose first message is not a start (a typed question, a deep-link
        // button) is read as if it came at the main menu.
        if state.at.is_none() && !matches!(event, Event::Start) {
            state.at = Some(menu_start());
        }
        let offered_clarify = std::mem::take(&mut state.clarify);
        let mut understanding = None;
        match event {
            Event::Start => self.on_start(state, &mut out),
            Event::Button { id } => self.on_button(state, &id, offered_clarify, &mut out),
            Event::Text { text } => {
                understanding = self.on_text(state, &text, ctx, &mut out);
            }
            Event::Photo => {
                let check = NodeRef::new("photo_quality", "check");
                if state.at.as_ref().map(|a| a.flow.as_str()) != Some("photo_quality") {
                    out.say("engine-photo-not-expected", state);
                }
                self.go(state, check, &mut out);
            }
            Event::FollowUp { node, slots } => {
                state.slots.extend(slots);
                let target = NodeRef::new("followup", node);
                if self.flows.node(&target).is_some() {
                    self.go(state, target, &mut out);
                } else {
                    tracing::error!(%target, "follow-up node missing");
                }
            }
            Event::ActionDone { outcome, slots } => {
                self.on_action_done(state, &outcome, slots, &mut out);
            }
        }
        StepOutput {
            effects: out.effects,
            understanding,
        }
    }

    /// A conversation stored under an older flow set whose node has since disappeared resumes
    /// at the menu with a short apology, instead of failing.
    fn move_to_safety_after_edit(&self, state: &mut ConversationState, out: &mut Out) {
        if state.flow_version == self.flows.version {
            return;
        }
        state.flow_version = self.flows.version.clone();
        let lost = state
            .at
            .as_ref()
            .is_some_and(|at| self.flows.node(at).is_none());
        state.history.retain(|h| self.flows.node(h).is_some());
        if lost {
            out.say("engine-flow-changed", state);
            state.at = Some(menu_start());
            state.pending_action = None;
            state.ask_failures = 0;
        }
    }

    fn on_start(&self, state: &mut ConversationState, out: &mut Out) {
        match state.at.clone() {
            None => self.go(state, menu_start(), out),
            Some(at) => match self.flows.node(&at).map(|n| &n.kind) {
                Some(NodeKind::Say {
                    then: SayThen::End, ..
                }) => self.go(state, menu_again(), out),
                Some(_) if state.pending_action.is_none() => self.reshow(state, out),
                _ => self.go(state, menu_again(), out),
            },
        }
    }

    fn on_button(
        &self,
        state: &mut ConversationState,
        id: &str,
        clarify: Vec<String>,
        out: &mut Out,
    ) {
        state.unclear_streak = 0;
        if let Some(intent) = id.strip_prefix("topic_")
            && clarify.iter().any(|c| c == intent)
            && let Some(target) = self.flows.intent_routes.get(intent)
        {
            return self.go(state, target.clone(), out);
        }
        let current = state.at.as_ref().and_then(|at| self.flows.node(at));
        if state.pending_action.is_none()
            && let Some(button) = current.and_then(|n| n.buttons().iter().find(|b| b.id == id))
        {
            let button = button.clone();
            return self.press(state, &button, out);
        }
        match id {
            "human" => {
                state
                    .slots
                    .insert(HANDOFF_REASON_SLOT.into(), "asked".into());
                return self.go(state, handoff_start(), out);
            }
            "menu" => return self.go(state, menu_again(), out),
            _ => {}
        }
        let known_elsewhere = self
            .flows
            .flows
            .values()
            .flat_map(|f| f.nodes.values())
            .any(|n| n.buttons().iter().any(|b| b.id == id))
            || id.starts_with("topic_");
        let key = if known_elsewhere {
            "engine-stale-button"
        } else {
            "engine-unknown-button"
        };
        out.say(key, state);
        state.clarify = clarify;
        self.offer_current(state, out);
    }

    fn press(&self, state: &mut ConversationState, button: &Button, out: &mut Out) {
        for (slot, value) in &button.set {
            state.slots.insert(slot.clone(), value.clone());
        }
        if button.id == "no" {
            self.count_not_helped(state);
        }
        self.go(state, button.goto.clone(), out);
    }

    fn count_not_helped(&self, state: &mut ConversationState) {
        let cause = state
            .at
            .as_ref()
            .and_then(|at| self.flows.flow(&at.flow))
            .and_then(|f| f.cause.clone());
        if let Some(cause) = cause {
            *state.not_helped.entry(cause).or_default() += 1;
        }
    }

    fn on_text(
        &self,
        state: &mut ConversationState,
        raw: &str,
        ctx: StepContext,
        out: &mut Out,
    ) -> Option<Understanding> {
        state.user_turns = state.user_turns.saturating_add(1);
        let (text, cut) = normalize::truncate_chars(raw, normalize::MAX_CHARS);
        let text = text.trim();
        if text.chars().all(|c| c.is_whitespace() || c.is_control()) {
            out.say("engine-empty", state);
            self.offer_current(state, out);
            return None;
        }
        if cut {
            out.say_with(
                "engine-too-long",
                vec![("max".into(), normalize::MAX_CHARS.to_string())],
            );
        }
        if let Some(command) = text.strip_prefix('/') {
            self.on_command(state, command, out);
            return None;
        }
        if state.user_turns == 1 {
            detect_language(state, text);
        }
        let understanding = self.nlu.understand(text, ctx.today);
        let streak_before = state.unclear_streak;
        let fingerprint = crate::nlu::upset::fingerprint(text);
        // Sending an answer again at a question (a retyped ID number) is not a complaint.
        let asking = state
            .at
            .as_ref()
            .and_then(|at| self.flows.node(at))
            .is_some_and(|n| matches!(n.kind, NodeKind::Ask(_)));
        let repeated = !asking
            && crate::nlu::upset::is_substantial(text)
            && state.last_message == Some(fingerprint);
        state.last_message = Some(fingerprint);
        let in_handoff = state.at.as_ref().is_some_and(|at| at.flow == "handoff");
        if !in_handoff && (repeated || crate::nlu::upset::swears(text)) {
            // An upset user is offered a person at once, without a lecture.
            state.unclear_streak = 0;
            state
                .slots
                .insert(HANDOFF_REASON_SLOT.into(), "upset".into());
            out.say("engine-upset", state);
            self.go(state, handoff_offer(), out);
            return Some(understanding);
        }
        let understanding = self.route_text(state, text, understanding, ctx, out);
        if state.unclear_streak == streak_before {
            state.unclear_streak = 0;
        }
        Some(understanding)
    }

    fn route_text(
        &self,
        state: &mut ConversationState,
        text: &str,
        understanding: Understanding,
        ctx: StepContext,
        out: &mut Out,
    ) -> Understanding {
        // A case id mentioned anywhere ("I failed, my case is KYC-DEMO-PHOTO") is remembered,
        // so a case lookup later in the conversation need not ask for it.
        if let Some(case) = understanding
            .entities
            .iter()
            .find(|e| matches!(e.kind, crate::entities::EntityKind::CaseId))
        {
            state
                .slots
                .insert(CASE_ID_SLOT.to_string(), case.value.to_uppercase());
        }
        let sure = understanding.by_rule || understanding.confidence >= self.nlu.threshold;
        let intent = understanding.intent.as_str();
        if sure && intents::GLOBAL_COMMANDS.contains(&intent) {
            self.global(state, intent, text, out);
            return understanding;
        }
        if state.pending_action.is_some() {
            // The runtime resolves actions within a turn, so this is an interrupted one: drop it.
            state.pending_action = None;
            state.at = Some(menu_again());
        }
        let node = state
            .at
            .as_ref()
            .and_then(|at| self.flows.node(at))
            .cloned();
        if let Some(NodeKind::Ask(ask)) = node.as_ref().map(|n| &n.kind) {
            self.answer(state, ask, text, &understanding, ctx, out);
            return understanding;
        }
        let has = |id: &str| {
            node.as_ref()
                .and_then(|n| n.buttons().iter().find(|b| b.id == id).cloned())
        };
        let in_cause = self.current_cause(state).is_some();
        match intent {
            "affirm" if sure => match has("yes") {
                Some(b) => self.press(state, &b, out),
                None => self.unclear(state, &understanding, out),
            },
            "deny" | "verification_failed" if sure && (in_cause || has("no").is_some()) => {
                match has("no") {
                    Some(b) => self.press(state, &b, out),
                    None if intent == "deny" || in_cause => self.not_helped(state, out),
                    None => self.unclear(state, &understanding, out),
                }
            }
            _ if sure && intents::is_topic(intent) => match self.flows.intent_routes.get(intent) {
                Some(target) => self.go(state, target.clone(), out),
                None => self.unclear(state, &understanding, out),
            },
            _ => self.unclear(state, &understanding, out),
        }
        understanding
    }

    fn current_cause(&self, state: &ConversationState) -> Option<String> {
        state
            .at
            .as_ref()
            .and_then(|at| self.flows.flow(&at.flow))
            .and_then(|f| f.cause.clone())
    }

    /// "That did not help": the flow's `not_helped` node, or a human.
    fn not_helped(&self, state: &mut ConversationState, out: &mut Out) {
        self.count_not_helped(state);
        // The same cause failing twice is beyond what the bot can fix: a person takes over.
        let failed_twice = self
            .current_cause(state)
            .is_some_and(|cause| state.not_helped.get(&cause).copied().unwrap_or(0) >= 2);
        let target = state
            .at
            .as_ref()
            .and_then(|at| self.flows.flow(&at.flow))
            .and_then(|f| f.not_helped.clone())
            .filter(|_| !failed_twice)
            .unwrap_or_else(handoff_offer);
        if target.flow == "handoff" {
            state
                .slots
                .insert(HANDOFF_REASON_SLOT.into(), "not_helped".into());
        }
        let target = if self.flows.node(&target).is_some() {
            target
        } else {
            handoff_start()
        };
        self.go(state, target, out);
    }

    fn answer(
        &self,
        state: &mut ConversationState,
        ask: &crate::flows::model::Ask,
        text: &str,
        understanding: &Understanding,
        ctx: StepContext,
        out: &mut Out,
    ) {
        let sure_topic = (understanding.by_rule || understanding.confidence >= 0.6)
            && intents::is_topic(&understanding.intent);
        match validate(ask.validator, text, ctx.today, self.nlu.case_id_pattern()) {
            Verdict::Accept(value) => {
                state.slots.insert(ask.slot.clone(), value);
                state.ask_failures = 0;
                // An answer naming the topic we are already in ("it just said verification
                // failed") is information, not a request to start this topic over.
                let here = state.at.as_ref().map(|a| a.flow.clone());
                let jump = if ask.classify && sure_topic {
                    self.flows
                        .intent_routes
                        .get(&understanding.intent)
                        .filter(|t| Some(&t.flow) != here.as_ref())
                        .cloned()
                } else {
                    None
                };
                self.go(state, jump.unwrap_or_else(|| ask.next.clone()), out);
            }
            Verdict::Refuse { reason, args } => {
                // Someone asked for a number who writes about another topic has moved on.
                if sure_topic && let Some(t) = self.flows.intent_routes.get(&understanding.intent) {
                    return self.go(state, t.clone(), out);
                }
                state.ask_failures = state.ask_failures.saturating_add(1);
                if state.ask_failures > ask.retries {
                    state.ask_failures = 0;
                    let fallback = ask
                        .on_fail
                        .clone()
                        .unwrap_or_else(|| NodeRef::new("handoff", "offer"));
                    return self.go(state, fallback, out);
                }
                out.say_with(&format!("validate-{}-{reason}", ask.validator.name()), args);
                if let Some(reask) = &ask.reask {
                    out.say(reask, state);
                }
                out.buttons(offers(&ask.buttons));
            }
        }
    }

    /// Unclear text: ask which of the likeliest topics is meant, or admit we did not understand.
    fn unclear(&self, state: &mut ConversationState, u: &Understanding, out: &mut Out) {
        if u.intent == intents::OUT_OF_SCOPE
            && u.confidence >= self.nlu.threshold
            && let Some(t) = self.flows.intent_routes.get(intents::OUT_OF_SCOPE)
        {
            return self.go(state, t.clone(), out);
        }
        state.unclear_streak = state.unclear_streak.saturating_add(1);
        if state.unclear_streak >= UNCLEAR_LIMIT
            && state.at.as_ref().is_none_or(|at| at.flow != "handoff")
        {
            state.unclear_streak = 0;
            state
                .slots
                .insert(HANDOFF_REASON_SLOT.into(), "not_understood".into());
            out.say("engine-unclear-handoff", state);
            return self.go(state, handoff_offer(), out);
        }
        let candidates: Vec<String> = u
            .ranked
            .iter()
            .filter(|(i, p)| {
                *p >= 0.08
                    && (intents::CAUSES.contains(&i.as_str())
                        || intents::QUESTIONS.contains(&i.as_str()))
                    && self.flows.intent_routes.contains_key(i)
            })
            .take(CLARIFY_LIMIT)
            .map(|(i, _)| i.clone())
            .collect();
        if candidates.is_empty() {
            out.say("engine-clarify-none", state);
        } else {
            out.say("engine-clarify", state);
        }
        out.buttons(clarify_buttons(&candidates));
        state.clarify = candidates;
    }

    fn on_command(&self, state: &mut ConversationState, command: &str, out: &mut Out) {
        let mut parts = command.split_whitespace();
        let name = parts.next().unwrap_or_default().to_lowercase();
        let arg = parts.next().unwrap_or_default();
        match name.as_str() {
            "start" | "menu" | "restart" => self.global(state, "restart", "", out),
            "human" | "agent" => self.global(state, "human_agent", "", out),
            "back" => self.global(state, "back", "", out),
            "lang" | "language" => self.global(state, "language", arg, out),
            _ => {
                out.say("engine-unknown-button", state);
                self.offer_current(state, out);
            }
        }
    }

    fn global(&self, state: &mut ConversationState, intent: &str, text: &str, out: &mut Out) {
        match intent {
            "human_agent" => {
                state
                    .slots
                    .insert(HANDOFF_REASON_SLOT.into(), "asked".into());
                self.go(state, handoff_start(), out)
            }
            "restart" => {
                state.pending_action = None;
                self.go(state, menu_start(), out);
            }
            "back" => match state.history.pop() {
                Some(previous) => {
                    state.at = None;
                    state.pending_action = None;
                    self.walk(state, previous, out);
                }
                None => {
                    out.say("engine-no-back", state);
                    self.offer_current(state, out);
                }
            },
            _ => {
                state.lang = requested_language(text).unwrap_or(state.lang.other());
                out.say("engine-language-switched", state);
                self.reshow(state, out);
            }
        }
    }

    fn on_action_done(
        &self,
        state: &mut ConversationState,
        outcome: &str,
        slots: std::collections::BTreeMap<String, String>,
        out: &mut Out,
    ) {
        let Some(at) = state.at.clone() else {
            return;
        };
        if state.pending_action.take().is_none() {
            tracing::debug!(outcome, "action result with no action pending: ignored");
            return;
        }
        let entry = slots.get(ENTRY_SLOT).and_then(|e| {
            let (flow, node) = e.split_once('.')?;
            let target = NodeRef::new(flow, node);
            self.flows.node(&target).is_some().then_some(target)
        });
        state
            .slots
            .extend(slots.into_iter().filter(|(k, _)| k != ENTRY_SLOT));
        let target = match self.flows.node(&at).map(|n| &n.kind) {
            Some(NodeKind::Action {
                on, prefer_entry, ..
            }) => match entry {
                Some(entry) if prefer_entry.contains(outcome) => Some(entry),
                _ => on.get(outcome).or_else(|| on.get("default")).cloned(),
            },
            _ => None,
        };
        match target {
            Some(t) => {
                state.at = None; // an action node is not a place "back" returns to
                self.walk(state, t, out);
            }
            None => self.internal_error(state, out),
        }
    }

    fn internal_error(&self, state: &mut ConversationState, out: &mut Out) {
        out.say("engine-internal-error", state);
        state.pending_action = None;
        state.at = None;
        self.walk(state, menu_again(), out);
    }

    /// Leaves the current waiting point (remembering it for "back") and walks to `target`.
    fn go(&self, state: &mut ConversationState, target: NodeRef, out: &mut Out) {
        if let Some(at) = state.at.take()
            && self.flows.node(&at).is_some_and(|n| n.waits())
        {
            state.remember(at);
        }
        state.pending_action = None;
        self.walk(state, target, out);
    }

    /// Walks from `target` through automatic nodes until the bot waits.
    fn walk(&self, state: &mut ConversationState, mut target: NodeRef, out: &mut Out) {
        for _ in 0..MAX_HOPS {
            let (Some(flow), Some(node)) =
                (self.flows.flow(&target.flow), self.flows.node(&target))
            else {
                tracing::error!(%target, "flow target missing at run time");
                return self.recover(state, out);
            };
            if let Some(cause) = &flow.cause {
                state.note_cause(cause);
            }
            match &node.kind {
                NodeKind::Say {
                    messages,
                    then,
                    remedy,
                } => {
                    for m in messages {
                        out.say(m, state);
                    }
                    if let Some(r) = remedy {
                        state.note_remedy(r);
                    }
                    match then {
                        SayThen::Buttons(b) => {
                            out.buttons(offers(b));
                            state.at = Some(target);
                            return;
                        }
                        SayThen::End => {
                            state.at = Some(target);
                            return;
                        }
                        SayThen::Next(next) => target = next.clone(),
                    }
                }
                NodeKind::Ask(ask) => {
                    out.say(&ask.prompt, state);
                    out.buttons(offers(&ask.buttons));
                    state.ask_failures = 0;
                    state.at = Some(target);
                    return;
                }
                NodeKind::Action { action, params, .. } => {
                    if action == "escalate" {
                        state.handed_over = true;
                    }
                    out.effects.push(Effect::Perform {
                        action: action.clone(),
                        params: params.clone(),
                    });
                    state.pending_action = Some(action.clone());
                    state.at = Some(target);
                    return;
                }
                NodeKind::Branch(arms) => {
                    let arm = arms
                        .iter()
                        .find(|a| a.when.as_ref().is_none_or(|c| c.holds(&state.slots)));
                    match arm {
                        Some(a) => target = a.goto.clone(),
                        None => return self.recover(state, out),
                    }
                }
                NodeKind::Goto(next) => target = next.clone(),
            }
        }
        tracing::error!(%target, "flows loop without waiting for the user");
        self.recover(state, out);
    }

    /// The last resort when flows are inconsistent at run time: apologise, wait at the menu.
    fn recover(&self, state: &mut ConversationState, out: &mut Out) {
        out.say("engine-internal-error", state);
        state.pending_action = None;
        let menu = menu_again();
        if let Some(node) = self.flows.node(&menu) {
            out.buttons(offers(node.buttons()));
        }
        state.at = Some(menu);
    }

    /// Says the current waiting node again (after a language switch or on resume).
    fn reshow(&self, state: &mut ConversationState, out: &mut Out) {
        let Some(at) = state.at.clone() else {
            return self.go(state, menu_start(), out);
        };
        match self.flows.node(&at).map(|n| n.kind.clone()) {
            Some(NodeKind::Say {
                messages,
                then: SayThen::Buttons(b),
                ..
            }) => {
                for m in &messages {
                    out.say(m, state);
                }
                out.buttons(offers(&b));
            }
            Some(NodeKind::Ask(ask)) => {
                out.say(&ask.prompt, state);
                out.buttons(offers(&ask.buttons));
            }
            _ => self.offer_current(state, out),
        }
    }

    /// Offers again the buttons the user can press now.
    fn offer_current(&self, state: &ConversationState, out: &mut Out) {
        if !state.clarify.is_empty() {
            return out.buttons(clarify_buttons(&state.clarify));
        }
        let node = state.at.as_ref().and_then(|at| self.flows.node(at));
        match node {
            Some(n) if !n.buttons().is_empty() => out.buttons(offers(n.buttons())),
            _ => out.buttons(clarify_buttons(&[])),
        }
    }
}

/// Buttons for a clarifying question: one per candidate topic, or the menu when there is none,
/// and always a person.
fn clarify_buttons(topics: &[String]) -> Vec<ButtonOffer> {
    let button = |id: String, label: String| ButtonOffer { id, label };
    let mut buttons: Vec<ButtonOffer> = topics
        .iter()
        .map(|i| button(format!("topic_{i}"), format!("intent-{i}")))
        .collect();
    if buttons.is_empty() {
        buttons.push(button("menu".into(), "common-btn-menu".into()));
    }
    buttons.push(button("human".into(), "common-btn-human".into()));
    buttons
}

/// The language a "switch language" message asks for, if it names one.
fn requested_language(text: &str) -> Option<Lang> {
    let t = normalize::normalize(text);
    if let Some(lang) = Lang::parse(&t) {
        return Some(lang);
    }
    let en = ["english", "英文", "英语", "eng"]
        .iter()
        .any(|w| t.contains(w));
    let zh = ["chinese", "中文", "汉语", "普通话", "华语"]
        .iter()
        .any(|w| t.contains(w));
    match (en, zh) {
        (true, false) => Some(Lang::En),
        (false, true) => Some(Lang::ZhCn),
        _ => None,
    }
}

/// The first message decides the language when it is clearly in the other one: an English
/// speaker greeted in Chinese should not have to find the switch.
fn detect_language(state: &mut ConversationState, text: &str) {
    let han = text.chars().filter(|c| normalize::is_han(*c)).count();
    let latin_words = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2)
        .count();
    match state.lang {
        Lang::ZhCn if han == 0 && latin_words >= 2 => state.lang = Lang::En,
        Lang::En if han >= 2 => state.lang = Lang::ZhCn,
        _ => {}
    }
}
