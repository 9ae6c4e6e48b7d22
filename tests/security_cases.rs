//! Who may see a case: its reasons, dates and status only for the conversation's verified user
//! who holds it. Without a signed-in user nothing is looked up; someone else's case, or a case
//! with no holder, gets exactly the answer of a case that does not exist; only the holder may
//! follow a case, and a follow-up is told only to the holder (older subscriptions of anyone else
//! are dropped).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use kycdesk::cases::sandbox::{RunningSandbox, SandboxConfig, SandboxState, spawn_on_loopback};
use kycdesk::cases::{CaseAccess, CaseClient, CaseClientConfig};
use kycdesk::i18n::Lang;
use kycdesk::photo::PhotoConfig;
use kycdesk::runtime::followups::FollowUps;
use kycdesk::runtime::{ActionContext, Actions, BotActions, Content, Inbound, Runtime, Turn};
use kycdesk::store::{ConversationKey, FollowTopic, SledStore, Store, Subscription};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct World {
    runtime: Runtime,
    actions: Arc<BotActions>,
    client: Arc<CaseClient>,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn world_on(base_url: &str, access: CaseAccess) -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = SledStore::open(dir.path()).expect("store");
    let client = Arc::new(
        CaseClient::new(CaseClientConfig::new(base_url, "").expect("config")).expect("client"),
    );
    let actions = Arc::new(
        BotActions::new(PhotoConfig::default())
            .with_cases(client.clone(), chrono_tz::Asia::Shanghai)
            .with_case_access(access)
            .with_store(store.clone()),
    );
    let runtime = common::runtime_with(actions.clone(), store.clone());
    World {
        runtime,
        actions,
        client,
        store,
        _dir: dir,
    }
}

async fn sandbox() -> RunningSandbox {
    spawn_on_loopback(SandboxState::demo(SandboxConfig::default()).expect("demo"))
        .await
        .expect("sandbox")
}

async fn tell(world: &World, key: &str, lang: Lang, text: &str, user: Option<&str>) -> Turn {
    let key = ConversationKey::new("test", key).expect("key");
    let mut inbound = Inbound::new(Content::Text(text.into()), lang);
    inbound.user_ref = user.map(String::from);
    world
        .runtime
        .handle(&key, inbound, chrono::Utc::now())
        .await
        .expect("stored")
}

/// What a turn shows: its node, every text and every button, in order.
fn shown(turn: &Turn) -> (String, Vec<String>) {
    let mut all = Vec::new();
    for m in &turn.messages {
        all.push(m.text.clone());
        all.extend(m.buttons.iter().map(|b| format!("[{}] {}", b.id, b.label)));
    }
    (turn.node.clone(), all)
}

/// The slots a conversation holds after a turn, without the case id the user typed.
async fn slots_without_case_id(world: &World, key: &str) -> BTreeMap<String, String> {
    let key = ConversationKey::new("test", key).expect("key");
    let mut slots = world
        .store
        .load(&key)
        .await
        .expect("load")
        .expect("stored")
        .session
        .state
        .slots;
    slots.remove("case_id");
    slots
}

#[tokio::test]
async fn without_a_signed_in_user_nothing_is_looked_up_and_sign_in_is_explained() {
    let sandbox = sandbox().await;
    let world = world_on(&sandbox.base_url(), CaseAccess::HolderOnly);
    for (lang, text, sign_in, reason) in [
        (
            Lang::En,
            "where is my review, case KYC-DEMO-INFO",
            "wallet app",
            "ID number",
        ),
        (
            Lang::ZhCn,
            "查一下我的认证进度，案件号 KYC-DEMO-INFO",
            "钱包 App",
            "身份证号",
        ),
    ] {
        let before = sandbox.state.requests();
        let turn = tell(&world, &format!("anon-{lang}"), lang, text, None).await;
        assert_eq!(
            sandbox.state.requests(),
            before,
            "no lookup without a verified user"
        );
        assert_eq!(turn.node, "status.sign_in", "{}", common::said(&turn));
        let said = common::said(&turn);
        assert!(said.contains(sign_in), "explains how to sign in: {said}");
        assert!(!said.contains(reason), "no reason of the case: {said}");
        assert!(!said.contains("KYC-DEMO-INFO"), "{said}");
    }
    // "It failed": told how to sign in, then the questions go on.
    let before = sandbox.state.requests();
    let turn = tell(
        &world,
        "anon-failed",
        Lang::En,
        "I failed, my case is KYC-DEMO-PHOTO",
        None,
    )
    .await;
    assert_eq!(sandbox.state.requests(), before);
    assert_eq!(
        turn.node,
        "verification_failed.which",
        "{}",
        common::said(&turn)
    );
    assert!(common::said(&turn).contains("wallet app"));
    assert!(!common::said(&turn).to_lowercase().contains("glare"));
}

