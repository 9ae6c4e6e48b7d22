//! `kycdesk serve`: the main job. Opens the store, starts the HTTP channels and the background
//! work (retention purge), and shuts down gracefully on SIGTERM or Ctrl-C: stop accepting, finish
//! the messages in flight, flush the store.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;

use crate::runtime::Runtime;
use crate::store::Store;

/// How often the retention purge runs.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

pub async fn serve(
    runtime: Runtime,
    listener: tokio::net::TcpListener,
    retention_days: u32,
) -> anyhow::Result<()> {
    let store = runtime.store().clone();
    let purge = tokio::spawn(purge_loop(store.clone(), retention_days));
    let app = crate::channel::http::router(runtime);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the HTTP server stopped")?;
    purge.abort();
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
