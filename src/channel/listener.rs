//! Accepting connections for `kycdesk serve`, with the limits a public server needs: a client
//! must send its request headers within a deadline (idle keep-alive connections and half-open
//! sockets are closed by the same deadline), each direct peer may hold only so many connections
//! (trusted proxies are exempt: they carry everyone), and the process holds at most a set number
//! in all, so a flood of idle sockets cannot use up its file descriptors. On shutdown it stops
//! accepting and lets the requests in flight finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use super::client_addr::TrustedProxies;

/// How long requests in flight may take to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(20);

#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Time a client has to send a request's headers, on a new or an idle kept-alive
    /// connection (`KYCDESK_HEADER_TIMEOUT_MS`).
    pub header_timeout: Duration,
    /// Open connections per direct peer (`KYCDESK_MAX_CONNECTIONS_PER_CLIENT`).
    pub per_client: usize,
    /// Open connections in all (`KYCDESK_MAX_CONNECTIONS`).
    pub total: usize,
    /// Peers exempt from the per-client cap.
    pub trusted: TrustedProxies,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            // A browser opens at most six connections to a host, plus a socket per tab.
            per_client: 32,
            total: 8192,
            trusted: TrustedProxies::default(),
        }
    }
}

/// Counts each peer's open connections; a slot is given back when its guard drops.
#[derive(Default)]
struct PerClient {
    open: Mutex<HashMap<IpAddr, usize>>,
}

struct Slot {
    counts: Arc<PerClient>,
    ip: Option<IpAddr>,
}

/// A connection's place under both caps. Each request carries a handle to it: a WebSocket keeps
/// one for as long as it is open, since hyper forgets the connection once it is upgraded.
#[derive(Clone)]
pub struct ConnectionHold(#[allow(dead_code)] Arc<(Slot, tokio::sync::OwnedSemaphorePermit)>);

impl PerClient {
    fn enter(self: &Arc<Self>, ip: IpAddr, limits: &ConnectionLimits) -> Option<Slot> {
        if limits.trusted.trusts(ip) {
            return Some(Slot {
                counts: self.clone(),
                ip: None,
            });
        }
        // One bucket per IPv4 address or IPv6 /64, as for the rate limits.
        let ip = super::limits::bucket(ip);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= limits.per_client {
            return None;
        }
        *n += 1;
        Some(Slot {
            counts: self.clone(),
            ip: Some(ip),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(ip) = self.ip else { return };
        let mut open = self.counts.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    // HTTP/1.1 only: browsers speak HTTP/2 only over TLS, which the reverse proxy in front
    // ends; and detecting the version would read from a client before any deadline applies.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let builder = Arc::new(builder);
    // Connections watch `stop` to finish gracefully; `open` counts them (each holds a receiver).
    let (stop, stop_rx) = watch::channel(false);
    let (open, open_rx) = watch::channel(());
    let per_client = Arc::new(PerClient::default());
    let total = Arc::new(Semaphore::new(limits.total));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // moment rather than spin, and keep serving the connections we have.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            tracing::warn!("connection refused: the server holds its maximum of connections");
            continue;
        };
        let Some(slot) = per_client.enter(peer.ip(), &limits) else {
            tracing::debug!("connection refused: this client holds its maximum of connections");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let hold = ConnectionHold(Arc::new((slot, permit)));
        let held = hold.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(peer));
            request.extensions_mut().insert(held.clone());
            app.clone().oneshot(request)
        });
        let builder = builder.clone();
        let mut stop = stop_rx.clone();
        let counted = open_rx.clone();
        tokio::spawn(async move {
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
            drop(hold);
            drop(counted);
        });
    }
    drop(listener);
    drop(open_rx);
    let _ = stop.send(true);
    tokio::select! {
        () = open.closed() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("some connections were still open after the drain period");
        }
    }
}
