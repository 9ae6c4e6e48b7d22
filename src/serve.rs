//! `kycdesk serve`: the main job. Opens the store, starts the HTTP channels and the background
//! work (retention purge), and shuts down gracefully on SIGTERM or Ctrl-C: stop accepting, finish
//! the messages in flight, flush the store.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use rand::RngCore;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::cases::sandbox::{RunningSandbox, SandboxConfig, SandboxState, spawn_on_loopback};
use crate::cases::{CaseAccess, CaseClient, CaseClientConfig, ReplayGuard};
use crate::channel::hooks::{self, HookState};
use crate::channel::limits::Limits;
use crate::channel::listener::{self, ConnectionLimits};
use crate::channel::widget::access::ConversationAccess;
use crate::channel::widget::guard::AllowedOrigins;
use crate::channel::widget::identity::IdentityVerifier;
use crate::channel::widget::{self, Problem, WidgetState};
use crate::config::Config;
use crate::console::state::ConsoleState;
use crate::runtime::Runtime;
use crate::runtime::desk::{AwayNotifier, Desk, HandoffHub, HandoffSettings};
use crate::runtime::followups::FollowUps;
use crate::runtime::outbox::Deliverer;
use crate::store::Store;

/// How often the outbox is checked for turns to push.
const DELIVER_EVERY: Duration = Duration::from_millis(250);

/// How often the retention purge runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How often silent claims are looked for (a claim returns after minutes: seconds do not matter).
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Time a webhook sender has to send its body.
const WEBHOOK_BODY_TIMEOUT: Duration = Duration::from_secs(15);

/// How often rate-limit buckets that are full again are forgotten.
const FORGET_LIMITS_EVERY: Duration = Duration::from_secs(60);

/// The case-status API the bot talks to: `KYCDESK_CASE_API_URL` (and token) when set, else the
/// demo sandbox started in-process on a loopback port (talked to over HTTP all the same).
pub struct CaseBackend {
    pub client: Arc<CaseClient>,
    pub sandbox: Option<RunningSandbox>,
}

impl CaseBackend {
    /// Demo mode: no case API is configured, the built-in sandbox answers.
    pub fn is_demo(&self) -> bool {
        self.sandbox.is_some()
    }

    /// Who may see a case: anyone on the demo sandbox (so the demo works without signing in),
    /// only the case's verified holder with a configured case API.
    pub fn case_access(&self) -> CaseAccess {
        if self.is_demo() {
            CaseAccess::DemoOpen
        } else {
            CaseAccess::HolderOnly
        }
    }
}

pub async fn case_backend(config: &Config) -> anyhow::Result<CaseBackend> {
    if let Some(config) = config.case_api.clone() {
        let client = CaseClient::new(config).context("the case-status API client")?;
        return Ok(CaseBackend {
            client: Arc::new(client),
            sandbox: None,
        });
    }
    let state = SandboxState::demo(SandboxConfig::default()).context("the sandbox's demo cases")?;
    let sandbox = spawn_on_loopback(state)
        .await
        .context("starting the in-process sandbox")?;
    let config = CaseClientConfig::new(&sandbox.base_url(), "").context("the sandbox's address")?;
    let client = CaseClient::new(config).context("the case-status API client")?;
    tracing::info!(url = %sandbox.base_url(), "using the in-process sandbox case API");
    Ok(CaseBackend {
        client: Arc::new(client),
        sandbox: Some(sandbox),
    })
}

/// Refuses `--demo` when a case API is configured: demo mode exists only on the built-in
/// sandbox, so that nothing of the demo can reach a real deployment.
pub fn check_demo_request(demo_requested: bool, config: &Config) -> anyhow::Result<()> {
    if demo_requested && config.case_api.is_some() {
        anyhow::bail!(
            "--demo cannot be used while KYCDESK_CASE_API_URL is set: demo mode (the demo page, \
             demo identities and the sandbox) exists only without a configured case API"
        );
    }
    Ok(())
}

/// The key of conversation tokens: derived from the widget secret when there is one (the same
/// on every instance), else kept in the data directory (created once, readable by us alone).
fn conversation_access(config: &Config) -> anyhow::Result<ConversationAccess> {
    if let Some(secret) = &config.widget_secret {
        return Ok(ConversationAccess::derived_from(secret));
    }
    let key = key_file(&config.data_dir.join("widget-conversations.key"))?;
    Ok(ConversationAccess::new(key))
}

fn key_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(key) if key.len() == 32 => return Ok(key),
        Ok(_) => anyhow::bail!("{} is not a 32-byte key", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    std::io::Write::write_all(&mut file, &key)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(key)
}

