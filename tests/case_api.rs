//! The case-status API over real HTTP on loopback.
//!
//! - Against the sandbox: every demo case, looked up by the client and put through the decision
//!   rules, gives the outcome and entry node the demo promises; users, service status, token.
//! - Against a fake server (wiremock) and a raw socket: each way a backend fails (timeout, 500,
//!   503 with a maintenance body, 429 with Retry-After, 401, 404, malformed JSON, an HTML page,
//!   unknown values, a huge or endless body) gives a typed error or a tolerated answer, with the
//!   retries counted on the server; the circuit breaker opens and recovers.
//! - The webhook check behind a small route: good, bad and missing signature, stale, replay,
//!   malformed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use chrono_tz::Asia::Shanghai;
use kycdesk::cases::breaker::{BreakerConfig, BreakerState};
use kycdesk::cases::sandbox::{
    self, Fault, MaintenanceMode, RunningSandbox, SandboxConfig, SandboxState,
};
use kycdesk::cases::{
    CaseClient, CaseClientConfig, CaseError, CaseStatus, Cause, Malformed, ReplayGuard, decide,
    decide_failure, decide_service_status, decide_user_cases, verify_webhook,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-Zq9";

/// A client tuned for tests: short timeouts and backoffs, a breaker that stays out of the way.
fn quick_config(base: &str) -> CaseClientConfig {
    let mut config = CaseClientConfig::new(base, TOKEN).expect("valid config");
    config.connect_timeout = Duration::from_millis(500);
    config.total_timeout = Duration::from_millis(1500);
    config.backoff_base = Duration::from_millis(10);
    config.backoff_max = Duration::from_millis(40);
    config.breaker = BreakerConfig {
        failure_threshold: 1000,
        cool_down: Duration::from_secs(1),
    };
    config
}

fn client(config: CaseClientConfig) -> CaseClient {
    CaseClient::new(config).expect("client")
}

fn no_failures() -> BTreeMap<String, u32> {
    BTreeMap::new()
}

fn entry(flow: &str, node: &str) -> Option<(String, String)> {
    Some((flow.to_string(), node.to_string()))
}

// ------------------------------------------------------------------------------------------------
// Against the sandbox
// ------------------------------------------------------------------------------------------------

async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    let state = SandboxState::demo(config).expect("demo data");
    sandbox::spawn_on_loopback(state).await.expect("bind")
}

async fn sandbox() -> RunningSandbox {
    sandbox_with(SandboxConfig {
        token: TOKEN.into(),
        slow_delay: Duration::from_secs(3),
        maintenance: Some(MaintenanceMode::Scheduled),
    })
    .await
}

/// What a demo case must lead to: (case id, outcome, entry).
type Expectation = (&'static str, &'static str, Option<(String, String)>);

fn demo_expectations() -> Vec<Expectation> {
    vec![
        (
            "KYC-DEMO-PHOTO",
            "fixable",
            entry("photo_quality", "photo_glare"),
        ),
        (
            "KYC-DEMO-INFO",
            "fixable",
            entry("info_mismatch", "id_number_mismatch"),
        ),
        (
            "KYC-DEMO-NETWORK",
            "fixable",
            entry("network", "upload_interrupted"),
        ),
        ("KYC-DEMO-MAINT", "maintenance", None),
        ("KYC-DEMO-BANNED", "handover", None),
        (
            "KYC-DEMO-EXPIRED",
            "fixable",
            entry("document_expired", "document_expired"),
        ),
        (
            "KYC-DEMO-FACE",
            "fixable",
            entry("face_liveness", "liveness_failed"),
        ),
        (
            "KYC-DEMO-VIDEO",
            "fixable",
            entry("video_device", "camera_permission_denied"),
        ),
        (
            "KYC-DEMO-SMS",
            "fixable",
            entry("sms_code", "sms_code_expired"),
        ),
        (
            "KYC-DEMO-DOC",
            "fixable",
            entry("unsupported_document", "document_type_unsupported"),
        ),
        (
            "KYC-DEMO-DUP",
            "handover",
            entry("duplicate_account", "duplicate_identity"),
        ),
        (
            "KYC-DEMO-UNDERAGE",
            "handover",
            entry("underage", "underage"),
        ),
        (
            "KYC-DEMO-OTHER",
            "handover",
            entry("other", "manual_rejection"),
        ),
        (
            "KYC-DEMO-RARE-NAME",
            "handover",
            entry("info_mismatch", "rare_character_name"),
        ),
        ("KYC-DEMO-PENDING", "pending", None),
        ("KYC-DEMO-OVERDUE", "overdue", None),
        ("KYC-DEMO-APPROVED", "approved", None),
        ("KYC-DEMO-COOLDOWN", "cooldown", None),
        ("KYC-DEMO-NO-ATTEMPTS", "handover", None),
        ("KYC-DEMO-FINAL", "handover", None),
        (
            "KYC-DEMO-MULTI",
            "fixable",
            entry("photo_quality", "photo_blurry"),
        ),
        ("KYC-DEMO-UNKNOWN", "unavailable", None),
    ]
}

