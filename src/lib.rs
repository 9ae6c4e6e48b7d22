//! kycdesk: a chat-support bot for wallet users whose identity verification failed.
//!
//! The module layout follows the architecture (see README.md):
//! channels → runtime → engine (flows + nlu), with i18n rendering the engine's locale keys.

pub mod admin;
pub mod cases;
pub mod channel;
pub mod config;
pub mod console;
pub mod content;
pub mod engine;
pub mod entities;
pub mod flows;
pub mod handoff;
pub mod i18n;
pub mod nlu;
pub mod photo;
pub mod runtime;
pub mod serve;
pub mod store;
