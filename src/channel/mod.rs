//! Channel adapters: each turns a platform's events into `runtime::Inbound` and shows the
//! rendered turns. Only the terminal exists so far; the widget and Telegram follow.

pub mod http;
pub mod terminal;
