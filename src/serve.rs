//! `kycdesk serve`: the main job. Opens the store, starts the HTTP channels and the background
//! work (retention purge), and shuts down gracefully on SIGTERM or Ctrl-C: stop accepting, finish
//! the messages in flight, flush the store.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;

use rand::RngCore;

use crate::channel::widget::guard::{AllowedOrigins, RateLimiter};
use crate::channel::widget::identity::IdentityVerifier;
use crate::channel::widget::{self, WidgetState};
use crate::config::Config;
use crate::runtime::Runtime;
use crate::runtime::outbox::Deliverer;
use crate::store::Store;

/// How often the outbox is checked for turns to push.
const DELIVER_EVERY: Duration = Duration::from_millis(250);

/// How often the retention purge runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

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
) -> anyhow::Result<()> {
    let store = runtime.store().clone();
    let purge = tokio::spawn(purge_loop(store.clone(), config.retention_days));
    let state = widget_state(runtime, config);
    let deliverer = Deliverer::new(store.clone()).with_outlet("widget", state.hub.clone());
    let delivery = tokio::spawn(deliverer.run(DELIVER_EVERY));
    let app = widget::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the HTTP server stopped")?;
    purge.abort();
    delivery.abort();
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
