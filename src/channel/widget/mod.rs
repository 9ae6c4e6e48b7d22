//! The web widget channel: the chat API, the WebSocket, the widget script and (in demo mode) the
//! demo page, all behind the same guards (origins, conversation tokens, identity, rate limits,
//! size limits, security headers).
//!
//! Routes (see README.md, "The chat API"):
//! - `POST /api/v1/conversations` (a new conversation and its token)
//! - `POST /api/v1/conversations/{id}/messages`, `POST …/photo`, `GET …/transcript`, `GET …/ws`
//! - `GET /api/v1/widget/texts?lang=`, `GET /widget.js`, `GET /healthz`, `GET /readyz`
//! - demo mode only: `GET /`, `GET /demo.js`, `POST /demo/identity`

pub mod access;
pub mod guard;
pub mod identity;
pub mod socket;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use serde_json::json;
use tower_http::timeout::RequestBodyTimeoutLayer;

use super::client_addr::TrustedProxies;
use super::limits::{LimitSettings, Limited, Limits};
use crate::i18n::Lang;
use crate::runtime::{Content, Delivery, Inbound, Runtime, RuntimeError};
use crate::store::{ConversationKey, EntryKind};
use access::{AccessError, ConversationAccess};
use guard::AllowedOrigins;
use identity::{IdentityError, IdentityVerifier};
use socket::Hub;

static WEB: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/web");

/// Largest JSON body (a message is at most 2,000 characters anyway).
const MAX_JSON_BODY: usize = 64 * 1024;
/// Largest photo upload.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// Largest WebSocket frame a client may send.
const MAX_FRAME: usize = 8 * 1024;
/// Time to send a JSON body once its headers are in.
const JSON_BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Time to upload a photo (10 MB on a slow mobile connection).
const PHOTO_BODY_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a demo identity lives.
const DEMO_IDENTITY_SECS: i64 = 3600;

/// The header carrying a conversation's token.
pub const CONVERSATION_TOKEN_HEADER: &str = "x-kycdesk-conversation";
/// The header carrying the wallet's signed identity.
pub const IDENTITY_HEADER: &str = "x-kycdesk-identity";

/// Everything the widget's handlers share.
#[derive(Clone)]
pub struct WidgetState {
    pub runtime: Runtime,
    pub identity: IdentityVerifier,
    pub access: ConversationAccess,
    pub origins: AllowedOrigins,
    pub limits: Arc<Limits>,
    pub proxies: TrustedProxies,
    pub hub: Arc<Hub>,
}

impl WidgetState {
    /// A state with the default limits, no embedding sites and no trusted proxies.
    pub fn new(runtime: Runtime, identity: IdentityVerifier, access: ConversationAccess) -> Self {
        Self {
            runtime,
            identity,
            access,
            origins: AllowedOrigins::default(),
            limits: Arc::new(Limits::new(&LimitSettings::default())),
            proxies: TrustedProxies::default(),
            hub: Arc::new(Hub::default()),
        }
    }

