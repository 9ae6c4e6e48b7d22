//! Admin-only routes: agent accounts (add, disable, enable, new password) and the audit log.
//! Disabling an account or setting its password ends all its sessions at once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::accounts::{AgentJson, NewAgent, is_login_name};
use super::audit;
use super::error::ApiError;
use super::extract::{AdminAuthed, ApiJson, ApiQuery};
use super::state::ConsoleState;
use crate::console::password::{self, PasswordError};
use crate::store::Agent;

/// Audit records per page, by default and at most.
const AUDIT_PAGE: usize = 100;
const AUDIT_PAGE_MAX: usize = 1_000;
/// Records read per step of the CSV export.
const CSV_STEP: usize = 1_000;
/// Most records in one CSV export (it is built in memory); the rest is exported with `?after=`.
const CSV_MAX: usize = 200_000;

fn store_failed(e: crate::store::StoreError, what: &'static str) -> ApiError {
    tracing::error!(error = %e, what, "a console store call failed");
    ApiError::internal(what)
}

/// Hashes a new password off the async workers.
async fn hash_password(state: &ConsoleState, password: String) -> Result<String, ApiError> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|_| ApiError::internal("hashing the password"))?;
    let hashed = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|_| ApiError::internal("hashing the password"))?;
    hashed.map_err(|e| match e {
        PasswordError::TooShort | PasswordError::TooLong => {
            ApiError::new(StatusCode::BAD_REQUEST, "weak_password", e.to_string())
        }
        PasswordError::Hash(_) => ApiError::internal("hashing the password"),
    })
}

async fn existing_agent(state: &ConsoleState, login: &str) -> Result<Agent, ApiError> {
    let no_such = || ApiError::not_found("no_such_agent", "there is no agent with this login");
    if !is_login_name(login) {
        return Err(no_such());
    }
    state
        .store
        .agent(login)
        .await
        .map_err(|e| store_failed(e, "reading the account"))?
        .ok_or_else(no_such)
}

async fn save(state: &ConsoleState, agent: Agent) -> Result<(), ApiError> {
    state
        .store
        .save_agent(agent)
        .await
        .map_err(|e| store_failed(e, "saving the account"))
}

pub async fn add_agent(
    State(state): State<ConsoleState>,
    AdminAuthed(admin): AdminAuthed,
    ApiJson(new): ApiJson<NewAgent>,
) -> Result<Response, ApiError> {
    let languages = new
        .validate()
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.to_string()))?;
    let exists = state
        .store
        .agent(&new.login)
        .await
        .map_err(|e| store_failed(e, "reading the account"))?
        .is_some();
    if exists {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "exists",
            "an agent with this login exists",
        ));
    }
    let password_hash = hash_password(&state, new.password).await?;
    let agent = Agent {
        login: new.login,
        display_name: new.display_name.trim().to_string(),
        password_hash,
        created_at: admin.now,
        role: new.role,
        languages,
        capacity: new.capacity,
        disabled: false,
    };
    save(&state, agent.clone()).await?;
    audit::record(
        &state,
        admin.now,
        &admin.agent.login,
        "agent_add",
        Some(agent.login.clone()),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "agent": AgentJson::from(&agent) })),
    )
        .into_response())
}

async fn set_disabled(
    state: ConsoleState,
    admin: AdminAuthed,
    login: String,
    disabled: bool,
) -> Result<Json<serde_json::Value>, ApiError> {
    let admin = admin.0;
    if disabled && login == admin.agent.login {
        // Nobody locks themselves (possibly the last admin) out by a slip of the mouse.
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "self",
            "you cannot disable your own account",
        ));
    }
    let mut agent = existing_agent(&state, &login).await?;
    agent.disabled = disabled;
    save(&state, agent.clone()).await?;
    let action = if disabled {
        let ended = state.sessions.remove_agent(&agent.login);
        tracing::info!(agent = %agent.login, sessions = ended, "agent account disabled");
        "agent_disable"
    } else {
        "agent_enable"
    };
    audit::record(
        &state,
        admin.now,
        &admin.agent.login,
        action,
        Some(agent.login.clone()),
    )
    .await;
    Ok(Json(json!({ "agent": AgentJson::from(&agent) })))
}

pub async fn disable_agent(
    State(state): State<ConsoleState>,
    admin: AdminAuthed,
    Path(login): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    set_disabled(state, admin, login, true).await
}

pub async fn enable_agent(
    State(state): State<ConsoleState>,
    admin: AdminAuthed,
    Path(login): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    set_disabled(state, admin, login, false).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    password: String,
}

pub async fn set_password(
    State(state): State<ConsoleState>,
    AdminAuthed(admin): AdminAuthed,
    Path(login): Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let mut agent = existing_agent(&state, &login).await?;
    agent.password_hash = hash_password(&state, body.password).await?;
    save(&state, agent.clone()).await?;
    // Whoever knew the old password is signed out everywhere.
    let ended = state.sessions.remove_agent(&agent.login);
    tracing::info!(agent = %agent.login, sessions = ended, "agent password reset");
    audit::record(
        &state,
        admin.now,
        &admin.agent.login,
        "password_reset",
        Some(agent.login.clone()),
    )
    .await;
    Ok(Json(json!({ "agent": AgentJson::from(&agent) })))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

pub async fn audit_log(
    State(state): State<ConsoleState>,
    _admin: AdminAuthed,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let limit = query.limit.unwrap_or(AUDIT_PAGE).clamp(1, AUDIT_PAGE_MAX);
    let entries = state
        .store
        .audit_log(query.after, limit)
        .await
        .map_err(|e| store_failed(e, "reading the audit log"))?;
    Ok(Json(json!({ "entries": entries })))
}

/// `GET /api/admin/audit.csv[?after=<seq>]`: the log from the start (or after `seq`).
pub async fn audit_csv(
    State(state): State<ConsoleState>,
    _admin: AdminAuthed,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let mut csv = String::from(audit::CSV_HEADER);
    let mut after = query.after;
    let mut rows = 0;
    loop {
        let page = state
            .store
            .audit_log(after, CSV_STEP)
            .await
            .map_err(|e| store_failed(e, "reading the audit log"))?;
        for record in &page {
            csv.push_str(&audit::csv_line(record));
        }
        rows += page.len();
        match page.last() {
            Some(last) if page.len() == CSV_STEP && rows < CSV_MAX => after = Some(last.seq),
            _ => break,
        }
    }
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"kycdesk-audit.csv\""),
    );
    Ok(response)
}
