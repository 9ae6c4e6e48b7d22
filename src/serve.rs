//! `kycdesk serve`: the main job. Opens the store, starts the HTTP channels and the background
//! work (retention purge), and shuts down gracefully on SIGTERM or Ctrl-C: stop accepting, finish
//! the messages in flight, flush the store.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;

use rand::RngCore;

use crate::cases::sandbox::{RunningSandbox, SandboxConfig, SandboxState, spawn_on_loopback};
use crate::cases::{CaseClient, CaseClientConfig, ReplayGuard};
use crate::channel::hooks::{self, HookState};
use crate::channel::widget::guard::{AllowedOrigins, RateLimiter};
use crate::channel::widget::identity::IdentityVerifier;
use crate::channel::widget::{self, WidgetState};
use crate::config::Config;
use crate::runtime::Runtime;
use crate::runtime::followups::FollowUps;
use crate::runtime::outbox::Deliverer;
use crate::store::Store;

/// How often the outbox is checked for turns to push.
const DELIVER_EVERY: Duration = Duration::from_millis(250);

/// How often the retention purge runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// The case-status API the bot talks to: `KYCDESK_CASE_API_URL` (and token) when set, else the
/// demo sandbox started in-process on a loopback port (talked to over HTTP all the same).
pub struct CaseBackend {
    pub client: Arc<CaseClient>,
    pub sandbox: Option<RunningSandbox>,
}

pub async fn case_backend() -> anyhow::Result<CaseBackend> {
    if let Some(config) = CaseClientConfig::from_env().context("the case-status API settings")? {
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

/// The widget's state from the configuration. Without a configured secret the demo still works:
/// a random secret for this run signs the demo user's token.
pub fn widget_state(runtime: Runtime, config: &Config) -> WidgetState {
    let secret = config.widget_secret.clone().unwrap_or_else(|| {
        tracing::warn!(
            "KYCDESK_WIDGET_SECRET is not set: identity tokens are signed with a random key for this run only"
        );
        let mut key = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        key
    });
    let mut state = WidgetState::new(
        runtime,
        IdentityVerifier::new(Some(secret), config.enforce_identity),
        AllowedOrigins::parse(&config.allowed_origins),
    );
    state.per_visitor = std::sync::Arc::new(RateLimiter::new(
        config.rate_visitor.0,
        config.rate_visitor.1,
    ));
    state.per_ip = std::sync::Arc::new(RateLimiter::new(config.rate_ip.0, config.rate_ip.1));
    state
}

pub async fn serve(
    runtime: Runtime,
    listener: tokio::net::TcpListener,
    config: &Config,
    cases: Arc<CaseClient>,
) -> anyhow::Result<()> {
    let store = runtime.store().clone();
    let purge = tokio::spawn(purge_loop(store.clone(), config.retention_days));
    let followups = FollowUps::new(runtime.clone(), cases);
    // With a webhook the backend tells us; without one we ask, at a modest interval.
    let (hooks, polling) = match &config.webhook_secret {
        Some(secret) => {
            let state = HookState {
                followups,
                secret: Arc::new(secret.clone()),
                seen: Arc::new(ReplayGuard::new(100_000)),
            };
            (Some(hooks::router(state)), None)
        }
        None => {
            let every = Duration::from_secs(config.followup_poll_secs);
            (None, Some(tokio::spawn(followups.poll_forever(every))))
        }
    };
    let state = widget_state(runtime, config);
    let deliverer = Deliverer::new(store.clone()).with_outlet("widget", state.hub.clone());
    let delivery = tokio::spawn(deliverer.run(DELIVER_EVERY));
    let mut app = widget::router(state);
    if let Some(hooks) = hooks {
        app = app.merge(hooks);
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the HTTP server stopped")?;
    purge.abort();
    delivery.abort();
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
