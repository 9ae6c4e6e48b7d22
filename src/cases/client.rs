//! The HTTP client of the case-status API.
//!
//! Every call is an idempotent `GET`, so it may be retried: at most `max_retries` more times, on
//! a timeout, a connection error, a 5xx or a 429, with exponential backoff and jitter (so many
//! conversations retrying together do not hit the backend in step), and never past the
//! `Retry-After` the backend asked for. A 429 asking for longer than `retry_after_cap` is not
//! waited out inside a conversation: the caller gets `RateLimited` at once and says so.
//!
//! A [`Breaker`] sits in front: once the backend has failed several calls in a row, calls are
//! refused at once (`BreakerOpen`) for a cool-down, so a dead backend costs users nothing but an
//! honest "I can't see your case right now".
//!
//! Every answer is a typed [`CaseError`] or a parsed value; nothing here panics on what a network
//! sends. Bodies are read incrementally up to `max_body_bytes` and refused beyond it, so a broken
//! or hostile server cannot make the bot buffer megabytes. Log lines name the endpoint, the
//! request id and the error kind; never the token, a case id, a user ref or a body.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use rand::Rng;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

use super::breaker::{Breaker, BreakerConfig, BreakerState};
use super::model::{Case, Maintenance, MaintenanceWindow, Problem, ProblemCode};
use super::model::{ServiceStatus, UserCases};

/// The most retries the contract allows for one call.
pub const MAX_RETRIES: u32 = 2;

/// The bearer token of the case-status API. Prints as `***` so it cannot reach a log by accident;
/// the clear value needs [`ApiToken::expose`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The clear token. Named loudly: only for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where the API is and how patiently to talk to it.
#[derive(Debug, Clone)]
pub struct CaseClientConfig {
    /// `http(s)://host[:port][/prefix]`; the `/v1/...` paths are appended.
    pub base_url: Url,
    /// Empty: no `Authorization` header (the sandbox accepts any).
    pub token: ApiToken,
    pub connect_timeout: Duration,
    /// One attempt, from sending to the last byte of the body.
    pub total_timeout: Duration,
    /// Extra attempts after the first. The contract allows at most 2; more are treated as 2.
    pub max_retries: u32,
    /// The first backoff; doubled per retry, capped at `backoff_max`, jittered.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` waited out inside one lookup.
    pub retry_after_cap: Duration,
    /// No retry starts once this long has passed since the first attempt.
    pub retry_budget: Duration,
    /// Larger bodies are refused (`TooLarge`) without being read to the end.
    pub max_body_bytes: usize,
    pub breaker: BreakerConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseConfigError {
    #[error("the case API URL must be an absolute http(s) URL: {0}")]
    BaseUrl(String),
    #[error("{name} must be a whole number of milliseconds (1 or more), not `{value}`")]
    Millis { name: &'static str, value: String },
    #[error("the case API token contains characters that cannot go in an HTTP header")]
    Token,
    #[error("could not build the HTTP client: {0}")]
    Http(String),
}

impl CaseClientConfig {
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
    pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
    pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

    /// The defaults: 2 s to connect, 5 s per attempt, 2 retries, 1 MiB bodies, a breaker opening
    /// after 5 failed calls for 30 s.
    pub fn new(base_url: &str, token: impl Into<String>) -> Result<Self, CaseConfigError> {
        let base_url =
            Url::parse(base_url.trim()).map_err(|e| CaseConfigError::BaseUrl(format!("{e}")))?;
        if !matches!(base_url.scheme(), "http" | "https") || base_url.cannot_be_a_base() {
            return Err(CaseConfigError::BaseUrl(format!(
                "scheme `{}` is not http or https",
                base_url.scheme()
            )));
        }
        Ok(Self {
            base_url,
            token: ApiToken::new(token),
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            total_timeout: Self::DEFAULT_TOTAL_TIMEOUT,
            max_retries: MAX_RETRIES,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(2),
            retry_after_cap: Duration::from_secs(3),
            retry_budget: Duration::from_secs(8),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            breaker: BreakerConfig::default(),
        })
    }

    /// Reads `KYCDESK_CASE_API_URL`, `KYCDESK_CASE_API_TOKEN`,
    /// `KYCDESK_CASE_API_CONNECT_TIMEOUT_MS` and `KYCDESK_CASE_API_TIMEOUT_MS`. `None` when no URL
    /// is set: the caller then starts the in-process sandbox.
    pub fn from_env() -> Result<Option<Self>, CaseConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables (tests, a config file).
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, CaseConfigError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let Some(url) = var("KYCDESK_CASE_API_URL") else {
            return Ok(None);
        };
        let token = var("KYCDESK_CASE_API_TOKEN").unwrap_or_default();
        let mut config = Self::new(&url, token.trim())?;
        let millis = |name: &'static str| -> Result<Option<Duration>, CaseConfigError> {
            let Some(value) = var(name) else {
                return Ok(None);
            };
            match value.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
                _ => Err(CaseConfigError::Millis { name, value }),
            }
        };
        if let Some(d) = millis("KYCDESK_CASE_API_CONNECT_TIMEOUT_MS")? {
            config.connect_timeout = d;
        }
        if let Some(d) = millis("KYCDESK_CASE_API_TIMEOUT_MS")? {
            config.total_timeout = d;
        }
        Ok(Some(config))
    }
}

