//! The console's routes (mounted by the server under `/console`), the page and its assets, and
//! the headers every console answer carries.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::timeout::RequestBodyTimeoutLayer;

use super::error::ApiError;
use super::state::ConsoleState;
use super::{admin, auth, canned, live, tickets};

/// Largest request body the console takes.
pub const MAX_BODY: usize = 64 * 1024;
/// Time to send a body once the headers are in.
const BODY_TIMEOUT: Duration = Duration::from_secs(15);

/// The console's content security policy: our own scripts, styles and connections only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("../../web/console/index.html");
const APP_JS: &str = include_str!("../../web/console/app.js");
const APP_CSS: &str = include_str!("../../web/console/app.css");

/// Every console route; the server nests it at `/console`.
pub fn router(state: ConsoleState) -> Router {
    state.spawn_housekeeping();
    let api = Router::new()
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/canned", get(canned::list))
        .route("/queue", get(tickets::queue))
        .route("/tickets/{id}", get(tickets::view))
        .route("/tickets/{id}/claim", post(tickets::claim))
        .route("/tickets/{id}/reply", post(tickets::reply))
        .route("/tickets/{id}/note", post(tickets::note))
        .route("/tickets/{id}/typing", post(tickets::typing))
        .route("/tickets/{id}/transfer", post(tickets::transfer))
        .route("/tickets/{id}/assign", post(tickets::assign))
        .route("/tickets/{id}/resolve", post(tickets::resolve))
        .route("/tickets/{id}/hand_back", post(tickets::hand_back))
        .route("/tickets/{id}/refresh_case", post(tickets::refresh_case))
        .route("/agents", get(tickets::agents))
        .route("/presence", post(tickets::presence))
        .route("/live", get(live::live))
        .route("/admin/agents", post(admin::add_agent))
        .route("/admin/agents/{login}/disable", post(admin::disable_agent))
        .route("/admin/agents/{login}/enable", post(admin::enable_agent))
        .route("/admin/agents/{login}/password", post(admin::set_password))
        .route("/admin/audit", get(admin::audit_log))
        .route("/admin/audit.csv", get(admin::audit_csv));
    Router::new()
        .route("/", get(|| page(INDEX_HTML, "text/html; charset=utf-8")))
        .route(
            "/app.js",
            get(|| page(APP_JS, "text/javascript; charset=utf-8")),
        )
        .route("/app.css", get(|| page(APP_CSS, "text/css; charset=utf-8")))
        .nest("/api", api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn page(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("not_found", "there is nothing here")
}

/// Strict headers on every console answer, errors included: no framing, no referrer, no
/// caching (answers hold conversations), and the console's own CSP (set here rather than by
/// the widget's guard: the console allows no inline styles).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    // A body over the limit is refused by the body-limit layer in plain text: give it our shape.
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"))
    {
        response = ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the request body is too large",
        )
        .into_response();
    }
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    response
}
