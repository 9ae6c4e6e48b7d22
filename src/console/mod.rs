//! The agent console: the web face agents work in (login, live queue, conversations).

pub mod demo;
pub mod password;
