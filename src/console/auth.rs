//! Signing in and out: `POST /api/login`, `POST /api/logout`, `GET /api/me`.
//!
//! Every failed sign-in gets the same answer and takes the same time, whether the login is
//! unknown, the password wrong or the account disabled (unknown logins are checked against a
//! decoy hash). Passwords are never logged, echoed or kept.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::accounts::{AgentJson, MAX_LOGIN, is_login_name};
use super::audit;
use super::error::ApiError;
use super::extract::{
    ApiJson, Authed, COOKIE, client_ip, current_agent, secure_cookie, session_cookies,
};
use super::state::ConsoleState;
use crate::console::password;

#[derive(Deserialize)]
pub struct Credentials {
    login: String,
    password: String,
}

/// The facts about the request a login needs (address, TLS, an old session to end).
pub struct LoginContext {
    client: std::net::IpAddr,
    secure: bool,
    old_sessions: Vec<String>,
}

impl FromRequestParts<ConsoleState> for LoginContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self {
            client: client_ip(state, parts),
            secure: secure_cookie(state, parts),
            old_sessions: session_cookies(&parts.headers)
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
    }
}

fn cookie(value: &str, max_age_secs: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/console; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(|_| ApiError::internal("making the session cookie"))
}

/// Checks a password off the async workers, a few at a time.
async fn password_matches(state: &ConsoleState, password: String, hash: String) -> bool {
    let Ok(_permit) = state.hashing.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .unwrap_or(false)
}

pub async fn login(
    State(state): State<ConsoleState>,
    context: LoginContext,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let login = credentials.login.trim().to_string();
    // Only a well-formed login goes to the audit log: anything else may be a mistyped password.
    let actor = if is_login_name(&login) {
        login.chars().take(MAX_LOGIN).collect()
    } else {
        "-".to_string()
    };
    if let Err(locked) = state.throttle.check(&login, context.client, now) {
        audit::record(&state, now, &actor, "login_failed", Some("locked".into())).await;
        return Err(ApiError::locked(locked.retry_after_secs));
    }
    let agent = if is_login_name(&login) {
        current_agent(&state, &login).await?
    } else {
        None
    };
    let hash = agent.as_ref().map_or_else(
        || password::decoy_hash().to_string(),
        |a| a.password_hash.clone(),
    );
    let matches = password_matches(&state, credentials.password, hash).await;
    let Some(agent) = agent.filter(|_| matches) else {
        state.throttle.failed(&login, context.client, now);
        audit::record(&state, now, &actor, "login_failed", None).await;
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong login or password",
        ));
    };
    state.throttle.succeeded(&login);
    // A new id at every login; a session the browser still held ends here.
    for old in &context.old_sessions {
        if let Some(info) = state.sessions.touch(old, now) {
            state.sessions.remove(&info.handle);
        }
    }
    let session = state
        .sessions
        .create(&agent.login, &agent.password_hash, now);
    audit::record(&state, now, &agent.login, "login", None).await;
    tracing::info!(agent = %agent.login, "agent signed in to the console");
    let max_age = state.settings.sessions.absolute.num_seconds();
    let mut response = Json(json!({
        "agent": AgentJson::from(&agent),
        "csrf": session.csrf,
    }))
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&session.id, max_age, context.secure)?,
    );
    Ok(response)
}

pub async fn logout(
    State(state): State<ConsoleState>,
    context: LoginContext,
    authed: Authed,
) -> Result<Response, ApiError> {
    state.sessions.remove(&authed.session.handle);
    audit::record(&state, authed.now, &authed.agent.login, "logout", None).await;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0, context.secure)?);
    Ok(response)
}

pub async fn me(authed: Authed) -> Json<serde_json::Value> {
    Json(json!({
        "agent": AgentJson::from(&authed.agent),
        "csrf": authed.session.csrf,
    }))
}
