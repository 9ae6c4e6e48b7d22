//! The case-update webhook cannot be replayed or forged into a message: the signature covers the
//! timestamp and the body, the same delivery is accepted once, and a delivery is only a hint:
//! the case is read again from the case API, and only what the API says is told.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use kycdesk::cases::sandbox::{RunningSandbox, SandboxConfig, SandboxState, spawn_on_loopback};
use kycdesk::cases::webhook::sign;
use kycdesk::cases::{CaseAccess, CaseClient, CaseClientConfig, ReplayGuard};
use kycdesk::channel::hooks::{self, HookState};
use kycdesk::i18n::Lang;
use kycdesk::photo::PhotoConfig;
use kycdesk::runtime::followups::FollowUps;
use kycdesk::runtime::{BotActions, Content, Inbound, Runtime};
use kycdesk::store::{ConversationKey, SledStore};

const SECRET: &[u8] = b"hook-secret";

struct World {
    runtime: Runtime,
    sandbox: RunningSandbox,
    url: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// The holder `u_pending` follows the pending case `KYC-DEMO-PENDING`; the hook listens.
async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path()).expect("store");
    let sandbox = spawn_on_loopback(SandboxState::demo(SandboxConfig::default()).expect("demo"))
        .await
        .expect("sandbox");
    let client = Arc::new(
        CaseClient::new(CaseClientConfig::new(&sandbox.base_url(), "").expect("config"))
            .expect("client"),
    );
    let actions = BotActions::new(PhotoConfig::default())
        .with_cases(client.clone(), chrono_tz::Asia::Shanghai)
        .with_case_access(CaseAccess::HolderOnly)
        .with_store(store.clone());
    let runtime = common::runtime_with(Arc::new(actions), store);

    let key = ConversationKey::new("test", "holder").expect("key");
    let mut ask = Inbound::new(
        Content::Text("where is my review, case KYC-DEMO-PENDING".into()),
        Lang::En,
    );
    ask.user_ref = Some("u_pending".into());
    let turn = runtime
        .handle(&key, ask, chrono::Utc::now())
        .await
        .expect("stored");
    assert_eq!(turn.node, "status.pending", "{}", common::said(&turn));
    let mut notify = Inbound::new(Content::Button("notify".into()), Lang::En);
    notify.user_ref = Some("u_pending".into());
    let turn = runtime
        .handle(&key, notify, chrono::Utc::now())
        .await
        .expect("stored");
    assert_eq!(turn.node, "status.subscribed", "{}", common::said(&turn));

    let state = HookState {
        followups: FollowUps::new(runtime.clone(), client),
        secret: Arc::new(SECRET.to_vec()),
        seen: Arc::new(ReplayGuard::new(1000)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, hooks::router(state)).await;
    });
    World {
        runtime,
        sandbox,
        url: format!("http://{addr}/hooks/case-updated"),
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl World {
    /// Delivers `body` with these headers; the status and the parsed answer.
    async fn deliver(
        &self,
        body: &str,
        signature: &str,
        timestamp: i64,
    ) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(&self.url)
            .header("x-signature", signature)
            .header("x-timestamp", timestamp.to_string())
            .body(body.to_string())
            .send()
            .await
            .expect("delivered");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Every turn waiting to be pushed, as (node, texts).
    async fn outbox(&self) -> Vec<(String, String)> {
        self.runtime
            .store()
            .pending_outbox(None, 100)
            .await
            .expect("outbox")
            .iter()
            .map(|item| (item.turn.node.clone(), common::said(&item.turn)))
            .collect()
    }
}

fn approved_body() -> String {
    serde_json::json!({
        "case_id": "KYC-DEMO-PENDING", "user_ref": "u_pending", "status": "approved",
        "updated_at": "2026-06-01T10:00:00+08:00"
    })
    .to_string()
}

#[tokio::test]
async fn a_body_signed_without_its_timestamp_is_refused() {
    let world = world().await;
    let body = approved_body();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET).expect("key");
    mac.update(body.as_bytes());
    let body_only = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let now = chrono::Utc::now().timestamp();
    let (status, answer) = world.deliver(&body, &body_only, now).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["code"], "bad-signature");
    assert!(world.outbox().await.is_empty());
}

