//! The chat API over HTTP: the same runtime behind a JSON interface (the web widget's calls build
//! on it). Every message carries a client id, so a retried request gets the first reply instead
//! of being processed twice.
//!
//! - `POST /api/v1/conversations/{id}/messages` `{"client_id", "text" | "button", "lang"?}` → a turn
//! - `GET /api/v1/conversations/{id}/transcript` → the stored transcript
//! - `GET /healthz`, `GET /readyz`

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use crate::i18n::Lang;
use crate::runtime::{Content, Delivery, Inbound, Runtime, RuntimeError};
use crate::store::ConversationKey;

/// Largest JSON body accepted (a message is at most 2,000 characters anyway).
const MAX_BODY: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    client_id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    button: Option<String>,
    #[serde(default)]
    start: Option<bool>,
    #[serde(default)]
    lang: Option<String>,
}

/// One error shape for every 4xx/5xx: RFC 9457 problem details.
struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": "about:blank",
            "title": self.code,
            "status": self.status.as_u16(),
            "code": self.code,
            "detail": self.detail,
        });
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

fn bad_request(code: &'static str, detail: impl Into<String>) -> Problem {
    Problem {
        status: StatusCode::BAD_REQUEST,
        code,
        detail: detail.into(),
    }
}

pub fn router(runtime: Runtime) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/api/v1/conversations/{id}/messages", post(message))
        .route("/api/v1/conversations/{id}/transcript", get(transcript))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(runtime)
}

fn key_of(id: &str) -> Result<ConversationKey, Problem> {
    ConversationKey::new("web", id).map_err(|e| bad_request("bad_conversation_id", e.to_string()))
}

async fn message(
    State(runtime): State<Runtime>,
    Path(id): Path<String>,
    body: Result<Json<MessageBody>, JsonRejection>,
) -> Result<Response, Problem> {
    let key = key_of(&id)?;
    let Json(body) = body.map_err(|e| bad_request("bad_body", e.body_text()))?;
    let content = match (body.text, body.button, body.start) {
        (Some(text), None, None) => Content::Text(text),
        (None, Some(button), None) => Content::Button(button),
        (None, None, Some(true)) => Content::Start,
        _ => {
            return Err(bad_request(
                "bad_body",
                "give exactly one of `text`, `button` or `start: true`",
            ));
        }
    };
    let lang = body
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let inbound = Inbound {
        content,
        message_id: Some(body.client_id),
        user_ref: None,
        lang,
        delivery: Delivery::Inline,
    };
    match runtime.handle(&key, inbound, Utc::now()).await {
        Ok(turn) => Ok(Json(turn).into_response()),
        Err(RuntimeError::BadMessageId) => Err(bad_request(
            "bad_client_id",
            "client_id must be 1–128 printable characters",
        )),
        Err(RuntimeError::Store(e)) => {
            tracing::error!(error = %e, "a message could not be stored");
            Err(Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "not_stored",
                detail: "the message was not stored; send it again".into(),
            })
        }
    }
}

async fn transcript(
    State(runtime): State<Runtime>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let key = key_of(&id)?;
    match runtime.store().transcript(&key).await {
        Ok(entries) => Ok(Json(json!({ "entries": entries })).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "a transcript could not be read");
            Err(Problem {
                status: StatusCode::SERVICE_UNAVAILABLE,
                code: "store_unavailable",
                detail: "the transcript cannot be read right now".into(),
            })
        }
    }
}