#[tokio::test]
async fn someone_elses_case_is_answered_as_a_case_that_does_not_exist() {
    let sandbox = sandbox().await;
    let world = world_on(&sandbox.base_url(), CaseAccess::HolderOnly);
    for lang in [Lang::En, Lang::ZhCn] {
        let ask = |id: &str| match lang {
            Lang::En => format!("where is my review, case {id}"),
            Lang::ZhCn => format!("查一下我的认证进度，案件号 {id}"),
        };
        let other = format!("other-{lang}");
        let missing = format!("missing-{lang}");
        // u_demo asks about u_info's case, and about a case that does not exist.
        let theirs = tell(&world, &other, lang, &ask("KYC-DEMO-INFO"), Some("u_demo")).await;
        let nobodys = tell(
            &world,
            &missing,
            lang,
            &ask("KYC-20240611-999999"),
            Some("u_demo"),
        )
        .await;
        assert_eq!(shown(&theirs), shown(&nobodys));
        assert_eq!(theirs.node, "status.not_found");
        assert_eq!(
            slots_without_case_id(&world, &other).await,
            slots_without_case_id(&world, &missing).await
        );
        // The holder sees it.
        let own = tell(
            &world,
            &format!("own-{lang}"),
            lang,
            &ask("KYC-DEMO-INFO"),
            Some("u_info"),
        )
        .await;
        assert_eq!(
            own.node,
            "info_mismatch.id_number_mismatch",
            "{}",
            common::said(&own)
        );
    }
}

