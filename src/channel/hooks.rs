//! `POST /hooks/case-updated`: the case-status backend tells kycdesk a case changed. The body is
//! the case object, signed (`X-Signature: sha256=<hex HMAC>`, `X-Timestamp`); a bad or missing
//! signature, an old or replayed delivery, or a body that is not a case is refused with the
//! matching status, and the same change is never told to a user twice.

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
    match verified {
        Ok(case) => {
            let told = state.followups.case_changed(&case, Utc::now()).await;
            (
                StatusCode::OK,
                Json(json!({"accepted": true, "told": told})),
            )
                .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "a case-update delivery was refused");
            let status = StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
            let body = json!({"type": "about:blank", "title": "refused", "status": status.as_u16(), "detail": e.to_string()});
            (status, Json(body)).into_response()
        }
    }
}