#[tokio::test]
async fn every_demo_case_leads_where_the_demo_promises() {
    let running = sandbox().await;
    let client = client(quick_config(&running.base_url()));
    let expectations = demo_expectations();

    let listed: Vec<String> = running.state.data().case_ids();
    let covered: Vec<&str> = expectations.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(
        listed, covered,
        "every demo case has an expectation, in file order"
    );

    for (case_id, outcome, expected_entry) in expectations {
        let case = client.get_case(case_id).await.expect(case_id);
        assert_eq!(case.case_id, case_id);
        let decision = decide(&case, Utc::now(), Shanghai, &no_failures());
        assert_eq!(decision.outcome, outcome, "{case_id}: {decision:?}");
        assert_eq!(decision.entry, expected_entry, "{case_id}");
        assert_eq!(decision.slots["case_id"], case_id);
    }
}

#[tokio::test]
async fn demo_cases_fill_the_slots_the_texts_use() {
    let running = sandbox().await;
    let client = client(quick_config(&running.base_url()));
    let now = Utc::now();
    let decide_id = async |id: &str| {
        let case = client.get_case(id).await.expect(id);
        decide(&case, now, Shanghai, &no_failures())
    };

    let pending = decide_id("KYC-DEMO-PENDING").await;
    assert!(
        pending.slots["expected_by"].ends_with("18:00"),
        "{pending:?}"
    );
    assert!(pending.slots.contains_key("working_days_left"));

    let cooldown = decide_id("KYC-DEMO-COOLDOWN").await;
    assert!(cooldown.slots.contains_key("cooldown_until"));
    assert_eq!(cooldown.slots["attempts_remaining"], "0");

    let maintenance = decide_id("KYC-DEMO-MAINT").await;
    assert!(maintenance.slots.contains_key("maintenance_until"));

    let multi = decide_id("KYC-DEMO-MULTI").await;
    assert_eq!(multi.slots["reason_code"], "PHOTO_BLURRY");
    assert_eq!(multi.slots["other_reasons"], "2");

    for sensitive in ["KYC-DEMO-BANNED", "KYC-DEMO-FINAL"] {
        let decision = decide_id(sensitive).await;
        assert!(!decision.slots.contains_key("reason_code"), "{sensitive}");
    }

    // The same case, read in UTC, shows the same moment in UTC.
    let case = client.get_case("KYC-DEMO-PENDING").await.expect("pending");
    let utc = decide(&case, now, chrono_tz::UTC, &no_failures());
    assert!(utc.slots["expected_by"].ends_with("10:00"), "{utc:?}");

    // A cause already failed twice after a guided fix: a person takes over.
    let case = client.get_case("KYC-DEMO-FACE").await.expect("face");
    let mut tried = BTreeMap::new();
    tried.insert(Cause::FaceLiveness.as_str().to_string(), 2);
    assert_eq!(decide(&case, now, Shanghai, &tried).outcome, "handover");
}

