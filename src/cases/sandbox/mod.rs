//! `kycdesk sandbox`: a fake verification backend serving the whole case-status API from demo
//! data, so the bot can be tried and tested with zero set-up.
//!
//! It is deliberately a separate program in all but binary: it shares no types with the bot
//! (cases are JSON values from `demo_cases.yaml`) and the bot reaches it only over HTTP, exactly
//! as it reaches a real backend. Whatever works against the sandbox therefore works against any
//! server that follows `case-api.md`.
//!
//! Endpoints: the API (`GET /v1/cases/{case_id}`, `GET /v1/users/{user_ref}/cases?limit=N`,
//! `GET /v1/service-status[?mode=active|scheduled|clear]`) and a small control surface for demos
//! (`GET /sandbox/state`, `PUT /sandbox/maintenance/{mode}`, `PUT /sandbox/fault/{fault}`,
//! `DELETE /sandbox/fault`, and `PUT /sandbox/cases/{case_id}/status/{status}`, which moves a demo
//! case on, e.g. to `approved`, so that a follow-up has something true to tell). With a token configured, every request needs
//! `Authorization: Bearer <token>`; with an empty one, anything goes.
//!
//! Faults ([`Fault`]): header `X-Sandbox-Fault: slow|500|503|garbage|html|429|huge`, or query
//! `?fault=…` (with `delay_ms` for `slow`, `retry_after` for `429`), or the sticky fault set by
//! `PUT /sandbox/fault/{fault}` (for chat demos, where nobody can add a header), or the case ids
//! `KYC-FAULT-SLOW`, `KYC-FAULT-500`, … which a user can simply type.

mod data;
mod faults;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, put};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

pub use data::{DEMO_CASES_YAML, MaintenanceMode, SandboxData, SandboxError};
pub use faults::{Fault, HUGE_BYTES};

use faults::{FaultContext, problem};

/// The header that asks for a fault.
pub const FAULT_HEADER: &str = "x-sandbox-fault";

/// How the sandbox behaves.
#[derive(Clone)]
pub struct SandboxConfig {
    /// The bearer token required; empty accepts any request.
    pub token: String,
    /// How long `slow` waits unless the request says `delay_ms`. Longer than the client's default
    /// 5 s timeout, so a slow demo shows a timeout.
    pub slow_delay: Duration,
    /// The maintenance mode at start; `None` for the data file's default.
    pub maintenance: Option<MaintenanceMode>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            token: String::new(),
            slow_delay: Duration::from_secs(10),
            maintenance: None,
        }
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .field("slow_delay", &self.slow_delay)
            .field("maintenance", &self.maintenance)
            .finish()
    }
}

type Clock = dyn Fn() -> DateTime<Utc> + Send + Sync;

/// The sandbox's shared state: data, settings, the switchable maintenance mode and sticky fault.
/// Cheap to clone.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Shared>,
}

struct Shared {
    data: SandboxData,
    config: SandboxConfig,
    mode: RwLock<MaintenanceMode>,
    sticky_fault: RwLock<Option<Fault>>,
    /// Case statuses moved on through the control surface, by upper-case case id.
    statuses: RwLock<BTreeMap<String, String>>,
    clock: Box<Clock>,
    requests: AtomicU64,
}

impl SandboxState {
    pub fn new(data: SandboxData, config: SandboxConfig) -> Self {
        Self::with_clock(data, config, Utc::now)
    }

    /// The embedded demo cases.
    pub fn demo(config: SandboxConfig) -> Result<Self, SandboxError> {
        Ok(Self::new(SandboxData::demo()?, config))
    }

    /// With a clock of the caller's choosing (tests pin "now").
    pub fn with_clock(
        data: SandboxData,
        config: SandboxConfig,
        clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static,
    ) -> Self {
        let mode = config.maintenance.unwrap_or(data.default_mode());
        Self {
            inner: Arc::new(Shared {
                data,
                config,
                mode: RwLock::new(mode),
                sticky_fault: RwLock::new(None),
                statuses: RwLock::new(BTreeMap::new()),
                clock: Box::new(clock),
                requests: AtomicU64::new(0),
            }),
        }
    }

    pub fn data(&self) -> &SandboxData {
        &self.inner.data
    }