/// Why a body could not be read as the answer. Says where, never what: the body may hold
/// personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Not JSON at all (truncated, binary, plain text).
    NotJson,
    /// An HTML page: a proxy's or load balancer's error page, a login portal.
    Html,
    /// JSON, but not the shape the contract gives (e.g. a case without `status`).
    WrongShape { line: usize, column: usize },
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson => f.write_str("not JSON"),
            Self::Html => f.write_str("an HTML page"),
            Self::WrongShape { line, column } => {
                write!(f, "JSON of the wrong shape (line {line}, column {column})")
            }
        }
    }
}

/// What a call to the case-status API can end in, besides an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CaseError {
    #[error("no case with that id")]
    NotFound,
    #[error("no user with that reference")]
    UserNotFound,
    #[error("the case API refused the token (check KYCDESK_CASE_API_TOKEN)")]
    Unauthorized,
    #[error("the case API asked us to slow down")]
    RateLimited { retry_after: Option<Duration> },
    #[error("verification is under maintenance")]
    Maintenance {
        /// When it is expected to end, from the body's windows or else `Retry-After`.
        until: Option<DateTime<FixedOffset>>,
        maintenance: Option<Maintenance>,
    },
    #[error("the case API failed with HTTP {status}")]
    Server { status: u16 },
    #[error("the case API answered HTTP {status}, which the contract does not use here")]
    UnexpectedStatus { status: u16 },
    #[error("the case API did not answer in time")]
    Timeout,
    #[error("could not reach the case API")]
    Connect,
    #[error("the case API answered {0}")]
    Malformed(Malformed),
    #[error("the case API's answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the case API is failing; not calling it for a while")]
    BreakerOpen,
}

impl CaseError {
    /// The `case_lookup` outcome this error leads to (`src/flows/actions.rs`): "not found" and
    /// "maintenance" are answers; everything else is an honest "can't see it right now".
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::UserNotFound => "no_case",
            Self::Maintenance { .. } => "maintenance",
            _ => crate::flows::actions::UNAVAILABLE,
        }
    }

    /// A stable kebab-case id for logs, metrics and locale keys.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not-found",
            Self::UserNotFound => "user-not-found",
            Self::Unauthorized => "unauthorized",
            Self::RateLimited { .. } => "rate-limited",
            Self::Maintenance { .. } => "maintenance",
            Self::Server { .. } => "server",
            Self::UnexpectedStatus { .. } => "unexpected-status",
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Malformed(_) => "malformed",
            Self::TooLarge { .. } => "too-large",
            Self::BreakerOpen => "breaker-open",
        }
    }

    /// Worth another attempt of the same idempotent call.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Timeout | Self::Connect | Self::Server { .. } | Self::RateLimited { .. }
        )
    }

    /// Says the backend is unhealthy (counts towards opening the breaker). Not found,
    /// unauthorized, rate limited and maintenance are the backend answering.
    fn is_outage(&self) -> bool {
        matches!(
            self,
            Self::Timeout
                | Self::Connect
                | Self::Server { .. }
                | Self::Malformed(_)
                | Self::TooLarge { .. }
        )
    }
}