#[tokio::test]
async fn users_and_service_status_from_the_sandbox() {
    let running = sandbox().await;
    let client = client(quick_config(&running.base_url()));
    let now = Utc::now();

    let cases = client.user_cases("u_demo", 10).await.expect("u_demo");
    let ids: Vec<&str> = cases.cases.iter().map(|c| c.case_id.as_str()).collect();
    assert_eq!(ids, ["KYC-DEMO-PHOTO", "KYC-DEMO-NETWORK"], "newest first");
    let decision = decide_user_cases(&cases, now, Shanghai, &no_failures());
    assert_eq!(decision.entry, entry("photo_quality", "photo_glare"));

    let one = client.user_cases("u_demo", 1).await.expect("limit");
    assert_eq!(one.cases.len(), 1);

    let none = client.user_cases("u_new", 10).await.expect("u_new");
    assert_eq!(
        decide_user_cases(&none, now, Shanghai, &no_failures()).outcome,
        "no_case"
    );
    let ghost = client.user_cases("u_ghost", 10).await.unwrap_err();
    assert_eq!(ghost, CaseError::UserNotFound);
    assert_eq!(decide_failure(&ghost, Shanghai).outcome, "no_case");

    let missing = client.get_case("KYC-20240611-999999").await.unwrap_err();
    assert_eq!(missing, CaseError::NotFound);
    assert_eq!(decide_failure(&missing, Shanghai).outcome, "not_found");

    for (mode, outcome) in [
        (MaintenanceMode::Scheduled, "scheduled"),
        (MaintenanceMode::Active, "active"),
        (MaintenanceMode::Clear, "clear"),
    ] {
        running.state.set_maintenance_mode(mode);
        let status = client.service_status().await.expect("service status");
        let maintenance = status.maintenance.unwrap_or_default();
        let (got, slots) = decide_service_status(&maintenance, now, Shanghai);
        assert_eq!(got, outcome);
        if outcome != "clear" {
            assert!(slots.contains_key("maintenance_until"), "{mode:?}");
        }
    }

    // Maintenance under way reaches every case a user would retry, not pending or final ones.
    running.state.set_maintenance_mode(MaintenanceMode::Active);
    let photo = client.get_case("KYC-DEMO-PHOTO").await.expect("photo");
    assert_eq!(
        decide(&photo, now, Shanghai, &no_failures()).outcome,
        "maintenance"
    );
    let pending = client.get_case("KYC-DEMO-PENDING").await.expect("pending");
    assert_eq!(
        decide(&pending, now, Shanghai, &no_failures()).outcome,
        "pending"
    );
}

#[tokio::test]
async fn the_sandbox_checks_the_token() {
    let running = sandbox().await;
    let mut config = quick_config(&running.base_url());
    config.token = kycdesk::cases::ApiToken::new("wrong");
    let error = client(config).get_case("KYC-DEMO-PHOTO").await.unwrap_err();
    assert_eq!(error, CaseError::Unauthorized);
    assert_eq!(decide_failure(&error, Shanghai).outcome, "unavailable");
}