    /// The client's address (see [`TrustedProxies::client`]).
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        self.proxies.client(peer.ip(), headers)
    }

    /// Demo mode: the demo page and its demo identities are served.
    pub fn demo(&self) -> bool {
        self.identity.has_demo_key()
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
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    fn limited(limited: Limited) -> Self {
        let detail = match limited.limit {
            "new_conversations_per_address" | "new_conversations_per_user" => {
                "too many new conversations today: continue an existing one"
            }
            "failed_checks" => "too many failed sign-in checks: wait before trying again",
            _ => "too many requests: wait a moment",
        };
        Self {
            retry_after: Some(limited.retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail)
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
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(wait) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            headers.insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// The widget's routes. The guard (origins, CORS, security headers) is applied by
/// [`with_guard`] over everything the server answers, the webhook and the 404s included.
pub fn router(state: WidgetState) -> Router {
    let api = Router::new()
        .route("/api/v1/conversations", post(new_conversation))
        .route("/api/v1/conversations/{id}/messages", post(message))
        .route("/api/v1/conversations/{id}/transcript", get(transcript))
        .route("/api/v1/conversations/{id}/ws", get(websocket))
        .route("/api/v1/widget/texts", get(texts))
        .layer(RequestBodyTimeoutLayer::new(JSON_BODY_TIMEOUT));
    let photo = Router::new()
        .route("/api/v1/conversations/{id}/photo", post(photo))
        .layer(RequestBodyTimeoutLayer::new(PHOTO_BODY_TIMEOUT));
    let mut app = Router::new()
        .merge(api)
        .merge(photo)
        .route(
            "/widget.js",
            get(|| asset("widget.js", "text/javascript; charset=utf-8")),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready));
    // The demo wallet page and its identities exist in demo mode only.
    if state.demo() {
        app = app
            .route("/", get(demo_page))
            .route(
                "/demo.js",
                get(|| asset("demo.js", "text/javascript; charset=utf-8")),
            )
            .route("/demo/identity", post(demo_identity));
    }
    app.with_state(state)
}

/// Wraps the whole server: origin check, CORS, security headers on every response, and a
/// problem+json 404 for unknown paths.
pub fn with_guard(app: Router, origins: AllowedOrigins) -> Router {
    app.fallback(not_found)
        .layer(middleware::from_fn_with_state(origins, guard_layer))
}

async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "there is nothing here")
}

async fn ready(State(state): State<WidgetState>) -> Response {
    match state.runtime.store().ready().await {
        Ok(()) => "ok".into_response(),
        Err(e) => {
            tracing::error!(error = %e, "not ready: the store is unavailable");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the store is unavailable",
            )
            .into_response()
        }
    }
}

/// Origin check, CORS and security headers for every request.
async fn guard_layer(
    State(origins): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let allowed = origins.allows(request.headers());
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
            HeaderValue::from_static(
                "content-type, x-kycdesk-identity, x-kycdesk-conversation, x-client-id",
            ),
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

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The identity of a caller, after the address limit and the token checks. Each failed check
/// counts against the address, which is blocked from trying tokens once it fails too often.
pub(crate) fn check_identity(
    state: &WidgetState,
    client: IpAddr,
    token: Option<&str>,
) -> Result<Option<String>, Problem> {
    Ok(check_claims(state, client, token)?.map(|c| c.user_ref))
}

/// [`check_identity`] with the token's expiry.
pub(crate) fn check_claims(
    state: &WidgetState,
    client: IpAddr,
    token: Option<&str>,
) -> Result<Option<identity::Claims>, Problem> {
    state
        .identity
        .verify_claims(token, Utc::now().timestamp())
        .map_err(|e: IdentityError| {
            failed_check(state, client, StatusCode::FORBIDDEN, e.code(), &e)
        })
}

/// A failed token or ownership check: 403 (or 429 once the address has failed too often).
fn failed_check(
    state: &WidgetState,
    client: IpAddr,
    status: StatusCode,
    code: &'static str,
    error: &dyn std::fmt::Display,
) -> Problem {
    match state.limits.token_failed(client) {
        Ok(()) => Problem::new(status, code, error.to_string()),
        Err(limited) => Problem::limited(limited),
    }
}

/// The conversation behind `id`, for a caller holding its token.
pub(crate) fn check_conversation(
    state: &WidgetState,
    client: IpAddr,
    id: &str,
    token: Option<&str>,
) -> Result<ConversationKey, Problem> {
    match state.access.verify(id, token) {
        Ok(()) => {}
        Err(e @ AccessError::BadId) => {
            return Err(Problem::new(StatusCode::NOT_FOUND, e.code(), e.to_string()));
        }
        Err(e) => {
            return Err(failed_check(
                state,
                client,
                StatusCode::FORBIDDEN,
                e.code(),
                &e,
            ));
        }
    }
    ConversationKey::new("widget", id)
        .map_err(|e| Problem::new(StatusCode::NOT_FOUND, "bad_conversation_id", e.to_string()))
}

/// A caller admitted to a conversation: its key, the verified user (if any) and the address.
pub(crate) struct Admitted {
    pub key: ConversationKey,
    pub user_ref: Option<String>,
    pub client: IpAddr,
}

/// Every check that needs only the headers, in order: the address's allowance, the
/// conversation's token, the identity, and for a message the conversation's and the user's
/// allowance. Runs before a byte of the body is read.
fn admit(
    state: &WidgetState,
    peer: SocketAddr,
    id: &str,
    headers: &HeaderMap,
    sends: bool,
) -> Result<Admitted, Problem> {
    let client = state.client(peer, headers);
    state.limits.request(client).map_err(Problem::limited)?;
    let key = check_conversation(
        state,
        client,
        id,
        header_str(headers, CONVERSATION_TOKEN_HEADER),
    )?;
    let user_ref = check_identity(state, client, header_str(headers, IDENTITY_HEADER))?;
    if sends {
        state
            .limits
            .message(key.as_str(), user_ref.as_deref())
            .map_err(Problem::limited)?;
    }
    Ok(Admitted {
        key,
        user_ref,
        client,
    })
}

/// What the runtime's refusals look like to the widget.
pub(crate) fn runtime_problem(state: &WidgetState, client: IpAddr, error: RuntimeError) -> Problem {
    match error {
        RuntimeError::BadMessageId => Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_client_id",
            "client_id must be 1–128 printable characters",
        ),
        RuntimeError::NotOwner => failed_check(
            state,
            client,
            StatusCode::FORBIDDEN,
            "conversation_of_another_user",
            &"this conversation belongs to a signed-in user",
        ),
        RuntimeError::ConversationFull => Problem::new(
            StatusCode::CONFLICT,
            "conversation_full",
            "this conversation is full: start a new one",
        ),
        RuntimeError::Store(e) => {
            tracing::error!(error = %e, "a message could not be stored");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_stored",
                "the message was not stored; send it again",
            )
        }
    }
}