#[tokio::test]
async fn a_captured_delivery_cannot_be_replayed_with_a_fresh_timestamp() {
    let world = world().await;
    world
        .sandbox
        .state
        .set_case_status("KYC-DEMO-PENDING", "approved");
    let body = approved_body();
    let now = chrono::Utc::now().timestamp();
    let captured = sign(SECRET, now, body.as_bytes());
    let (status, answer) = world.deliver(&body, &captured, now).await;
    assert_eq!(
        (status, answer["told"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    // Replayed as is: refused as already accepted.
    let (status, answer) = world.deliver(&body, &captured, now).await;
    assert_eq!(status, 409, "{answer}");
    // Replayed with a fresh timestamp: the signature no longer fits.
    for later in [now + 1, now + 60, now + 3600] {
        let (status, answer) = world.deliver(&body, &captured, later).await;
        assert_eq!(status, 401, "{later}: {answer}");
    }
    assert_eq!(world.outbox().await.len(), 1, "told once");
}

#[tokio::test]
async fn the_same_delivery_twice_is_refused_the_second_time() {
    let world = world().await;
    let body = approved_body();
    let now = chrono::Utc::now().timestamp();
    let signature = sign(SECRET, now, body.as_bytes());
    let (first, _) = world.deliver(&body, &signature, now).await;
    let (second, answer) = world.deliver(&body, &signature, now).await;
    assert_eq!((first, second), (200, 409), "{answer}");
    assert_eq!(answer["code"], "replay");
}

#[tokio::test]
async fn a_delivery_is_only_a_hint_and_the_case_api_is_believed() {
    let world = world().await;
    // Validly signed, claiming approval, while the case API still says pending_review.
    let body = approved_body();
    let now = chrono::Utc::now().timestamp();
    let requests = world.sandbox.state.requests();
    let (status, answer) = world
        .deliver(&body, &sign(SECRET, now, body.as_bytes()), now)
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["told"], 0, "nothing changed according to the API");
    assert_eq!(
        world.sandbox.state.requests(),
        requests + 1,
        "one lookup, and only one"
    );
    let outbox = world.outbox().await;
    assert!(
        outbox
            .iter()
            .all(|(node, said)| node != "status.approved" && !said.contains("passed")),
        "nobody is told about an approval: {outbox:?}"
    );
    // A delivery naming a case nobody follows costs no lookup at all.
    let nobody =
        serde_json::json!({"case_id": "KYC-DEMO-APPROVED", "status": "approved"}).to_string();
    let requests = world.sandbox.state.requests();
    let (status, answer) = world
        .deliver(&nobody, &sign(SECRET, now + 1, nobody.as_bytes()), now + 1)
        .await;
    assert_eq!((status, answer["told"].as_u64()), (200, Some(0)));
    assert_eq!(world.sandbox.state.requests(), requests);
    // When the API does move on, the holder is told what the API says.
    world
        .sandbox
        .state
        .set_case_status("KYC-DEMO-PENDING", "approved");
    let (status, answer) = world
        .deliver(&body, &sign(SECRET, now + 2, body.as_bytes()), now + 2)
        .await;
    assert_eq!(
        (status, answer["told"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    let outbox = world.outbox().await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].0, "status.approved");
}

#[tokio::test]
async fn a_delivery_that_cannot_be_checked_may_be_delivered_again() {
    let world = world().await;
    world
        .sandbox
        .state
        .set_case_status("KYC-DEMO-PENDING", "approved");
    world
        .sandbox
        .state
        .set_sticky_fault(Some(kycdesk::cases::sandbox::Fault::Internal));
    let body = approved_body();
    let now = chrono::Utc::now().timestamp();
    let signature = sign(SECRET, now, body.as_bytes());
    let (status, answer) = world.deliver(&body, &signature, now).await;
    assert_eq!(status, 503, "{answer}");
    assert!(world.outbox().await.is_empty());
    world.sandbox.state.set_sticky_fault(None);
    let (status, answer) = world.deliver(&body, &signature, now).await;
    assert_eq!(
        (status, answer["told"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
}