#[tokio::test]
async fn sandbox_faults_through_the_client() {
    let running = sandbox().await;
    let client = client(quick_config(&running.base_url()));
    let requests = || running.state.requests();

    let before = requests();
    let error = client.get_case("KYC-FAULT-500").await.unwrap_err();
    assert_eq!(error, CaseError::Server { status: 500 });
    assert_eq!(requests() - before, 3, "the first try and 2 retries");

    let before = requests();
    let error = client.get_case("KYC-FAULT-503").await.unwrap_err();
    assert!(
        matches!(error, CaseError::Maintenance { until: Some(_), .. }),
        "{error:?}"
    );
    assert_eq!(
        requests() - before,
        1,
        "maintenance is an answer, not retried"
    );
    assert_eq!(decide_failure(&error, Shanghai).outcome, "maintenance");

    let error = client.get_case("KYC-FAULT-GARBAGE").await.unwrap_err();
    assert_eq!(error, CaseError::Malformed(Malformed::NotJson));
    let error = client.get_case("KYC-FAULT-HTML").await.unwrap_err();
    assert_eq!(error, CaseError::Server { status: 502 });
    let error = client.get_case("KYC-FAULT-HUGE").await.unwrap_err();
    assert!(matches!(error, CaseError::TooLarge { .. }), "{error:?}");

    // Retry-After: 1 is within the cap, so it is waited out twice before giving up.
    let started = Instant::now();
    let error = client.get_case("KYC-FAULT-429").await.unwrap_err();
    assert!(matches!(error, CaseError::RateLimited { .. }), "{error:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // The sticky fault reaches every endpoint.
    running.state.set_sticky_fault(Some(Fault::Html));
    let error = client.service_status().await.unwrap_err();
    assert_eq!(error, CaseError::Server { status: 502 });
    running.state.set_sticky_fault(None);
    assert!(client.service_status().await.is_ok());

    // 503 on the service status is itself the answer: maintenance under way.
    running.state.set_sticky_fault(Some(Fault::Maintenance));
    let status = client
        .service_status()
        .await
        .expect("maintenance is an answer here");
    let maintenance = status.maintenance.unwrap_or_default();
    assert_eq!(
        decide_service_status(&maintenance, Utc::now(), Shanghai).0,
        "active"
    );
    running.state.set_sticky_fault(None);

    for error in [CaseError::Server { status: 500 }, CaseError::Timeout] {
        assert_eq!(decide_failure(&error, Shanghai).outcome, "unavailable");
    }
}

#[tokio::test]
async fn a_slow_sandbox_times_out() {
    let running = sandbox().await;
    let mut config = quick_config(&running.base_url());
    config.total_timeout = Duration::from_millis(300);
    config.max_retries = 1;
    let started = Instant::now();
    let error = client(config).get_case("KYC-FAULT-SLOW").await.unwrap_err();
    assert_eq!(error, CaseError::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

// ------------------------------------------------------------------------------------------------
// Against a fake server
// ------------------------------------------------------------------------------------------------

const CASE_PATH: &str = "/v1/cases/KYC-1";

fn case_json() -> serde_json::Value {
    serde_json::json!({
        "case_id": "KYC-1",
        "status": "resubmission_requested",
        "reasons": [{"code": "PHOTO_BLURRY", "cause": "photo_quality", "user_fixable": true,
                     "resolution": "resubmit", "sensitive": false}]
    })
}

fn problem(code: &str, status: u16) -> serde_json::Value {
    serde_json::json!({"type": "about:blank", "title": code, "status": status, "code": code})
}

async fn fake() -> (MockServer, CaseClient) {
    let server = MockServer::start().await;
    let client = client(quick_config(&server.uri()));
    (server, client)
}

#[tokio::test]
async fn every_request_has_the_token_and_a_fresh_request_id() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json()))
        .expect(2)
        .mount(&server)
        .await;
    client.get_case("KYC-1").await.expect("first");
    client.get_case("KYC-1").await.expect("second");
    let received = server.received_requests().await.expect("recording");
    let ids: Vec<String> = received
        .iter()
        .map(|r| {
            assert_eq!(r.headers["authorization"], format!("Bearer {TOKEN}"));
            let id = r.headers["x-request-id"]
                .to_str()
                .expect("ascii")
                .to_string();
            let parsed = uuid::Uuid::parse_str(&id).expect("a uuid");
            assert_eq!(parsed.get_version_num(), 4);
            id
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn a_timeout_is_retried_twice_then_reported() {
    let (server, _) = fake().await;
    let mut config = quick_config(&server.uri());
    config.total_timeout = Duration::from_millis(300);
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(case_json())
                .set_delay(Duration::from_secs(3)),
        )
        .expect(3)
        .mount(&server)
        .await;
    let started = Instant::now();
    let error = client(config).get_case("KYC-1").await.unwrap_err();
    assert_eq!(error, CaseError::Timeout);
    assert!(
        started.elapsed() < Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_500_is_retried_at_most_twice() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(500).set_body_json(problem("internal", 500)))
        .expect(3)
        .mount(&server)
        .await;
    let error = client.get_case("KYC-1").await.unwrap_err();
    assert_eq!(error, CaseError::Server { status: 500 });
}

#[tokio::test]
async fn a_passing_500_is_absorbed_by_a_retry() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json()))
        .expect(1)
        .mount(&server)
        .await;
    let case = client.get_case("KYC-1").await.expect("second try succeeds");
    assert_eq!(case.status, CaseStatus::ResubmissionRequested);
}

