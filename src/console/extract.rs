//! Who is asking: the session cookie → the agent, re-read from the store on every request (so a
//! disabled account is refused at once), with the CSRF token checked on every POST. Handlers
//! that take [`Authed`] cannot forget either check; [`AdminAuthed`] adds the admin role.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::sessions::{SessionInfo, credential_tag, csrf_matches};
use super::state::{ConsoleState, CookieSecure};
use crate::store::{Agent, AgentRole};

/// The session cookie's name.
pub const COOKIE: &str = "kycdesk_console";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in agent (enabled, session live, CSRF token checked on POST).
#[derive(Debug, Clone)]
pub struct Authed {
    pub agent: Agent,
    pub session: SessionInfo,
    pub now: DateTime<Utc>,
}

impl Authed {
    pub fn is_admin(&self) -> bool {
        self.agent.role == AgentRole::Admin
    }
}

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct AdminAuthed(pub Authed);

/// A JSON body, refused in the console's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A query string, refused in the console's error shape.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The values of the session cookie in a request (a browser may send several cookies of one
/// name when others were set for other paths; each is tried).
pub fn session_cookies(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty() && value.len() <= 128)
        .collect()
}

/// The live session a request's cookie names, marked as used.
pub fn live_session(
    state: &ConsoleState,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Option<SessionInfo> {
    session_cookies(headers)
        .into_iter()
        .find_map(|id| state.sessions.touch(id, now))
}

/// The client's address (behind trusted proxies, the one they forwarded for).
pub fn client_ip(state: &ConsoleState, parts: &Parts) -> IpAddr {
    // The server always provides the peer; without it (in-process calls) all share one bucket.
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    state.proxies.client(peer, &parts.headers)
}

/// Whether the browser reached us over TLS: only a trusted proxy's `X-Forwarded-Proto` counts
/// (its last value: the one our proxy wrote).
pub fn over_tls(state: &ConsoleState, parts: &Parts) -> bool {
    let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        return false;
    };
    if !state.proxies.trusts(peer.0.ip()) {
        return false;
    }
    parts
        .headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// Whether the session cookie gets `Secure` for this request.
pub fn secure_cookie(state: &ConsoleState, parts: &Parts) -> bool {
    match state.settings.cookie_secure {
        CookieSecure::Always => true,
        CookieSecure::Never => false,
        CookieSecure::Auto => over_tls(state, parts),
    }
}

/// The session's agent, as stored now; `None` when the account is gone or disabled.
pub async fn current_agent(state: &ConsoleState, login: &str) -> Result<Option<Agent>, ApiError> {
    match state.store.agent(login).await {
        Ok(agent) => Ok(agent.filter(|a| !a.disabled)),
        Err(e) => {
            tracing::error!(error = %e, "reading an agent account failed");
            Err(ApiError::internal("reading the account"))
        }
    }
}

impl FromRequestParts<ConsoleState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let now = state.clock.now();
        let session = live_session(state, &parts.headers, now).ok_or_else(ApiError::no_session)?;
        let agent = current_agent(state, &session.login)
            .await?
            .filter(|a| credential_tag(&a.password_hash) == session.credential);
        let Some(agent) = agent else {
            // Disabled, removed, or its password changed since the session began.
            state.sessions.remove(&session.handle);
            return Err(ApiError::no_session());
        };
        if parts.method == Method::POST {
            let presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !csrf_matches(&session, presented) {
                return Err(ApiError::csrf());
            }
        }
        Ok(Self {
            agent,
            session,
            now,
        })
    }
}

impl FromRequestParts<ConsoleState> for AdminAuthed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let authed = Authed::from_request_parts(parts, state).await?;
        if !authed.is_admin() {
            return Err(ApiError::forbidden());
        }
        Ok(Self(authed))
    }
}
