//! The agent console: the web face agents work in (login, live queue, conversations).
//!
//! Everything lives under `/console`: the page and its assets, the JSON API under `/console/api`
//! and the live socket. Sessions are cookies (HttpOnly, SameSite=Strict) with a CSRF token on
//! every state-changing request; failed logins are throttled per login and per address.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod canned;
pub mod clock;
pub mod demo;
pub mod error;
pub mod extract;
pub mod live;
pub mod password;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod throttle;
pub mod tickets;

pub use clock::Clock;
pub use routes::router;
pub use state::{ConsoleSettings, ConsoleState, CookieSecure};