/// Which call, for log lines and for what a bare 404 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Case,
    UserCases,
    ServiceStatus,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Self::Case => "get_case",
            Self::UserCases => "user_cases",
            Self::ServiceStatus => "service_status",
        }
    }
}

/// The case-status API client. Cheap to clone; clones share the connection pool and the breaker.
#[derive(Debug, Clone)]
pub struct CaseClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    config: CaseClientConfig,
    authorization: Option<HeaderValue>,
    breaker: Breaker,
}

impl CaseClient {
    pub fn new(config: CaseClientConfig) -> Result<Self, CaseConfigError> {
        let authorization = if config.token.is_empty() {
            None
        } else {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", config.token.expose()))
                .map_err(|_| CaseConfigError::Token)?;
            value.set_sensitive(true);
            Some(value)
        };
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            // The API never redirects; following one could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kycdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CaseConfigError::Http(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                breaker: Breaker::new(config.breaker),
                authorization,
                config,
            }),
        })
    }

    pub fn config(&self) -> &CaseClientConfig {
        &self.inner.config
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.inner.breaker.state()
    }

    /// `GET /v1/cases/{case_id}`.
    pub async fn get_case(&self, case_id: &str) -> Result<Case, CaseError> {
        let case_id = case_id.trim();
        // Nothing a user typed that long is a case id; no need to ask.
        if case_id.is_empty() || case_id.len() > 128 {
            return Err(CaseError::NotFound);
        }
        let url = self.url(&["v1", "cases", case_id]);
        self.get(Endpoint::Case, url).await
    }

    /// `GET /v1/users/{user_ref}/cases?limit=N`: newest first. `limit` is kept within 1..=100.
    pub async fn user_cases(&self, user_ref: &str, limit: u32) -> Result<UserCases, CaseError> {
        let user_ref = user_ref.trim();
        if user_ref.is_empty() || user_ref.len() > 256 {
            return Err(CaseError::UserNotFound);
        }
        let mut url = self.url(&["v1", "users", user_ref, "cases"]);
        url.query_pairs_mut()
            .append_pair("limit", &limit.clamp(1, 100).to_string());
        self.get(Endpoint::UserCases, url).await
    }

    /// `GET /v1/service-status`. A 503 `maintenance` problem is itself the answer here: it comes
    /// back as an active maintenance, not as an error.
    pub async fn service_status(&self) -> Result<ServiceStatus, CaseError> {
        let url = self.url(&["v1", "service-status"]);
        match self.get(Endpoint::ServiceStatus, url).await {
            Err(CaseError::Maintenance { until, maintenance }) => {
                let mut maintenance = maintenance.unwrap_or_default();
                maintenance.active = Some(true);
                if maintenance.windows.is_empty() {
                    maintenance.windows.push(MaintenanceWindow {
                        ends_at: until,
                        ..MaintenanceWindow::default()
                    });
                }
                Ok(ServiceStatus {
                    maintenance: Some(maintenance),
                })
            }
            other => other,
        }
    }

    /// The base URL with `segments` appended, each percent-encoded as one path segment.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.config.base_url.clone();
        url.set_query(None);
        url.set_fragment(None);
        // The config refuses URLs that cannot be a base, so this always succeeds.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// One logical call: breaker, attempts, retries.
    async fn get<T: DeserializeOwned>(&self, endpoint: Endpoint, url: Url) -> Result<T, CaseError> {
        let Some(permit) = self.inner.breaker.try_acquire() else {
            tracing::debug!(
                endpoint = endpoint.name(),
                "case API breaker open: not calling"
            );
            return Err(CaseError::BreakerOpen);
        };
        let config = &self.inner.config;
        let started = Instant::now();
        let mut retries = 0;
        let result = loop {
            let error = match self.attempt(endpoint, &url, retries).await {
                Ok(value) => break Ok(value),
                Err(error) => error,
            };
            let Some(wait) = retry_wait(&error, retries, config) else {
                break Err(error);
            };
            if retries >= config.max_retries.min(MAX_RETRIES)
                || started.elapsed().saturating_add(wait) > config.retry_budget
            {
                break Err(error);
            }
            retries += 1;
            tracing::debug!(
                endpoint = endpoint.name(),
                error = error.code(),
                wait_ms = wait.as_millis() as u64,
                retry = retries,
                "retrying the case API"
            );
            tokio::time::sleep(wait).await;
        };
        match &result {
            Err(error) if error.is_outage() => permit.failure(),
            _ => permit.success(),
        }
        result
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        url: &Url,
        retry: u32,
    ) -> Result<T, CaseError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        let mut request = self
            .inner
            .http
            .get(url.clone())
            .header(ACCEPT, "application/json, application/problem+json")
            .header("X-Request-Id", &request_id);
        if let Some(authorization) = &self.inner.authorization {
            request = request.header(AUTHORIZATION, authorization.clone());
        }
        let result = async {
            let response = request.send().await.map_err(transport_error)?;
            let status = response.status();
            let retry_after = retry_after(response.headers(), Utc::now());
            let limit = self.inner.config.max_body_bytes;
            let body = read_capped(response, limit).await;
            if status.is_success() {
                return parse_body(&body?);
            }
            // An error page too large to read still says enough through its status.
            let body = match body {
                Ok(body) => body,
                Err(CaseError::TooLarge { .. }) => Vec::new(),
                Err(e) => return Err(e),
            };
            Err(error_from_status(
                endpoint,
                status,
                retry_after,
                &body,
                Utc::now(),
            ))
        }
        .await;
        if let Err(error) = &result {
            let level_is_warn = !matches!(error, CaseError::NotFound | CaseError::UserNotFound);
            if level_is_warn {
                tracing::warn!(
                    endpoint = endpoint.name(),
                    request_id = %request_id,
                    retry,
                    error = error.code(),
                    detail = %error,
                    "case API call failed"
                );
            }
        }
        result
    }
}

