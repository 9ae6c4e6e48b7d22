//! The web widget channel: the chat API, the WebSocket, the widget script and the demo page, all
//! behind the same guards (origins, identity, rate limits, size limits, security headers).
//!
//! Routes (see README.md, "The chat API"):
//! - `POST /api/v1/conversations/{id}/messages`, `POST …/photo`, `GET …/transcript`, `GET …/ws`
//! - `GET /api/v1/widget/texts?lang=`, `GET /widget.js`, `GET /`, `GET /healthz`, `GET /readyz`

pub mod guard;
pub mod identity;
pub mod socket;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use serde_json::json;

use crate::i18n::Lang;
use crate::runtime::{Content, Delivery, Inbound, Runtime, RuntimeError};
use crate::store::ConversationKey;
use guard::{AllowedOrigins, RateLimiter};
use identity::IdentityVerifier;
use socket::Hub;

static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/web");

/// Largest JSON body (a message is at most 2,000 characters anyway).
const MAX_JSON_BODY: usize = 64 * 1024;
/// Largest photo upload.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Largest WebSocket frame a client may send.
const MAX_FRAME: usize = 8 * 1024;

/// Everything the widget's handlers share.
#[derive(Clone)]
pub struct WidgetState {
    pub runtime: Runtime,
    pub identity: IdentityVerifier,
    pub origins: AllowedOrigins,
    pub per_visitor: Arc<RateLimiter>,
    pub per_ip: Arc<RateLimiter>,
    pub hub: Arc<Hub>,
}

impl WidgetState {
    pub fn new(runtime: Runtime, identity: IdentityVerifier, origins: AllowedOrigins) -> Self {
        Self {
            runtime,
            identity,
            origins,
            // A person types at most a message every second or two; bursts of 10 allow for
            // quick button taps. An address may hold many visitors (a shared office network).
            per_visitor: Arc::new(RateLimiter::new(1.0, 10)),
            per_ip: Arc::new(RateLimiter::new(20.0, 100)),
            hub: Arc::new(Hub::default()),
        }
    }

    fn check_rate(&self, key: &ConversationKey, ip: &str) -> Result<(), Duration> {
        self.per_visitor.check(key.as_str())?;
        self.per_ip.check(ip)
    }

    /// Reading history and opening the socket count against the address only: a page load
    /// must not use up the visitor's messages.
    fn check_ip_rate(&self, ip: &str) -> Result<(), Duration> {
        self.per_ip.check(ip)
    }
}

/// One error shape for every 4xx/5xx: RFC 9457 problem details.
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: String,
    retry_after: Option<Duration>,
}

impl Problem {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }
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
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(wait) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        response
    }
}

pub fn router(state: WidgetState) -> Router {
    let api = Router::new()
        .route("/api/v1/conversations/{id}/messages", post(message))
        .route("/api/v1/conversations/{id}/transcript", get(transcript))
        .route("/api/v1/conversations/{id}/ws", get(websocket))
        .route("/api/v1/widget/texts", get(texts))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY));
    let photo = Router::new()
        .route("/api/v1/conversations/{id}/photo", post(photo))
        .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES));
    Router::new()
        .merge(api)
        .merge(photo)
        .route("/", get(demo_page))
        .route(
            "/widget.js",
            get(|| asset("widget.js", "text/javascript; charset=utf-8")),
        )
        .route(
            "/demo.js",
            get(|| asset("demo.js", "text/javascript; charset=utf-8")),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        // Order: the guard runs first (origin, CORS preflight, headers on every response).
        .layer(middleware::from_fn_with_state(state.clone(), guard_layer))
        .with_state(state)
}

/// Origin check, CORS and security headers for every request.
async fn guard_layer(State(state): State<WidgetState>, request: Request, next: Next) -> Response {
    let allowed = state.origins.allows(request.headers());
    let origin = request.headers().get(header::ORIGIN).cloned();
    if !allowed {
        let mut r = Problem::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "this site may not use the chat",
        )
        .into_response();
        guard::security_headers(r.headers_mut());
        return r;
    }
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    guard::security_headers(headers);
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, x-kycdesk-identity, x-client-id"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
    response
}

/// The visitor's conversation, the wallet user it is linked to, after the identity and rate
/// checks. A conversation linked to one user cannot be read or continued with another's token.
async fn admit(
    state: &WidgetState,
    id: &str,
    headers: &HeaderMap,
    token: Option<&str>,
    ip: &str,
    sends: bool,
) -> Result<(ConversationKey, Option<String>), Problem> {
    let key = ConversationKey::new("widget", id).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_conversation_id",
            e.to_string(),
        )
    })?;
    let token = token.or_else(|| {
        headers
            .get("x-kycdesk-identity")
            .and_then(|v| v.to_str().ok())
    });
    let user_ref = state
        .identity
        .verify(token, Utc::now().timestamp())
        .map_err(|e| Problem::new(StatusCode::FORBIDDEN, e.code(), e.to_string()))?;
    let rate = if sends {
        state.check_rate(&key, ip)
    } else {
        state.check_ip_rate(ip)
    };
    if let Err(wait) = rate {
        let mut p = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many messages: wait a moment",
        );
        p.retry_after = Some(wait);
        return Err(p);
    }
    if let Ok(Some(stored)) = state.runtime.store().load(&key).await
        && let Some(owner) = &stored.user_ref
        && user_ref.as_ref() != Some(owner)
    {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "conversation_of_another_user",
            "this conversation belongs to a signed-in user",
        ));
    }
    Ok((key, user_ref))
}