/// The origins a browser may call from: the embedding sites, the configured public origin,
/// and in demo mode the address the demo page is served at.
pub fn allowed_origins(config: &Config, demo: bool, local: SocketAddr) -> AllowedOrigins {
    let mut origins = AllowedOrigins::parse(&config.allowed_origins).with(&config.public_origin);
    if demo {
        origins = origins.with(&format!("http://{local}"));
        if local.ip().is_loopback() {
            origins = origins.with(&format!("http://localhost:{}", local.port()));
        }
    }
    origins
}

/// The widget's state from the configuration.
pub fn widget_state(
    runtime: Runtime,
    config: &Config,
    demo: bool,
    local: SocketAddr,
) -> anyhow::Result<WidgetState> {
    let mut identity = IdentityVerifier::new(config.widget_secret.clone(), config.enforce_identity)
        .with_max_lifetime(config.identity_max_lifetime_secs);
    if let Some(secret) = &config.widget_secret
        && secret.len() < 32
    {
        tracing::warn!(
            "KYCDESK_WIDGET_SECRET is shorter than 32 bytes: a short secret can be guessed offline from one token"
        );
    }
    if demo {
        identity = identity.with_demo_key();
    } else if config.widget_secret.is_none() {
        tracing::warn!(
            "KYCDESK_WIDGET_SECRET is not set: every widget visitor is anonymous, so no case can be looked up for them"
        );
    }
    let mut state = WidgetState::new(runtime, identity, conversation_access(config)?);
    state.origins = allowed_origins(config, demo, local);
    state.limits = Arc::new(Limits::new(&config.limits));
    state.proxies = config.trusted_proxies.clone();
    Ok(state)
}

#[derive(Clone)]
struct WebhookLimit {
    limits: Arc<Limits>,
    proxies: crate::channel::client_addr::TrustedProxies,
}

/// Webhook deliveries are limited per address, good or bad: a forger cannot make us verify
/// signatures (or look cases up) at any rate they like.
async fn limit_webhook(
    State(limit): State<WebhookLimit>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let client = limit.proxies.client(peer.ip(), request.headers());
    match limit.limits.webhook(client) {
        Ok(()) => next.run(request).await,
        Err(limited) => {
            let mut problem = Problem::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many deliveries: slow down",
            )
            .into_response();
            if let Ok(v) =
                axum::http::HeaderValue::from_str(&limited.retry_after.as_secs().max(1).to_string())
            {
                problem
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            problem
        }
    }
}

/// Everything `serve` answers: the widget, the webhook (when configured, limited per address),
/// all behind the guard (origins, CORS, security headers, problem+json 404s).
pub fn app(state: WidgetState, hooks: Option<HookState>) -> Router {
    let origins = state.origins.clone();
    let limit = WebhookLimit {
        limits: state.limits.clone(),
        proxies: state.proxies.clone(),
    };
    let mut app = widget::router(state);
    if let Some(hook_state) = hooks {
        // The limit runs before the body is read; the body has a size cap and a deadline.
        app = app.merge(
            hooks::router(hook_state)
                .layer(DefaultBodyLimit::max(crate::cases::webhook::MAX_BODY_BYTES))
                .layer(RequestBodyTimeoutLayer::new(WEBHOOK_BODY_TIMEOUT))
                .route_layer(middleware::from_fn_with_state(limit, limit_webhook)),
        );
    }
    widget::with_guard(app, origins)
}