    pub fn maintenance_mode(&self) -> MaintenanceMode {
        *self
            .inner
            .mode
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set_maintenance_mode(&self, mode: MaintenanceMode) {
        *self
            .inner
            .mode
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mode;
    }

    pub fn sticky_fault(&self) -> Option<Fault> {
        *self
            .inner
            .sticky_fault
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A fault applied to every API request until cleared with `None`.
    pub fn set_sticky_fault(&self, fault: Option<Fault>) {
        *self
            .inner
            .sticky_fault
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fault;
    }

    /// Moves a case to `status` (any string: the API's statuses, or a new one a newer backend
    /// might send); its `updated_at` becomes the time of each answer.
    pub fn set_case_status(&self, case_id: &str, status: &str) {
        self.inner
            .statuses
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(case_id.to_ascii_uppercase(), status.to_string());
    }

    /// A case as the data file has it, with its status moved on if it was.
    fn with_status(&self, mut case: Value) -> Value {
        let id = case
            .get("case_id")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase);
        let statuses = self
            .inner
            .statuses
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(status) = id.and_then(|id| statuses.get(&id))
            && let Some(fields) = case.as_object_mut()
        {
            fields.insert("status".into(), Value::String(status.clone()));
            fields.insert("updated_at".into(), Value::String(self.now().to_rfc3339()));
        }
        case
    }

    /// Requests received so far (every path, authorised or not).
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    fn fault_context(&self, retry_after_secs: u64) -> FaultContext {
        FaultContext {
            retry_after_secs,
            maintenance: self
                .inner
                .data
                .maintenance(MaintenanceMode::Active, self.now()),
        }
    }
}

/// The sandbox's HTTP application.
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/v1/cases/{case_id}", get(get_case))
        .route("/v1/users/{user_ref}/cases", get(user_cases))
        .route("/v1/service-status", get(service_status))
        .route("/sandbox/state", get(sandbox_state))
        .route("/sandbox/maintenance/{mode}", put(set_maintenance))
        .route("/sandbox/fault/{fault}", put(set_fault))
        .route("/sandbox/fault", axum::routing::delete(clear_fault))
        .route(
            "/sandbox/cases/{case_id}/status/{status}",
            put(set_case_status),
        )
        .fallback(no_such_endpoint)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Serves the sandbox on `listener` until the task is dropped or the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, state: SandboxState) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, cases = state.data().case_ids().len(), "sandbox case API listening");
    }
    axum::serve(listener, router(state)).await
}