/// A message from the widget: the body of `POST …/messages`, or a socket frame (which also
/// carries `"type": "message"`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MessageBody {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    pub client_id: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    button: Option<String>,
    #[serde(default)]
    start: Option<bool>,
    #[serde(default)]
    lang: Option<String>,
}

/// What a message body asks for.
pub(crate) struct Message {
    pub content: Content,
    /// The language the visitor chose, when the body names one.
    pub lang: Option<Lang>,
}

impl MessageBody {
    /// Exactly one of `text`, `button` or `start: true`.
    pub(crate) fn message(&self) -> Result<Message, &'static str> {
        let content = match (&self.text, &self.button, self.start) {
            (Some(text), None, None) => Content::Text(text.clone()),
            (None, Some(button), None) => Content::Button(button.clone()),
            (None, None, Some(true)) => Content::Start,
            _ => return Err("give exactly one of `text`, `button` or `start: true`"),
        };
        Ok(Message {
            content,
            lang: self.lang.as_deref().and_then(Lang::parse),
        })
    }
}

async fn message(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<MessageBody>, JsonRejection>,
) -> Result<Response, Problem> {
    let Json(body) = body.map_err(|e| Problem::new(e.status(), "bad_body", e.body_text()))?;
    let (key, user_ref) = admit(&state, &id, &headers, None, &peer.ip().to_string(), true).await?;
    let message = body
        .message()
        .map_err(|detail| Problem::new(StatusCode::BAD_REQUEST, "bad_body", detail))?;
    let lang = message.lang.unwrap_or_default();
    let chosen = message.lang.is_some();
    deliver(
        &state,
        &key,
        message.content,
        body.client_id,
        user_ref,
        lang,
        chosen,
    )
    .await
}

async fn deliver(
    state: &WidgetState,
    key: &ConversationKey,
    content: Content,
    client_id: String,
    user_ref: Option<String>,
    lang: Lang,
    lang_chosen: bool,
) -> Result<Response, Problem> {
    let inbound = Inbound {
        content,
        message_id: Some(client_id),
        user_ref,
        lang,
        lang_chosen,
        delivery: Delivery::Inline,
    };
    match state.runtime.handle(key, inbound, Utc::now()).await {
        Ok(turn) => Ok(Json(turn).into_response()),
        Err(RuntimeError::BadMessageId) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_client_id",
            "client_id must be 1–128 printable characters",
        )),
        Err(RuntimeError::Store(e)) => {
            tracing::error!(error = %e, "a message could not be stored");
            Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_stored",
                "the message was not stored; send it again",
            ))
        }
    }
}

async fn photo(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !["image/jpeg", "image/png", "image/webp"].contains(&content_type) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the photo as image/jpeg, image/png or image/webp",
        ));
    }
    let client_id = headers
        .get("x-client-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad_client_id",
                "X-Client-Id is required",
            )
        })?;
    let (key, user_ref) = admit(&state, &id, &headers, None, &peer.ip().to_string(), true).await?;
    // The stored conversation's language wins; this is only for a photo that opens one.
    let lang = Lang::default();
    deliver(
        &state,
        &key,
        Content::Photo(body.to_vec()),
        client_id,
        user_ref,
        lang,
        false,
    )
    .await
}

async fn transcript(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (key, _) = admit(&state, &id, &headers, None, &peer.ip().to_string(), false).await?;
    match state.runtime.store().transcript(&key).await {
        Ok(entries) => Ok(Json(json!({ "entries": entries })).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "a transcript could not be read");
            Err(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the history cannot be read right now",
            ))
        }
    }
}

#[derive(Deserialize)]
struct WsQuery {
    #[serde(default)]
    identity: Option<String>,
}

async fn websocket(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    Query(query): Query<WsQuery>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, Problem> {
    let ip = peer.ip().to_string();
    let (key, user_ref) =
        admit(&state, &id, &headers, query.identity.as_deref(), &ip, false).await?;
    Ok(upgrade
        // Small frames and small buffers: thousands of idle sockets must stay cheap.
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
        .on_upgrade(move |socket| socket::run(socket, state, key, user_ref, ip)))
}

#[derive(Deserialize)]
struct TextsQuery {
    #[serde(default)]
    lang: Option<String>,
}

/// The widget's own texts (placeholder, errors, ...) from `locales/<lang>/widget.ftl`.
async fn texts(State(state): State<WidgetState>, Query(q): Query<TextsQuery>) -> Response {
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or_default();
    let texts: serde_json::Map<String, serde_json::Value> = state
        .runtime
        .locales()
        .render_group(lang, "widget-")
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    Json(json!({ "lang": lang.tag(), "texts": texts })).into_response()
}

async fn asset(name: &str, content_type: &'static str) -> Response {
    match WEB.get_file(name) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            file.contents().to_vec(),
        )
            .into_response(),
        None => Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{name} is not built in"),
        )
        .into_response(),
    }
}

#[derive(Deserialize)]
struct DemoQuery {
    #[serde(default)]
    demo_user: Option<String>,
}

/// The demo wallet page; with `?demo_user=1` it carries a fresh identity token for `u_demo`.
async fn demo_page(State(state): State<WidgetState>, Query(q): Query<DemoQuery>) -> Response {
    let Some(page) = WEB.get_file("demo.html").and_then(|f| f.contents_utf8()) else {
        return Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "the demo page is not built in",
        )
        .into_response();
    };
    let token = if q.demo_user.is_some() {
        state
            .identity
            .issue("u_demo", Utc::now().timestamp() + 3600)
            .unwrap_or_default()
    } else {
        String::new()
    };
    Html(page.replace("{{DEMO_IDENTITY}}", &token)).into_response()
}
