//! What protects every response: the allowed-origins check (for CORS and, since CORS does not
//! cover them, WebSocket handshakes) and the security headers.
//!
//! The server's own origin is configured (`KYCDESK_PUBLIC_ORIGIN`), never taken from the `Host`
//! header: a page on an attacker's domain that resolves to this server (DNS rebinding) sends a
//! `Host` equal to its own origin.

use axum::http::{HeaderMap, HeaderValue, header};

/// Origins allowed to call the API from a browser: the server's public origin(s) and the sites
/// that embed the widget.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    origins: Vec<String>,
}

impl AllowedOrigins {
    /// Reads comma-separated lists (`KYCDESK_PUBLIC_ORIGIN`, `KYCDESK_ALLOWED_ORIGINS`), e.g.
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

    /// Adds more origins (the server's own).
    pub fn with(mut self, more: &str) -> Self {
        self.origins.extend(Self::parse(more).origins);
        self
    }

    pub fn list(&self) -> &[String] {
        &self.origins
    }

    /// A request's `Origin` is acceptable when absent (not a browser, or a same-origin GET) or in
    /// the list.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
            return true;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.origins.iter().any(|o| o == "*" || *o == origin)
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
            AllowedOrigins::parse("https://wallet.example.com, https://m.wallet.example.com/")
                .with("https://kyc.example.com");
        assert!(allowed.allows(&headers(None, "kyc.example.com")));
        assert!(allowed.allows(&headers(
            Some("https://wallet.example.com"),
            "kyc.example.com"
        )));
        assert!(allowed.allows(&headers(
            Some("https://m.wallet.example.com"),
            "kyc.example.com"
        )));
        assert!(allowed.allows(&headers(Some("https://kyc.example.com"), "kyc.example.com")));
        assert!(!allowed.allows(&headers(Some("https://evil.example"), "kyc.example.com")));
        assert!(!allowed.allows(&headers(
            Some("https://wallet.example.com.evil"),
            "kyc.example.com"
        )));
    }

    #[test]
    fn an_origin_equal_to_the_host_is_not_enough() {
        // DNS rebinding: the attacker's page and its Host header name the attacker's domain.
        let allowed = AllowedOrigins::parse("https://wallet.example.com");
        assert!(!allowed.allows(&headers(
            Some("http://rebind.attacker.example:8080"),
            "rebind.attacker.example:8080"
        )));
    }
}
