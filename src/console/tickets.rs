//! The queue and the work on tickets: view, claim, reply, note, typing, transfer, assign,
//! resolve, hand back, refresh the case; the agents list and presence. The desk decides and
//! audits; these handlers only check who is asking and turn the desk's answers into HTTP.

use std::num::NonZeroU32;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::extract::{AdminAuthed, ApiJson, Authed};
use super::state::ConsoleState;
use crate::handoff::presence::Presence;
use crate::runtime::desk::DeskError;

/// Longest ticket id accepted in a path (ids are short; anything longer names nothing).
const MAX_TICKET_ID: usize = 64;

/// "Agent is typing" signals per agent and ticket: one every two seconds is plenty for the
/// user's indicator; more are dropped without an error (the page sends them on keystrokes).
pub struct TypingLimit(DefaultKeyedRateLimiter<(String, String)>);

impl Default for TypingLimit {
    fn default() -> Self {
        let quota = Quota::with_period(std::time::Duration::from_secs(2))
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::MIN);
        Self(RateLimiter::keyed(quota))
    }
}

impl TypingLimit {
    fn allows(&self, login: &str, ticket: &str) -> bool {
        self.0
            .check_key(&(login.to_string(), ticket.to_string()))
            .is_ok()
    }

    /// Forgets idle keys (run now and then).
    pub fn forget_idle(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}

impl std::fmt::Debug for TypingLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypingLimit")
    }
}

/// The desk's refusal in the console's error shape. Store failures keep the desk's code and
/// status but not their text (it names storage details): that goes to the log.
pub fn desk_error(error: DeskError) -> ApiError {
    let status =
        StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match &error {
        DeskError::Store(crate::store::StoreError::TicketConflict(_)) => {
            "someone else changed this ticket meanwhile: reload it".to_string()
        }
        DeskError::Store(e) => {
            tracing::error!(error = %e, "a desk call failed in the store");
            "the desk is unavailable; try again shortly".to_string()
        }
        other => other.to_string(),
    };
    ApiError::new(status, error.code(), message)
}

/// A ticket id from a path: `t_` and base64url characters, else nothing is looked up.
fn ticket_id(id: &str) -> Result<&str, ApiError> {
    let shaped = id.len() <= MAX_TICKET_ID
        && id.starts_with("t_")
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if shaped {
        Ok(id)
    } else {
        Err(ApiError::not_found("not_found", "there is no such ticket"))
    }
}

pub async fn queue(
    State(state): State<ConsoleState>,
    authed: Authed,
) -> Result<Response, ApiError> {
    let view = state
        .desk
        .queue(&authed.agent, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(view).into_response())
}

pub async fn view(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = state
        .desk
        .view(ticket_id(&id)?, &authed.agent, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(view).into_response())
}

pub async fn claim(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .claim(ticket_id(&id)?, &authed.agent, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(entry).into_response())
}

#[derive(Deserialize)]
pub struct Text {
    text: String,
}

pub async fn reply(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Text>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .reply(ticket_id(&id)?, &authed.agent, &body.text, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(json!({ "entry": entry })).into_response())
}

pub async fn note(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Text>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .note(ticket_id(&id)?, &authed.agent, &body.text, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(json!({ "entry": entry })).into_response())
}

pub async fn typing(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = ticket_id(&id)?;
    if state.typing.allows(&authed.agent.login, id) {
        state
            .desk
            .typing(id, &authed.agent)
            .await
            .map_err(desk_error)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct To {
    to: String,
}

pub async fn transfer(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<To>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .transfer(ticket_id(&id)?, &authed.agent, &body.to, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(entry).into_response())
}

/// An admin reassigns any ticket (the desk lets admins transfer tickets they do not hold).
pub async fn assign(
    State(state): State<ConsoleState>,
    AdminAuthed(admin): AdminAuthed,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<To>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .transfer(ticket_id(&id)?, &admin.agent, &body.to, admin.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(entry).into_response())
}

pub async fn resolve(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .resolve(ticket_id(&id)?, &authed.agent, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(entry).into_response())
}

pub async fn hand_back(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let entry = state
        .desk
        .hand_back(ticket_id(&id)?, &authed.agent, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(entry).into_response())
}

pub async fn refresh_case(
    State(state): State<ConsoleState>,
    authed: Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let case = state
        .desk
        .refresh_case(ticket_id(&id)?, &authed.agent, authed.now)
        .await
        .map_err(desk_error)?;
    Ok(Json(json!({ "case": case })).into_response())
}

pub async fn agents(
    State(state): State<ConsoleState>,
    _authed: Authed,
) -> Result<Response, ApiError> {
    let agents = state.desk.agents().await.map_err(desk_error)?;
    Ok(Json(json!({ "agents": agents })).into_response())
}

#[derive(Deserialize)]
pub struct PresenceBody {
    presence: String,
}

pub async fn presence(
    State(state): State<ConsoleState>,
    authed: Authed,
    ApiJson(body): ApiJson<PresenceBody>,
) -> Result<StatusCode, ApiError> {
    let presence = match body.presence.as_str() {
        "online" => Presence::Online,
        "away" => Presence::Away,
        _ => return Err(ApiError::bad_request("presence is online or away")),
    };
    state.desk.set_presence(&authed.agent.login, presence);
    Ok(StatusCode::NO_CONTENT)
}
