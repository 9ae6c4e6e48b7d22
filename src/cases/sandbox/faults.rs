//! Faults the sandbox injects on request, so demos and tests can see how the bot copes with a
//! backend that is slow, failing, rate limiting, under maintenance or answering nonsense.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One injected fault. Asked for by header `X-Sandbox-Fault: <name>`, query `?fault=<name>`, the
/// sticky fault (`PUT /sandbox/fault/<name>`), or the case id `KYC-FAULT-<NAME>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Waits (`delay_ms`, default the sandbox's slow delay), then answers normally.
    Slow,
    /// 500 with an `internal` problem body.
    Internal,
    /// 503 with a `maintenance` problem body, `Retry-After` and a maintenance object.
    Maintenance,
    /// 200 `application/json` that is not JSON.
    Garbage,
    /// 502 with a load balancer's HTML error page.
    Html,
    /// 429 with a `rate_limited` problem body and `Retry-After` (`retry_after`, default 1 s).
    RateLimited,
    /// 200 with an 8 MiB JSON body, streamed without a length.
    Huge,
}

/// Size of the `huge` body.
pub const HUGE_BYTES: usize = 8 * 1024 * 1024;

impl Fault {
    pub const ALL: [Self; 7] = [
        Self::Slow,
        Self::Internal,
        Self::Maintenance,
        Self::Garbage,
        Self::Html,
        Self::RateLimited,
        Self::Huge,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "slow" | "timeout" => Some(Self::Slow),
            "500" | "internal" => Some(Self::Internal),
            "503" | "maintenance" => Some(Self::Maintenance),
            "garbage" => Some(Self::Garbage),
            "html" => Some(Self::Html),
            "429" | "rate_limited" => Some(Self::RateLimited),
            "huge" => Some(Self::Huge),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slow => "slow",
            Self::Internal => "500",
            Self::Maintenance => "503",
            Self::Garbage => "garbage",
            Self::Html => "html",
            Self::RateLimited => "429",
            Self::Huge => "huge",
        }
    }
}

/// What a fault response needs to know.
pub(super) struct FaultContext {
    pub retry_after_secs: u64,
    /// The maintenance object to put in a 503 (times resolved).
    pub maintenance: Value,
}

/// The response of every fault but `Slow` (which only delays).
pub(super) fn respond(fault: Fault, context: FaultContext) -> Response {
    match fault {
        Fault::Slow => StatusCode::NO_CONTENT.into_response(),
        Fault::Internal => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some("internal"),
            "Internal error",
            "The sandbox was asked to fail.",
            None,
        ),
        Fault::Maintenance => {
            let mut response = problem(
                StatusCode::SERVICE_UNAVAILABLE,
                Some("maintenance"),
                "Under maintenance",
                "Verification is under maintenance.",
                Some(("maintenance", context.maintenance)),
            );
            set_retry_after(&mut response, 600);
            response
        }
        Fault::RateLimited => {
            let mut response = problem(
                StatusCode::TOO_MANY_REQUESTS,
                Some("rate_limited"),
                "Too many requests",
                "Slow down.",
                None,
            );
            set_retry_after(&mut response, context.retry_after_secs);
            response
        }
        Fault::Garbage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            Bytes::from_static(b"{\"case_id\": \"KYC-FAULT-GARBAGE\", \"status\": \x00\xff]]} <<<"),
        )
            .into_response(),
        Fault::Html => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n\
             <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n",
        )
            .into_response(),
        Fault::Huge => {
            const CHUNK: usize = 64 * 1024;
            let head = Bytes::from_static(b"{\"case_id\": \"KYC-FAULT-HUGE\", \"status\": \"approved\", \"padding\": \"");
            let padding = Bytes::from(vec![b'x'; CHUNK]);
            let chunks = HUGE_BYTES / CHUNK;
            let stream = futures::stream::iter(
                std::iter::once(head)
                    .chain(std::iter::repeat_n(padding, chunks))
                    .chain(std::iter::once(Bytes::from_static(b"\"}")))
                    .map(Ok::<_, Infallible>),
            );
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
                .into_response()
        }
    }
}

/// An `application/problem+json` response with the contract's `code`.
pub(super) fn problem(
    status: StatusCode,
    code: Option<&str>,
    title: &str,
    detail: &str,
    extra: Option<(&str, Value)>,
) -> Response {
    let mut body = json!({
        "type": code.map_or_else(
            || "about:blank".to_string(),
            |c| format!("https://kycdesk.example/problems/{c}")
        ),
        "title": title,
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    if let (Some((key, value)), Some(object)) = (extra, body.as_object_mut()) {
        object.insert(key.to_string(), value);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn set_retry_after(response: &mut Response, seconds: u64) {
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for fault in Fault::ALL {
            assert_eq!(Fault::parse(fault.as_str()), Some(fault));
        }
        assert_eq!(Fault::parse(" TIMEOUT "), Some(Fault::Slow));
        assert_eq!(Fault::parse("teapot"), None);
    }

    #[test]
    fn responses_have_the_promised_status_and_headers() {
        let context = || FaultContext {
            retry_after_secs: 2,
            maintenance: json!({"active": true}),
        };
        let status = |f| respond(f, context()).status().as_u16();
        assert_eq!(status(Fault::Internal), 500);
        assert_eq!(status(Fault::Maintenance), 503);
        assert_eq!(status(Fault::Html), 502);
        assert_eq!(status(Fault::Garbage), 200);
        assert_eq!(status(Fault::Huge), 200);
        let limited = respond(Fault::RateLimited, context());
        assert_eq!(limited.status().as_u16(), 429);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "2");
        let maintenance = respond(Fault::Maintenance, context());
        assert_eq!(maintenance.headers()[header::RETRY_AFTER], "600");
        assert_eq!(
            maintenance.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}