/// A sandbox running in the background on a loopback port; stopped when dropped.
pub struct RunningSandbox {
    pub addr: SocketAddr,
    pub state: SandboxState,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:<port>`: the base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the sandbox on `127.0.0.1:0` (a free port) in the background: what `kycdesk serve`
/// does when no `KYCDESK_CASE_API_URL` is set, and what tests do.
pub async fn spawn_on_loopback(state: SandboxState) -> std::io::Result<RunningSandbox> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(serve(listener, state.clone()));
    Ok(RunningSandbox { addr, state, task })
}

/// Counts, checks the token, and injects the fault asked for (API paths only).
async fn guard(State(state): State<SandboxState>, request: Request, next: Next) -> Response {
    state.inner.requests.fetch_add(1, Ordering::Relaxed);
    if !authorised(&state, &request) {
        return problem(
            StatusCode::UNAUTHORIZED,
            Some("unauthorized"),
            "Unauthorized",
            "A valid bearer token is required.",
            None,
        );
    }
    if !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let query = parse_query(request.uri().query());
    let asked = request
        .headers()
        .get(FAULT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.get("fault").cloned());
    let fault = match asked {
        Some(name) => Fault::parse(&name),
        None => state.sticky_fault(),
    };
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    tracing::debug!(fault = fault.as_str(), "sandbox injecting a fault");
    if fault == Fault::Slow {
        let delay = query
            .get("delay_ms")
            .and_then(|ms| ms.parse::<u64>().ok())
            .map_or(state.inner.config.slow_delay, Duration::from_millis);
        tokio::time::sleep(delay).await;
        return next.run(request).await;
    }
    let retry_after = query
        .get("retry_after")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(1);
    faults::respond(fault, state.fault_context(retry_after))
}

fn authorised(state: &SandboxState, request: &Request) -> bool {
    let expected = &state.inner.config.token;
    if expected.is_empty() {
        return true;
    }
    let Some(given) = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    given.trim().as_bytes().ct_eq(expected.as_bytes()).into()
}

/// `a=1&b=2` without percent-decoding: the sandbox's own parameters are plain words and numbers.
fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (!key.is_empty()).then(|| (key.to_string(), value.to_string()))
        })
        .collect()
}

async fn get_case(State(state): State<SandboxState>, Path(case_id): Path<String>) -> Response {
    if let Some(fault) = case_id
        .to_ascii_uppercase()
        .strip_prefix("KYC-FAULT-")
        .and_then(Fault::parse)
    {
        if fault != Fault::Slow {
            return faults::respond(fault, state.fault_context(1));
        }
        tokio::time::sleep(state.inner.config.slow_delay).await;
        return Json(json!({"case_id": case_id, "status": "pending_review"})).into_response();
    }
    match state
        .inner
        .data
        .case(&case_id, state.now(), state.maintenance_mode())
    {
        Some(case) => Json(state.with_status(case)).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            Some("case_not_found"),
            "Case not found",
            "No case has this id.",
            None,
        ),
    }
}

async fn user_cases(
    State(state): State<SandboxState>,
    Path(user_ref): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 20,
        Some(Ok(limit)) if (1..=100).contains(&limit) => limit,
        Some(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                None,
                "Bad limit",
                "limit must be a whole number from 1 to 100.",
                None,
            );
        }
    };
    match state
        .inner
        .data
        .user_cases(&user_ref, state.now(), state.maintenance_mode(), limit)
    {
        Some(cases) => {
            let cases: Vec<Value> = cases.into_iter().map(|c| state.with_status(c)).collect();
            Json(json!({"cases": cases, "next_cursor": null})).into_response()
        }
        None => problem(
            StatusCode::NOT_FOUND,
            Some("user_not_found"),
            "User not found",
            "No user has this reference.",
            None,
        ),
    }
}

async fn service_status(
    State(state): State<SandboxState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mode = query
        .get("mode")
        .and_then(|m| MaintenanceMode::parse(m))
        .unwrap_or_else(|| state.maintenance_mode());
    Json(json!({"maintenance": state.inner.data.maintenance(mode, state.now())})).into_response()
}

async fn sandbox_state(State(state): State<SandboxState>) -> Json<Value> {
    Json(json!({
        "maintenance": state.maintenance_mode().as_str(),
        "fault": state.sticky_fault().map(Fault::as_str),
        "requests": state.requests(),
        "cases": state.data().case_ids(),
    }))
}

async fn set_maintenance(State(state): State<SandboxState>, Path(mode): Path<String>) -> Response {
    let Some(mode) = MaintenanceMode::parse(&mode) else {
        return problem(
            StatusCode::BAD_REQUEST,
            None,
            "Unknown mode",
            "Use active, scheduled or clear.",
            None,
        );
    };
    state.set_maintenance_mode(mode);
    Json(json!({"maintenance": mode.as_str()})).into_response()
}

async fn set_fault(State(state): State<SandboxState>, Path(fault): Path<String>) -> Response {
    let Some(fault) = Fault::parse(&fault) else {
        return problem(
            StatusCode::BAD_REQUEST,
            None,
            "Unknown fault",
            "Use slow, 500, 503, garbage, html, 429 or huge.",
            None,
        );
    };
    state.set_sticky_fault(Some(fault));
    Json(json!({"fault": fault.as_str()})).into_response()
}

async fn set_case_status(
    State(state): State<SandboxState>,
    Path((case_id, status)): Path<(String, String)>,
) -> Response {
    if state
        .inner
        .data
        .case(&case_id, state.now(), state.maintenance_mode())
        .is_none()
    {
        return problem(
            StatusCode::NOT_FOUND,
            Some("case_not_found"),
            "Case not found",
            "No case has this id.",
            None,
        );
    }
    let valid = !status.is_empty()
        && status.len() <= 32
        && status.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    if !valid {
        return problem(
            StatusCode::BAD_REQUEST,
            None,
            "Bad status",
            "A status is a lower-case word such as approved or pending_review.",
            None,
        );
    }
    state.set_case_status(&case_id, &status);
    Json(json!({"case_id": case_id, "status": status})).into_response()
}

async fn clear_fault(State(state): State<SandboxState>) -> Json<Value> {
    state.set_sticky_fault(None);
    Json(json!({"fault": null}))
}

async fn no_such_endpoint() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        None,
        "Not found",
        "The case-status API has no such endpoint.",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use axum::http::Request as HttpRequest;
    use tower::ServiceExt;

    fn state(token: &str) -> SandboxState {
        SandboxState::demo(SandboxConfig {
            token: token.into(),
            slow_delay: Duration::from_millis(1),
            maintenance: Some(MaintenanceMode::Clear),
        })
        .unwrap()
    }

    async fn call(state: &SandboxState, uri: &str, header: Option<(&str, &str)>) -> (u16, Value) {
        let mut request = HttpRequest::builder().uri(uri);
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        let response = router(state.clone())
            .oneshot(request.body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    #[tokio::test]
    async fn serves_cases_users_and_status() {
        let s = state("");
        let (status, case) = call(&s, "/v1/cases/KYC-DEMO-PHOTO", None).await;
        assert_eq!(status, 200);
        assert_eq!(case["reasons"][0]["code"], "PHOTO_GLARE");
        let (status, body) = call(&s, "/v1/cases/KYC-NOPE", None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("case_not_found"))
        );
        let (status, body) = call(&s, "/v1/users/u_demo/cases?limit=5", None).await;
        assert_eq!(status, 200);
        assert_eq!(body["cases"][0]["case_id"], "KYC-DEMO-PHOTO");
        let (status, body) = call(&s, "/v1/users/u_ghost/cases", None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("user_not_found"))
        );
        let (status, _) = call(&s, "/v1/users/u_demo/cases?limit=0", None).await;
        assert_eq!(status, 400);
        let (_, body) = call(&s, "/v1/service-status", None).await;
        assert_eq!(body["maintenance"]["active"], false);
        let (_, body) = call(&s, "/v1/service-status?mode=active", None).await;
        assert_eq!(body["maintenance"]["active"], true);
    }

    #[tokio::test]
    async fn the_token_is_checked_when_configured() {
        let s = state("sandbox-token");
        let (status, body) = call(&s, "/v1/service-status", None).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
        let (status, _) = call(
            &s,
            "/v1/service-status",
            Some(("authorization", "Bearer wrong")),
        )
        .await;
        assert_eq!(status, 401);
        let (status, _) = call(
            &s,
            "/v1/service-status",
            Some(("authorization", "Bearer sandbox-token")),
        )
        .await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn faults_by_header_query_sticky_and_case_id() {
        let s = state("");
        let (status, body) =
            call(&s, "/v1/cases/KYC-DEMO-PHOTO", Some((FAULT_HEADER, "500"))).await;
        assert_eq!((status, body["code"].as_str()), (500, Some("internal")));
        let (status, body) = call(&s, "/v1/cases/KYC-DEMO-PHOTO?fault=503", None).await;
        assert_eq!((status, body["code"].as_str()), (503, Some("maintenance")));
        assert_eq!(body["maintenance"]["active"], true);
        let (status, _) = call(&s, "/v1/cases/KYC-FAULT-429", None).await;
        assert_eq!(status, 429);
        let (status, _) = call(&s, "/v1/cases/KYC-DEMO-PHOTO?fault=slow&delay_ms=1", None).await;
        assert_eq!(status, 200);
        s.set_sticky_fault(Some(Fault::Html));
        let (status, _) = call(&s, "/v1/service-status", None).await;
        assert_eq!(status, 502);
        s.set_sticky_fault(None);
        let (status, _) = call(&s, "/v1/service-status", None).await;
        assert_eq!(status, 200);
        assert!(s.requests() >= 6);
    }

    #[tokio::test]
    async fn the_control_surface_switches_maintenance() {
        let s = state("");
        let response = router(s.clone())
            .oneshot(
                HttpRequest::put("/sandbox/maintenance/active")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(s.maintenance_mode(), MaintenanceMode::Active);
        let (_, body) = call(&s, "/v1/service-status", None).await;
        assert_eq!(body["maintenance"]["active"], true);
        let (status, _) = call(&s, "/nowhere", None).await;
        assert_eq!(status, 404);
    }

    #[tokio::test]
    async fn the_control_surface_moves_a_case_on() {
        let s = state("");
        let (_, case) = call(&s, "/v1/cases/KYC-DEMO-PENDING", None).await;
        assert_eq!(case["status"], "pending_review");
        let put = |uri: &'static str| {
            router(s.clone()).oneshot(
                HttpRequest::put(uri)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
        };
        let response = put("/sandbox/cases/kyc-demo-pending/status/approved")
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let (_, case) = call(&s, "/v1/cases/KYC-DEMO-PENDING", None).await;
        assert_eq!(case["status"], "approved");
        let (_, cases) = call(&s, "/v1/users/u_pending/cases", None).await;
        assert_eq!(cases["cases"][0]["status"], "approved");
        let (_, other) = call(&s, "/v1/cases/KYC-DEMO-PHOTO", None).await;
        assert_eq!(other["status"], "resubmission_requested");
        let unknown = put("/sandbox/cases/KYC-NOPE/status/approved")
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
        let bad = put("/sandbox/cases/KYC-DEMO-PHOTO/status/Not%20OK")
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
    }
}