/// How long to wait before retrying after `error`, or `None` when it must not be retried.
fn retry_wait(error: &CaseError, retries_done: u32, config: &CaseClientConfig) -> Option<Duration> {
    if !error.is_retryable() {
        return None;
    }
    match error {
        CaseError::RateLimited {
            retry_after: Some(asked),
        } => (*asked <= config.retry_after_cap).then_some(*asked),
        _ => Some(backoff(
            retries_done,
            config.backoff_base,
            config.backoff_max,
        )),
    }
}

/// Exponential backoff with "equal jitter": half the step fixed, half random.
fn backoff(retries_done: u32, base: Duration, max: Duration) -> Duration {
    let step = base
        .checked_mul(1u32 << retries_done.min(16))
        .unwrap_or(max)
        .min(max);
    let half = step / 2;
    let jitter_ms = rand::thread_rng().gen_range(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter_ms)
}

/// `Retry-After` in seconds or as an HTTP date, capped at a day.
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    const DAY: u64 = 86_400;
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds.min(DAY)));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let seconds = (at.to_utc() - now).num_seconds().clamp(0, DAY as i64);
    Some(Duration::from_secs(seconds as u64))
}

fn transport_error(error: reqwest::Error) -> CaseError {
    if error.is_timeout() {
        CaseError::Timeout
    } else {
        // Refused, reset, DNS, TLS, or the connection dropped mid-body: all "could not reach".
        CaseError::Connect
    }
}