#[tokio::test]
async fn a_503_with_a_maintenance_body_says_until_when() {
    let (server, client) = fake().await;
    let mut body = problem("maintenance", 503);
    body["maintenance"] = serde_json::json!({"active": true, "windows": [
        {"id": "mw-1", "starts_at": "2020-01-01T00:00:00+08:00",
         "ends_at": "2099-06-15T03:00:00+08:00"}]});
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "600")
                .set_body_json(body),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client.get_case("KYC-1").await.unwrap_err();
    let decision = decide_failure(&error, Shanghai);
    assert_eq!(decision.outcome, "maintenance");
    assert_eq!(decision.slots["maintenance_until"], "2099-06-15 03:00");
    assert_eq!(
        decide_failure(&error, chrono_tz::UTC).slots["maintenance_until"],
        "2099-06-14 19:00"
    );
}

#[tokio::test]
async fn a_429_is_retried_after_the_time_it_asks_for() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(problem("rate_limited", 429)),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json()))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    client.get_case("KYC-1").await.expect("after waiting");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
}

#[tokio::test]
async fn a_429_asking_too_long_is_reported_at_once() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(problem("rate_limited", 429)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    let error = client.get_case("KYC-1").await.unwrap_err();
    assert_eq!(
        error,
        CaseError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_401_is_not_retried() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(401).set_body_json(problem("unauthorized", 401)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::Unauthorized
    );
}

#[tokio::test]
async fn a_404_is_not_found() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(404).set_body_json(problem("case_not_found", 404)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/users/u_x/cases"))
        .respond_with(ResponseTemplate::new(404).set_body_json(problem("user_not_found", 404)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::NotFound
    );
    assert_eq!(
        client.user_cases("u_x", 5).await.unwrap_err(),
        CaseError::UserNotFound
    );
}

#[tokio::test]
async fn malformed_json_is_refused_without_retrying() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"case_id": "KYC-1", "status": "appro"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/cases/KYC-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"cases": []})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::Malformed(Malformed::NotJson)
    );
    assert!(matches!(
        client.get_case("KYC-2").await.unwrap_err(),
        CaseError::Malformed(Malformed::WrongShape { .. })
    ));
}

#[tokio::test]
async fn an_html_error_page() {
    let (server, client) = fake().await;
    let page = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html"))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/cases/KYC-PORTAL"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(page, "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::Server { status: 502 }
    );
    assert_eq!(
        client.get_case("KYC-PORTAL").await.unwrap_err(),
        CaseError::Malformed(Malformed::Html)
    );
}

#[tokio::test]
async fn unknown_values_and_fields_are_tolerated() {
    let (server, client) = fake().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "case_id": "KYC-1",
            "status": "resubmission_requested",
            "rejection_type": "soft",
            "brand_new": {"deeply": ["nested", 1, null]},
            "steps": [{"step": "nfc_chip", "status": "skipped"}],
            "reasons": [{"code": "PHOTO_GLARE", "cause": "photo_quality_v2", "user_fixable": true,
                         "resolution": "resubmit", "confidence": 0.93}],
            "review": {"expected_by": "next week"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/cases/KYC-2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "case_id": "KYC-2", "status": "on_hold_by_robot"
        })))
        .mount(&server)
        .await;
    let case = client.get_case("KYC-1").await.expect("tolerated");
    assert_eq!(case.reasons[0].cause, Some(Cause::Other));
    let decision = decide(&case, Utc::now(), Shanghai, &no_failures());
    assert_eq!(decision.outcome, "fixable");
    assert_eq!(
        decision.entry,
        entry("photo_quality", "photo_glare"),
        "read from the code"
    );

    let odd = client.get_case("KYC-2").await.expect("tolerated");
    assert_eq!(odd.status, CaseStatus::Unknown);
    assert_eq!(
        decide(&odd, Utc::now(), Shanghai, &no_failures()).outcome,
        "unavailable"
    );
}