/// `POST /api/v1/conversations`: a new conversation, its id and its token.
async fn new_conversation(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let client = state.client(peer, &headers);
    state.limits.request(client).map_err(Problem::limited)?;
    let user_ref = check_identity(&state, client, header_str(&headers, IDENTITY_HEADER))?;
    state
        .limits
        .new_conversation(client, user_ref.as_deref())
        .map_err(Problem::limited)?;
    let issued = state.access.issue();
    let mut response = (StatusCode::CREATED, Json(issued)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Reads a body of at most `max` bytes, refusing a larger declared length before reading.
async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> Result<Bytes, Problem> {
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body may be at most {max} bytes"),
        )
    };
    let declared =
        header_str(headers, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, max).await.map_err(|e| {
        let over_limit = std::error::Error::source(&e)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if over_limit {
            too_large()
        } else {
            Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body_incomplete",
                "the body did not arrive in time; send it again",
            )
        }
    })
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
    request: Request,
) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    let admitted = admit(&state, peer, &id, &parts.headers, true)?;
    // JSON only: a cross-site form cannot send it without a CORS preflight.
    let json = header_str(&parts.headers, header::CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the message as application/json",
        ));
    }
    let bytes = read_body(body, &parts.headers, MAX_JSON_BODY).await?;
    let body: MessageBody = serde_json::from_slice(&bytes)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "bad_body", e.to_string()))?;
    let message = body
        .message()
        .map_err(|detail| Problem::new(StatusCode::BAD_REQUEST, "bad_body", detail))?;
    let lang = message.lang.unwrap_or_default();
    let chosen = message.lang.is_some();
    deliver(
        &state,
        admitted,
        message.content,
        body.client_id,
        lang,
        chosen,
    )
    .await
}

async fn deliver(
    state: &WidgetState,
    admitted: Admitted,
    content: Content,
    client_id: String,
    lang: Lang,
    lang_chosen: bool,
) -> Result<Response, Problem> {
    let inbound = Inbound {
        content,
        message_id: Some(client_id),
        user_ref: admitted.user_ref,
        lang,
        lang_chosen,
        delivery: Delivery::Inline,
    };
    match state
        .runtime
        .handle(&admitted.key, inbound, Utc::now())
        .await
    {
        Ok(turn) => Ok(Json(turn).into_response()),
        Err(e) => Err(runtime_problem(state, admitted.client, e)),
    }
}