/// Reads the body chunk by chunk, refusing it as soon as it passes `limit`.
async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, CaseError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(CaseError::TooLarge { limit });
    }
    let initial = response.content_length().unwrap_or(0).min(64 * 1024) as usize;
    let mut body = Vec::with_capacity(initial);
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(CaseError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, CaseError> {
    serde_json::from_slice(body).map_err(|error| CaseError::Malformed(classify(body, &error)))
}

fn classify(body: &[u8], error: &serde_json::Error) -> Malformed {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => Malformed::WrongShape {
            line: error.line(),
            column: error.column(),
        },
        Category::Io | Category::Syntax | Category::Eof if looks_like_html(body) => Malformed::Html,
        Category::Io | Category::Syntax | Category::Eof => Malformed::NotJson,
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    // Markup starts with `<` (after whitespace or a byte-order mark); JSON never does.
    body.iter()
        .find(|b| !(b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF)))
        .is_some_and(|b| *b == b'<')
}

/// Maps an error status and its body (problem+json, or anything else) to a [`CaseError`].
fn error_from_status(
    endpoint: Endpoint,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    now: DateTime<Utc>,
) -> CaseError {
    let problem: Option<Problem> = serde_json::from_slice(body).ok();
    let code = problem.as_ref().and_then(|p| p.code);
    match (status.as_u16(), code) {
        (401 | 403, _) | (_, Some(ProblemCode::Unauthorized)) => CaseError::Unauthorized,
        (429, _) | (_, Some(ProblemCode::RateLimited)) => CaseError::RateLimited { retry_after },
        (_, Some(ProblemCode::Maintenance)) => {
            let maintenance = problem.and_then(|p| p.maintenance);
            let until = maintenance
                .as_ref()
                .and_then(|m| m.active_until(now))
                .or_else(|| {
                    let wait = chrono::Duration::from_std(retry_after?).ok()?;
                    Some((now + wait).fixed_offset())
                });
            CaseError::Maintenance { until, maintenance }
        }
        (_, Some(ProblemCode::CaseNotFound)) => CaseError::NotFound,
        (_, Some(ProblemCode::UserNotFound)) => CaseError::UserNotFound,
        // A problem body without a known code: the endpoint says what a 404 means. A 404 that is
        // not problem+json at all is more likely a wrong base URL than a missing case, so the
        // user hears "can't see it right now", not "no such case".
        (404, _) => match (endpoint, problem.is_some()) {
            (Endpoint::Case, true) => CaseError::NotFound,
            (Endpoint::UserCases, true) => CaseError::UserNotFound,
            _ => {
                tracing::warn!(
                    endpoint = endpoint.name(),
                    "the case API answered 404 without a problem body: is the base URL right?"
                );
                CaseError::UnexpectedStatus { status: 404 }
            }
        },
        (500..=599, _) => CaseError::Server {
            status: status.as_u16(),
        },
        (other, _) => CaseError::UnexpectedStatus { status: other },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn the_token_never_prints() {
        let config = CaseClientConfig::new("http://127.0.0.1:9", "s3cret-token").unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("***"));
        let client = CaseClient::new(config).unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
    }

    #[test]
    fn config_from_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert!(CaseClientConfig::from_vars(vars(&[])).unwrap().is_none());
        assert!(
            CaseClientConfig::from_vars(vars(&[("KYCDESK_CASE_API_URL", " ")]))
                .unwrap()
                .is_none()
        );
        let config = CaseClientConfig::from_vars(vars(&[
            ("KYCDESK_CASE_API_URL", "https://kyc.example.com/api"),
            ("KYCDESK_CASE_API_TOKEN", "t"),
            ("KYCDESK_CASE_API_CONNECT_TIMEOUT_MS", "500"),
            ("KYCDESK_CASE_API_TIMEOUT_MS", "1500"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.connect_timeout, Duration::from_millis(500));
        assert_eq!(config.total_timeout, Duration::from_millis(1500));
        assert_eq!(config.token.expose(), "t");
        assert_eq!(config.max_retries, 2);
        assert!(matches!(
            CaseClientConfig::from_vars(vars(&[
                ("KYCDESK_CASE_API_URL", "https://x"),
                ("KYCDESK_CASE_API_TIMEOUT_MS", "soon"),
            ])),
            Err(CaseConfigError::Millis { .. })
        ));
        assert!(matches!(
            CaseClientConfig::from_vars(vars(&[("KYCDESK_CASE_API_URL", "ftp://x")])),
            Err(CaseConfigError::BaseUrl(_))
        ));
        assert!(matches!(
            CaseClient::new(CaseClientConfig::new("http://x", "bad\ntoken").unwrap()),
            Err(CaseConfigError::Token)
        ));
    }

    #[test]
    fn paths_are_appended_and_encoded() {
        let client =
            CaseClient::new(CaseClientConfig::new("https://kyc.example.com/api/?x=1", "").unwrap())
                .unwrap();
        assert_eq!(
            client.url(&["v1", "cases", "KYC-1/../x y"]).as_str(),
            "https://kyc.example.com/api/v1/cases/KYC-1%2F..%2Fx%20y"
        );
        let bare =
            CaseClient::new(CaseClientConfig::new("http://127.0.0.1:8", "").unwrap()).unwrap();
        assert_eq!(
            bare.url(&["v1", "service-status"]).as_str(),
            "http://127.0.0.1:8/v1/service-status"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = at("2024-06-11T10:00:00Z");
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(2)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Tue, 11 Jun 2024 10:00:30 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("99999999999"));
        assert_eq!(
            retry_after(&headers, now),
            Some(Duration::from_secs(86_400))
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let base = Duration::from_millis(200);
        let max = Duration::from_secs(2);
        for _ in 0..100 {
            let first = backoff(0, base, max);
            assert!(first >= Duration::from_millis(100) && first <= base);
            let second = backoff(1, base, max);
            assert!(second >= Duration::from_millis(200) && second <= Duration::from_millis(400));
            assert!(backoff(40, base, max) <= max);
        }
    }

    #[test]
    fn which_errors_are_retried() {
        let config = CaseClientConfig::new("http://x", "").unwrap();
        assert!(retry_wait(&CaseError::Timeout, 0, &config).is_some());
        assert!(retry_wait(&CaseError::Server { status: 502 }, 1, &config).is_some());
        assert_eq!(
            retry_wait(
                &CaseError::RateLimited {
                    retry_after: Some(Duration::from_secs(1))
                },
                0,
                &config
            ),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            retry_wait(
                &CaseError::RateLimited {
                    retry_after: Some(Duration::from_secs(60))
                },
                0,
                &config
            ),
            None,
            "too long to wait inside a conversation"
        );
        for error in [
            CaseError::NotFound,
            CaseError::Unauthorized,
            CaseError::Malformed(Malformed::NotJson),
            CaseError::Maintenance {
                until: None,
                maintenance: None,
            },
            CaseError::TooLarge { limit: 1 },
        ] {
            assert!(retry_wait(&error, 0, &config).is_none(), "{error:?}");
        }
    }

    #[test]
    fn error_statuses_and_problem_bodies() {
        let now = at("2024-06-11T10:00:00Z");
        let map = |endpoint, code, body: &str| {
            error_from_status(endpoint, status(code), None, body.as_bytes(), now)
        };
        assert_eq!(
            map(Endpoint::Case, 404, r#"{"code":"case_not_found"}"#),
            CaseError::NotFound
        );
        assert_eq!(
            map(Endpoint::UserCases, 404, r#"{"code":"user_not_found"}"#),
            CaseError::UserNotFound
        );
        assert_eq!(
            map(Endpoint::Case, 404, r#"{"title":"x"}"#),
            CaseError::NotFound
        );
        assert_eq!(
            map(Endpoint::Case, 404, "<html>nginx</html>"),
            CaseError::UnexpectedStatus { status: 404 }
        );
        assert_eq!(map(Endpoint::Case, 401, ""), CaseError::Unauthorized);
        assert_eq!(map(Endpoint::Case, 403, "{}"), CaseError::Unauthorized);
        assert_eq!(
            map(Endpoint::Case, 500, r#"{"code":"internal"}"#),
            CaseError::Server { status: 500 }
        );
        assert_eq!(
            map(Endpoint::Case, 502, "<html>bad gateway</html>"),
            CaseError::Server { status: 502 }
        );
        assert_eq!(
            map(Endpoint::Case, 503, "garbage"),
            CaseError::Server { status: 503 }
        );
        assert_eq!(
            map(Endpoint::Case, 418, ""),
            CaseError::UnexpectedStatus { status: 418 }
        );
        let rate = error_from_status(
            Endpoint::Case,
            status(429),
            Some(Duration::from_secs(1)),
            b"",
            now,
        );
        assert_eq!(
            rate,
            CaseError::RateLimited {
                retry_after: Some(Duration::from_secs(1))
            }
        );
    }

    #[test]
    fn maintenance_until_from_the_window_or_retry_after() {
        let now = at("2024-06-11T10:00:00Z");
        let with_window = error_from_status(
            Endpoint::Case,
            status(503),
            Some(Duration::from_secs(60)),
            br#"{"code":"maintenance","maintenance":{"active":true,"windows":[
                {"starts_at":"2024-06-11T17:00:00+08:00","ends_at":"2024-06-11T20:00:00+08:00"}]}}"#,
            now,
        );
        let CaseError::Maintenance { until, maintenance } = with_window else {
            panic!("{with_window:?}");
        };
        assert_eq!(until.unwrap().to_utc(), at("2024-06-11T12:00:00Z"));
        assert!(maintenance.is_some());
        let bare = error_from_status(
            Endpoint::Case,
            status(503),
            Some(Duration::from_secs(600)),
            br#"{"code":"maintenance"}"#,
            now,
        );
        assert_eq!(
            bare,
            CaseError::Maintenance {
                until: Some(at("2024-06-11T10:10:00Z").fixed_offset()),
                maintenance: None
            }
        );
        assert_eq!(bare.outcome(), "maintenance");
    }

    #[test]
    fn malformed_bodies_say_where_not_what() {
        let not_json = parse_body::<Case>(b"{\"case_id\": \"KYC-1\", \"stat").unwrap_err();
        assert_eq!(not_json, CaseError::Malformed(Malformed::NotJson));
        let html =
            parse_body::<Case>(b"  <!DOCTYPE html><html><body>502</body></html>").unwrap_err();
        assert_eq!(html, CaseError::Malformed(Malformed::Html));
        let shape =
            parse_body::<Case>(br#"{"case_id": "KYC-1", "status": 13812345678}"#).unwrap_err();
        assert!(matches!(
            shape,
            CaseError::Malformed(Malformed::WrongShape { .. })
        ));
        assert!(!shape.to_string().contains("13812345678"), "{shape}");
    }

    #[test]
    fn outcomes_for_the_flows() {
        use crate::flows::actions::action_spec;
        let outcomes = action_spec("case_lookup").unwrap().outcomes;
        for error in [
            CaseError::NotFound,
            CaseError::UserNotFound,
            CaseError::Timeout,
            CaseError::BreakerOpen,
            CaseError::Maintenance {
                until: None,
                maintenance: None,
            },
        ] {
            assert!(outcomes.contains(&error.outcome()), "{error:?}");
        }
        assert_eq!(CaseError::UserNotFound.outcome(), "no_case");
        assert_eq!(CaseError::Timeout.outcome(), "unavailable");
    }
}
