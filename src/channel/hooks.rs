//! `POST /hooks/case-updated`: the case-status backend tells kycdesk a case changed. The
//! delivery is signed over its timestamp and body (`X-Signature: sha256=<hex HMAC>`,
//! `X-Timestamp`); a bad or missing signature, an old or replayed delivery, or a body that is not
//! a case is refused with the matching status. An accepted delivery is only a hint: the case is
//! read again from the case API and only what the API says is told, once.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::json;

use crate::cases::{ReplayGuard, verify_webhook};
use crate::runtime::followups::FollowUps;

#[derive(Clone)]
pub struct HookState {
    pub followups: FollowUps,
    pub secret: Arc<Vec<u8>>,
    pub seen: Arc<ReplayGuard>,
}

pub fn router(state: HookState) -> Router {
    Router::new()
        .route("/hooks/case-updated", post(case_updated))
        .with_state(state)
}

async fn case_updated(State(state): State<HookState>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let verified = verify_webhook(
        &state.secret,
        header("x-signature"),
        header("x-timestamp"),
        &body,
        Utc::now().timestamp(),
        &state.seen,
    );
    let hint = match verified {
        Ok(hint) => hint,
        Err(e) => {
            tracing::warn!(error = e.code(), "a case-update delivery was refused");
            let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
            return problem(status, e.code(), &e.to_string());
        }
    };
    match state
        .followups
        .case_changed(&hint.case_id, Utc::now())
        .await
    {
        Ok(told) => (
            StatusCode::OK,
            Json(json!({"accepted": true, "told": told})),
        )
            .into_response(),
        Err(e) => {
            // The case could not be read, so nothing was done: the sender's retry of this very
            // delivery must be accepted, not refused as a replay.
            hint.forget_in(&state.seen);
            tracing::warn!(
                error = e.code(),
                "a case-update could not be checked with the case API"
            );
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "case-api-unavailable",
                "the case could not be read from the case API; deliver it again later",
            )
        }
    }
}

fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({
        "type": "about:blank",
        "title": "refused",
        "status": status.as_u16(),
        "code": code,
        "detail": detail,
    });
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}