async fn photo(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, Problem> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    // Everything that can be decided from the headers is, before the upload is read.
    let admitted = admit(&state, peer, &id, headers, true)?;
    let content_type = header_str(headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    if !["image/jpeg", "image/png", "image/webp"].contains(&content_type) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the photo as image/jpeg, image/png or image/webp",
        ));
    }
    let client_id = header_str(headers, "x-client-id")
        .map(String::from)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad_client_id",
                "X-Client-Id is required",
            )
        })?;
    let bytes = read_body(body, headers, MAX_PHOTO_BYTES).await?;
    // The stored conversation's language wins; this is only for a photo that opens one.
    deliver(
        &state,
        admitted,
        Content::Photo(bytes.to_vec()),
        client_id,
        Lang::default(),
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
    let admitted = admit(&state, peer, &id, &headers, false)?;
    let unavailable = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "a transcript could not be read");
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the history cannot be read right now",
        )
    };
    match state
        .runtime
        .authorize(&admitted.key, admitted.user_ref.as_deref())
        .await
    {
        Ok(_) => {}
        Err(RuntimeError::Store(e)) => return Err(unavailable(&e)),
        Err(e) => return Err(runtime_problem(&state, admitted.client, e)),
    }
    match state.runtime.store().transcript(&admitted.key).await {
        Ok(mut entries) => {
            // Agents' internal notes and desk events ("transferred to …") are for agents only;
            // agents are named to the user by what they said, never by their login.
            entries.retain(|e| !matches!(e.kind, EntryKind::AgentNote | EntryKind::AgentAction));
            for e in &mut entries {
                e.author = None;
            }
            let mut response = Json(json!({ "entries": entries })).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(e) => Err(unavailable(&e)),
    }
}

/// The socket is opened with the conversation's id alone (no secret in the URL, where logs
/// and proxies would keep it); its first frame must authenticate (see `socket.rs`).
async fn websocket(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    hold: Option<axum::Extension<super::listener::ConnectionHold>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, Problem> {
    let client = state.client(peer, &headers);
    state.limits.request(client).map_err(Problem::limited)?;
    if !ConversationAccess::well_formed(&id) {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "bad_conversation_id",
            AccessError::BadId.to_string(),
        ));
    }
    Ok(upgrade
        // Small frames and small buffers: thousands of idle sockets must stay cheap.
        .max_message_size(MAX_FRAME)
        .max_frame_size(MAX_FRAME)
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
        .on_upgrade(move |socket| async move {
            // The socket keeps its connection's place under the connection caps until it closes.
            socket::run(socket, state, id, client).await;
            drop(hold);
        }))
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

/// A demo identity lives an hour, or less when tokens may not live that long.
fn demo_lifetime(state: &WidgetState) -> i64 {
    DEMO_IDENTITY_SECS.min(state.identity.max_lifetime_secs)
}

/// The demo user every demo identity names.
pub const DEMO_USER: &str = "u_demo";

/// The demo wallet page (demo mode only); with `?demo_user=1` it carries a fresh demo identity,
/// signed with this process's demo key (never the wallet's secret).
async fn demo_page(State(state): State<WidgetState>, Query(q): Query<DemoQuery>) -> Response {
    let Some(page) = WEB.get_file("demo.html").and_then(|f| f.contents_utf8()) else {
        return not_found().await.into_response();
    };
    let token = if q.demo_user.is_some() {
        state
            .identity
            .issue_demo(DEMO_USER, Utc::now().timestamp() + demo_lifetime(&state))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let mut response = Html(page.replace("{{DEMO_IDENTITY}}", &token)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A fresh demo identity (demo mode only), as a wallet's server would hand its page one when the
/// widget asks (`kycdesk:identity-expired`).
async fn demo_identity(
    State(state): State<WidgetState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let client = state.client(peer, &headers);
    state.limits.request(client).map_err(Problem::limited)?;
    let token = state
        .identity
        .issue_demo(DEMO_USER, Utc::now().timestamp() + demo_lifetime(&state))
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not_found", "not in demo mode"))?;
    Ok(Json(json!({ "identity": token })).into_response())
}