#[tokio::test]
async fn a_huge_body_is_refused() {
    let (server, client) = fake().await;
    let mut huge = case_json();
    huge["padding"] = serde_json::Value::String("x".repeat(3 * 1024 * 1024));
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(huge))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::TooLarge {
            limit: CaseClientConfig::DEFAULT_MAX_BODY_BYTES
        }
    );
}

/// A server that answers with an endless chunked body and counts what it managed to send. A
/// client that buffered the whole body would never return; ours stops after 1 MiB.
#[tokio::test]
async fn an_endless_body_is_read_only_up_to_the_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const CAP: usize = 128 * 1024 * 1024;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                    transfer-encoding: chunked\r\n\r\n";
        let opening = r#"{"case_id": "KYC-1", "status": "approved", "padding": ""#;
        let mut out = head.to_string();
        out.push_str(&format!("{:x}\r\n{opening}\r\n", opening.len()));
        if socket.write_all(out.as_bytes()).await.is_err() {
            return;
        }
        let payload = "x".repeat(64 * 1024);
        let chunk = format!("{:x}\r\n{payload}\r\n", payload.len());
        while counter.load(Ordering::Relaxed) < CAP {
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
            counter.fetch_add(payload.len(), Ordering::Relaxed);
        }
    });
    let mut config = quick_config(&format!("http://{addr}"));
    config.total_timeout = Duration::from_secs(10);
    let error = tokio::time::timeout(Duration::from_secs(10), client(config).get_case("KYC-1"))
        .await
        .expect("returns long before the body ends")
        .unwrap_err();
    assert!(matches!(error, CaseError::TooLarge { .. }), "{error:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = sent.load(Ordering::Relaxed);
    eprintln!("endless body: the server got {sent} bytes out before the client hung up");
    assert!(
        sent < 32 * 1024 * 1024,
        "the client stopped reading early; sent {sent}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_reported_quickly() {
    // Bind then drop: nothing listens on this port any more.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let error = client(quick_config(&format!("http://{addr}")))
        .get_case("KYC-1")
        .await
        .unwrap_err();
    assert_eq!(error, CaseError::Connect);
}

#[tokio::test]
async fn the_breaker_opens_answers_at_once_and_recovers() {
    let server = MockServer::start().await;
    let mut config = quick_config(&server.uri());
    config.max_retries = 0;
    config.breaker = BreakerConfig {
        failure_threshold: 3,
        cool_down: Duration::from_millis(400),
    };
    let client = client(config);
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    for _ in 0..3 {
        assert_eq!(
            client.get_case("KYC-1").await.unwrap_err(),
            CaseError::Server { status: 500 }
        );
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    let calls = || async { server.received_requests().await.map_or(0, |r| r.len()) };
    let before = calls().await;
    let started = Instant::now();
    for _ in 0..10 {
        assert_eq!(
            client.get_case("KYC-1").await.unwrap_err(),
            CaseError::BreakerOpen
        );
    }
    assert!(
        started.elapsed() < Duration::from_millis(250),
        "answered at once"
    );
    assert_eq!(calls().await, before, "nothing was sent while open");
    assert_eq!(
        decide_failure(&CaseError::BreakerOpen, Shanghai).outcome,
        "unavailable"
    );

    // The backend recovers; after the cool-down one trial call closes the breaker.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(CASE_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(case_json()))
        .mount(&server)
        .await;
    tokio::time::sleep(Duration::from_millis(450)).await;
    client.get_case("KYC-1").await.expect("the trial call");
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    client.get_case("KYC-1").await.expect("closed again");
}

#[tokio::test]
async fn a_failed_trial_opens_the_breaker_again() {
    let server = MockServer::start().await;
    let mut config = quick_config(&server.uri());
    config.max_retries = 0;
    config.breaker = BreakerConfig {
        failure_threshold: 1,
        cool_down: Duration::from_millis(200),
    };
    let client = client(config);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    assert!(client.get_case("KYC-1").await.is_err());
    assert_eq!(client.breaker_state(), BreakerState::Open);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::Server { status: 503 }
    );
    assert_eq!(client.breaker_state(), BreakerState::Open);
    assert_eq!(
        client.get_case("KYC-1").await.unwrap_err(),
        CaseError::BreakerOpen
    );
}

// ------------------------------------------------------------------------------------------------
// The webhook check behind a route
// ------------------------------------------------------------------------------------------------

const SECRET: &[u8] = b"whsec_case_api_test";

async fn hook_server() -> String {
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};

    async fn hook(
        State(guard): State<Arc<ReplayGuard>>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> (StatusCode, String) {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let verdict = verify_webhook(
            SECRET,
            header("x-signature"),
            header("x-timestamp"),
            &body,
            Utc::now().timestamp(),
            &guard,
        );
        match verdict {
            Ok(hint) => (StatusCode::OK, hint.case_id),
            Err(error) => (
                StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST),
                error.code().to_string(),
            ),
        }
    }

    let app = axum::Router::new()
        .route("/hooks/case-updated", axum::routing::post(hook))
        .with_state(Arc::new(ReplayGuard::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/hooks/case-updated")
}

#[tokio::test]
async fn webhook_deliveries() {
    let url = hook_server().await;
    let http = reqwest::Client::new();
    let body = r#"{"case_id": "KYC-DEMO-PHOTO", "status": "approved", "new_field": 1}"#;
    let now = Utc::now().timestamp();
    let deliver = async |signature: Option<String>, timestamp: Option<i64>, body: &str| {
        let mut request = http.post(&url).body(body.to_string());
        if let Some(signature) = signature {
            request = request.header("X-Signature", signature);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("X-Timestamp", timestamp.to_string());
        }
        let response = request.send().await.expect("delivered");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    };
    let sign = |ts: i64, body: &str| kycdesk::cases::webhook::sign(SECRET, ts, body.as_bytes());
    let good = sign(now, body);

    assert_eq!(
        deliver(Some(good.clone()), Some(now), body).await,
        (200, "KYC-DEMO-PHOTO".to_string())
    );
    assert_eq!(
        deliver(Some(good.clone()), Some(now), body).await,
        (409, "replay".to_string()),
        "the same delivery twice is not acted on twice"
    );
    assert_eq!(
        deliver(None, Some(now), body).await,
        (401, "missing-signature".to_string())
    );
    let forged = kycdesk::cases::webhook::sign(b"guessed", now, body.as_bytes());
    assert_eq!(
        deliver(Some(forged), Some(now), body).await,
        (401, "bad-signature".to_string())
    );
    assert_eq!(
        deliver(Some(sign(now - 301, body)), Some(now - 301), body).await,
        (400, "stale".to_string())
    );
    assert_eq!(
        deliver(Some(good.clone()), Some(now + 1), body).await,
        (401, "bad-signature".to_string()),
        "the timestamp is signed: a fresh one does not fit the old signature"
    );
    assert_eq!(
        deliver(Some(good.clone()), None, body).await,
        (400, "missing-timestamp".to_string())
    );
    let garbage = "{\"case_id\": ";
    let signed_garbage = sign(now, garbage);
    assert_eq!(
        deliver(Some(signed_garbage), Some(now), garbage).await,
        (422, "malformed".to_string())
    );
}
