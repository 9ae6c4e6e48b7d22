//! Channel adapters: each turns a platform's events into `runtime::Inbound` and shows the
//! rendered turns. The terminal and the web widget exist; Telegram follows.

pub mod client_addr;
pub mod hooks;
pub mod limits;
pub mod listener;
pub mod terminal;
pub mod widget;