#[tokio::test]
async fn a_case_without_a_holder_counts_as_someone_elses() {
    let server = MockServer::start().await;
    for (id, holder) in [
        ("KYC-20240611-000001", None),
        ("KYC-20240611-000002", Some("")),
        ("KYC-20240611-000003", Some("u_someone")),
    ] {
        let mut case = serde_json::json!({
            "case_id": id, "status": "resubmission_requested", "rejection_type": "retry",
            "reasons": [{"code": "PHOTO_GLARE", "step": "id_upload"}]
        });
        if let Some(holder) = holder {
            case["user_ref"] = holder.into();
        }
        Mock::given(method("GET"))
            .and(path(format!("/v1/cases/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(case))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/v1/cases/KYC-20240611-000009"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("content-type", "application/problem+json")
                .set_body_json(serde_json::json!({
                    "type": "about:blank", "title": "Case not found", "status": 404,
                    "code": "case_not_found"
                })),
        )
        .mount(&server)
        .await;
    let world = world_on(&server.uri(), CaseAccess::HolderOnly);
    let missing = tell(
        &world,
        "missing",
        Lang::En,
        "where is my review, case KYC-20240611-000009",
        Some("u_me"),
    )
    .await;
    assert_eq!(
        missing.node,
        "status.not_found",
        "{}",
        common::said(&missing)
    );
    for (i, id) in [
        "KYC-20240611-000001",
        "KYC-20240611-000002",
        "KYC-20240611-000003",
    ]
    .iter()
    .enumerate()
    {
        // An empty user (a channel bug) is no holder either.
        for user in ["u_me", ""] {
            let key = format!("holderless-{i}-{}", user.len());
            let turn = tell(
                &world,
                &key,
                Lang::En,
                &format!("where is my review, case {id}"),
                Some(user),
            )
            .await;
            assert_eq!(shown(&turn), shown(&missing), "{id} for {user:?}");
            assert_eq!(
                slots_without_case_id(&world, &key).await,
                slots_without_case_id(&world, "missing").await
            );
        }
    }
}

#[tokio::test]
async fn a_signed_in_user_sees_only_their_own_cases_by_user() {
    let server = MockServer::start().await;
    // A backend that lists a case of someone else first: it is not shown.
    Mock::given(method("GET"))
        .and(path("/v1/users/u_me/cases"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "cases": [
                {"case_id": "KYC-20240611-000001", "user_ref": "u_else", "status": "approved"},
                {"case_id": "KYC-20240611-000002", "user_ref": "u_me", "status": "pending_review"}
            ],
            "next_cursor": null
        })))
        .mount(&server)
        .await;
    let world = world_on(&server.uri(), CaseAccess::HolderOnly);
    let turn = tell(&world, "mine", Lang::En, "where is my review", Some("u_me")).await;
    assert_eq!(turn.node, "status.pending", "{}", common::said(&turn));
    assert!(!common::said(&turn).contains("000001"));
}

#[tokio::test]
async fn only_the_holder_may_follow_a_case() {
    let sandbox = sandbox().await;
    let world = world_on(&sandbox.base_url(), CaseAccess::HolderOnly);
    let key = ConversationKey::new("test", "follow-other").expect("key");
    let mut state = world.runtime.engine().new_state(Lang::En);
    state
        .slots
        .insert("case_id".into(), "KYC-DEMO-PENDING".into());
    state
        .slots
        .insert("case_status".into(), "pending_review".into());
    let params = BTreeMap::new();
    let follow = async |user: Option<&str>| {
        let ctx = ActionContext {
            photo: None,
            user_ref: user,
            key: Some(&key),
            fresh_case: None,
            now: chrono::Utc::now(),
        };
        world
            .actions
            .perform("subscribe_followup", &params, &state, &ctx)
            .await
            .outcome
    };
    assert_eq!(follow(None).await, "unavailable");
    assert_eq!(follow(Some("u_demo")).await, "unavailable");
    assert!(
        world.store.subscriptions().await.expect("read").is_empty(),
        "a stranger follows nothing"
    );
    assert_eq!(follow(Some("u_pending")).await, "subscribed");
    assert_eq!(world.store.subscriptions().await.expect("read").len(), 1);
}

#[tokio::test]
async fn a_follow_up_is_told_only_to_the_holder_and_others_are_dropped() {
    let sandbox = sandbox().await;
    let world = world_on(&sandbox.base_url(), CaseAccess::HolderOnly);
    let now = chrono::Utc::now();
    // The holder follows their case through the conversation.
    let holder = ConversationKey::new("test", "holder").expect("key");
    let turn = tell(
        &world,
        "holder",
        Lang::En,
        "where is my review, case KYC-DEMO-PENDING",
        Some("u_pending"),
    )
    .await;
    assert_eq!(turn.node, "status.pending", "{}", common::said(&turn));
    let mut notify = Inbound::new(Content::Button("notify".into()), Lang::En);
    notify.user_ref = Some("u_pending".into());
    let turn = world
        .runtime
        .handle(&holder, notify, now)
        .await
        .expect("stored");
    assert_eq!(turn.node, "status.subscribed", "{}", common::said(&turn));
    // Subscriptions stored before the rule: another signed-in user's and an anonymous one's.
    for (id, user) in [("stranger", Some("u_demo")), ("anonymous", None)] {
        tell(&world, id, Lang::En, "hello", user).await;
        world
            .store
            .subscribe(Subscription {
                key: ConversationKey::new("test", id).expect("key"),
                topic: FollowTopic::Case("KYC-DEMO-PENDING".into()),
                created_at: now,
                last_seen: Some("pending_review".into()),
                diagnosed_cause: None,
            })
            .await
            .expect("subscribed");
    }
    sandbox
        .state
        .set_case_status("KYC-DEMO-PENDING", "approved");
    let followups = FollowUps::new(world.runtime.clone(), world.client.clone());
    let told = followups
        .case_changed("KYC-DEMO-PENDING", now)
        .await
        .expect("looked up");
    assert_eq!(told, 1, "only the holder is told");
    let remaining = world.store.subscriptions().await.expect("read");
    assert!(
        remaining.iter().all(|s| s.key == holder),
        "the others' subscriptions are dropped: {remaining:?}"
    );
    let pending = world.store.pending_outbox(None, 10).await.expect("outbox");
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert_eq!(pending[0].key, holder);
    assert_eq!(pending[0].turn.node, "status.approved");
}
