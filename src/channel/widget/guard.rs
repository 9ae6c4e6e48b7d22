//! What protects the widget's API: the allowed-origins check (for CORS and, since CORS does not
//! cover them, WebSocket handshakes), per-visitor and per-IP rate limits (applied to socket frames
//! too, which bypass HTTP middleware), and the security headers of every response.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};

/// Origins allowed to embed the widget. The server's own origin is always allowed.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    origins: Vec<String>,
}

impl AllowedOrigins {
    /// Reads a comma-separated list (`KYCDESK_ALLOWED_ORIGINS`), e.g.
    /// `https://wallet.example.com,https://m.wallet.example.com`.
    pub fn parse(list: &str) -> Self {
        Self {
            origins: list
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .filter(|o| !o.is_empty())
                .collect(),
        }
    }

    pub fn list(&self) -> &[String] {
        &self.origins
    }

    /// A request's `Origin` is acceptable when absent (not a browser, or same-origin GET), equal
    /// to the server's own origin (`Host`), or in the list.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
            return true;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.origins.iter().any(|o| o == "*" || *o == origin) {
            return true;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        match (host, origin.split_once("://")) {
            (Some(host), Some((_, origin_host))) => origin_host == host,
            _ => false,
        }
    }
}

/// A token bucket per key: `burst` messages at once, refilled at `per_second`.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: f64::from(burst),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long to wait for one.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets: they are the same as new ones.
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - *tokens) / self.per_second;
            Err(Duration::from_secs_f64(wait.max(0.001)))
        }
    }
}

/// Headers every response carries: no framing by other sites except where the widget runs
/// (the widget is a script in the host page, not a frame), no sniffing, a strict CSP for our
/// own pages (scripts and styles from this origin only), no referrer leaks.
pub fn security_headers(headers: &mut HeaderMap) {
    let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'",
    );
    set(
        headers,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(self), microphone=(), geolocation=()",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).expect("header"));
        }
        h.insert(header::HOST, HeaderValue::from_str(host).expect("header"));
        h
    }

    #[test]
    fn origins() {
        let allowed =
            AllowedOrigins::parse("https://wallet.example.com, https://m.wallet.example.com/");
        assert!(allowed.allows(&headers(None, "kyc.example.com")));
        assert!(allowed.allows(&headers(
            Some("https://wallet.example.com"),
            "kyc.example.com"
        )));
        assert!(allowed.allows(&headers(
            Some("https://m.wallet.example.com"),
            "kyc.example.com"
        )));
        assert!(allowed.allows(&headers(Some("http://kyc.example.com"), "kyc.example.com")));
        assert!(!allowed.allows(&headers(Some("https://evil.example"), "kyc.example.com")));
        assert!(!allowed.allows(&headers(
            Some("https://wallet.example.com.evil"),
            "kyc.example.com"
        )));
    }

    #[test]
    fn a_flood_is_limited_and_told_when_to_retry() {
        let limiter = RateLimiter::new(1.0, 3);
        for _ in 0..3 {
            assert!(limiter.check("v1").is_ok());
        }
        let wait = limiter.check("v1").expect_err("limited");
        assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1));
        assert!(
            limiter.check("v2").is_ok(),
            "other visitors are not affected"
        );
    }
}