pub async fn serve(
    runtime: Runtime,
    listener: tokio::net::TcpListener,
    config: &Config,
    backend: &CaseBackend,
) -> anyhow::Result<()> {
    let demo = backend.is_demo();
    let local = listener.local_addr().context("the listening address")?;
    if demo {
        tracing::warn!(
            "DEMO MODE: no case API is configured, so the built-in sandbox answers with demo cases, \
             the demo wallet page is served at / and hands out demo identities (signed with a key \
             made for this run only), and demo cases are open to everyone. Set KYCDESK_CASE_API_URL \
             for a real deployment."
        );
    }
    let store = runtime.store().clone();
    // `kycdesk erase|export|agent` reach the store through this socket while we run.
    let admin = crate::admin::AdminSocket::bind(&config.data_dir)
        .await
        .context("the admin socket")?;
    let admin = tokio::spawn(admin.run(store.clone(), std::future::pending()));
    let purge = tokio::spawn(purge_loop(store.clone(), config.retention_days));
    let desk = Desk::open(runtime.clone())
        .await
        .context("reading the open handoff tickets")?
        .with_cases(backend.client.clone(), backend.case_access());
    let desk = match away_notifier(config)? {
        Some(notifier) => desk.with_notifier(notifier),
        None => desk,
    };
    if demo {
        let path = crate::console::demo::create(store.as_ref(), &config.data_dir)
            .await
            .context("creating the demo console account")?;
        eprintln!(
            "kycdesk: demo console at http://{local}/console: log in as `{}` with the password in {}",
            crate::console::demo::DEMO_LOGIN,
            path.display()
        );
    }
    let sweeper = tokio::spawn(sweep_loop(desk.clone()));
    let followups = FollowUps::new(runtime.clone(), backend.client.clone())
        .with_case_access(backend.case_access());
    let state = widget_state(runtime, config, demo, local)?;
    // With a webhook the backend tells us; without one we ask, at a modest interval.
    let (hooks, polling) = match &config.webhook_secret {
        Some(secret) => {
            if secret.len() < 32 {
                tracing::warn!(
                    "KYCDESK_WEBHOOK_SECRET is shorter than 32 bytes: a short secret can be guessed offline from one delivery"
                );
            }
            let hook_state = HookState {
                followups,
                secret: Arc::new(secret.clone()),
                seen: Arc::new(ReplayGuard::new(100_000)),
            };
            (Some(hook_state), None)
        }
        None => {
            let every = Duration::from_secs(config.followup_poll_secs);
            (None, Some(tokio::spawn(followups.poll_forever(every))))
        }
    };
    let limits = state.limits.clone();
    let forget = tokio::spawn(async move {
        let mut tick = tokio::time::interval(FORGET_LIMITS_EVERY);
        loop {
            tick.tick().await;
            limits.forget_idle();
        }
    });
    let deliverer = Deliverer::new(store.clone()).with_outlet("widget", state.hub.clone());
    let delivery = tokio::spawn(deliverer.run(DELIVER_EVERY));
    let console = ConsoleState::new(
        desk.clone(),
        crate::console::state::ConsoleSettings::from_config(&config.console),
        config.trusted_proxies.clone(),
        &config.public_origin,
    );
    // The console has its own guard (session, CSRF, strict CSP); it is nested after the widget's
    // guard so that the widget's origin rules and looser CSP do not apply to it.
    let router = app(state, hooks).nest("/console", crate::console::router(console));
    let connection_limits = ConnectionLimits {
        header_timeout: Duration::from_millis(config.header_timeout_ms),
        per_client: config.max_connections_per_client,
        total: config.max_connections,
        trusted: config.trusted_proxies.clone(),
    };
    listener::serve(listener, router, connection_limits, shutdown_signal()).await;
    purge.abort();
    admin.abort();
    sweeper.abort();
    delivery.abort();
    forget.abort();
    if let Some(polling) = polling {
        polling.abort();
    }
    store
        .flush()
        .await
        .context("flushing the store at shutdown")?;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// The handoff's settings and business hours from the configuration.
pub fn handoff_hub(config: &Config) -> HandoffHub {
    let settings = HandoffSettings {
        enabled: config.handoff.enabled,
        unanswered_claim: Duration::from_secs(config.handoff.unanswered_claim_secs),
        auto_assign: config.handoff.auto_assign,
    };
    HandoffHub::new(settings, Arc::new(config.handoff.hours.clone()))
}

/// The wallet's notification hook, when configured (a URL without a secret is refused: the
/// wallet could not tell our calls from anyone's).
fn away_notifier(config: &Config) -> anyhow::Result<Option<AwayNotifier>> {
    match (&config.handoff.notify_url, &config.handoff.notify_secret) {
        (None, _) => Ok(None),
        (Some(_), None) => anyhow::bail!(
            "handoff.notify_url is set without handoff.notify_secret (KYCDESK_HANDOFF_NOTIFY_SECRET): the wallet could not check our calls"
        ),
        (Some(url), Some(secret)) => {
            let url = reqwest::Url::parse(url)
                .with_context(|| format!("handoff.notify_url is not a URL: {url}"))?;
            Ok(Some(AwayNotifier::new(url, secret.clone())))
        }
    }
}

/// Returns silent claims to the queue (and assigns tickets, when configured).
async fn sweep_loop(desk: Desk) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = desk.sweep(Utc::now()).await {
            tracing::error!(error = %e, "the handoff sweep failed");
        }
    }
}

async fn purge_loop(store: Arc<dyn Store>, days: u32) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    loop {
        tick.tick().await;
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        match store.purge_transcripts_before(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(entries = n, "purged transcript entries past retention"),
            Err(e) => tracing::error!(error = %e, "the retention purge failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing messages in flight");
}
