//! The human handoff through the runtime and the desk: tickets open with the turn, the queue
//! keeps its order, one agent holds a conversation, messages are relayed both ways and nothing is
//! lost across a restart.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use kycdesk::handoff::presence::Presence;
use kycdesk::i18n::Lang;
use kycdesk::runtime::desk::{Desk, DeskError};
use kycdesk::runtime::{CANCEL_BUTTON, Content, Delivery, Inbound, Runtime, Turn};
use kycdesk::store::{
    AgentRole, ConversationKey, EntryKind, HandoffReason, Priority, TicketOutcome, TicketStatus,
};

fn key(id: &str) -> ConversationKey {
    ConversationKey::new("widget", id).expect("key")
}

async fn say(runtime: &Runtime, k: &ConversationKey, content: Content, at: DateTime<Utc>) -> Turn {
    let mut inbound = Inbound::new(content, Lang::En);
    inbound.delivery = Delivery::Outbox;
    runtime.handle(k, inbound, at).await.expect("turn")
}

async fn text(runtime: &Runtime, k: &ConversationKey, words: &str) -> Turn {
    say(runtime, k, Content::Text(words.into()), common::now()).await
}

/// A conversation that asked for a person; returns its ticket id.
async fn escalated(runtime: &Runtime, k: &ConversationKey) -> String {
    escalated_at(runtime, k, common::now()).await
}

async fn escalated_at(runtime: &Runtime, k: &ConversationKey, at: DateTime<Utc>) -> String {
    say(runtime, k, Content::Start, at).await;
    let turn = say(
        runtime,
        k,
        Content::Text("I want to talk to a real person".into()),
        at,
    )
    .await;
    assert!(turn.handoff, "a ticket opened: {}", common::said(&turn));
    assert_eq!(turn.node, "handoff.queued");
    runtime
        .store()
        .load(k)
        .await
        .expect("load")
        .expect("stored")
        .ticket
        .expect("the conversation follows its ticket")
}

#[tokio::test]
async fn asking_for_a_person_opens_a_ticket_with_the_whole_story() {
    let (runtime, _dir) = common::runtime();
    common::agent_online(&runtime, "alice").await;
    let k = key("story");
    say(&runtime, &k, Content::Start, common::now()).await;
    text(&runtime, &k, "my photo was blurry").await;
    let turn = text(&runtime, &k, "转人工").await;
    assert!(turn.handoff);
    assert!(common::said(&turn).contains('1'), "{}", common::said(&turn));
    let tickets = runtime.store().tickets(true).await.expect("tickets");
    assert_eq!(tickets.len(), 1);
    let t = &tickets[0];
    assert_eq!(t.status, TicketStatus::Queued);
    assert_eq!(t.reason, HandoffReason::Asked);
    assert_eq!(t.card.causes, ["photo_quality"]);
    assert!(!t.card.user_linked);
    assert_eq!(t.version, 1);
}

#[tokio::test]
async fn with_nobody_online_no_ticket_opens_and_a_message_can_be_left() {
    let (runtime, _dir) = common::runtime();
    let k = key("nobody");
    say(&runtime, &k, Content::Start, common::now()).await;
    let turn = text(&runtime, &k, "I want a human").await;
    assert!(!turn.handoff, "no ticket without an agent");
    assert_eq!(turn.node, "handoff.no_agent");
    let turn = say(&runtime, &k, Content::Button("leave".into()), common::now()).await;
    assert_eq!(turn.node, "handoff.leave");
    let turn = text(
        &runtime,
        &k,
        "Please call me back about my ID 110105194912310021",
    )
    .await;
    assert!(turn.handoff, "leaving a message opens a ticket");
    assert_eq!(turn.node, "handoff.left");
    let tickets = runtime.store().tickets(true).await.expect("tickets");
    assert_eq!(tickets[0].status, TicketStatus::LeftMessage);
    let left = tickets[0].card.left_message.clone().expect("message kept");
    assert!(left.contains("Please call me back"), "{left}");
    assert!(!left.contains("110105194912310021"), "masked: {left}");
}

#[tokio::test]
async fn three_misunderstandings_or_anger_offer_a_person() {
    let (runtime, _dir) = common::runtime();
    let k = key("unclear");
    say(&runtime, &k, Content::Start, common::now()).await;
    let mut last = None;
    for words in ["qwzx plorb", "vvv mmm kkk", "hmm"] {
        last = Some(text(&runtime, &k, words).await);
    }
    let turn = last.expect("three turns");
    assert_eq!(turn.node, "handoff.offer", "{}", common::said(&turn));

    let k = key("angry");
    say(&runtime, &k, Content::Start, common::now()).await;
    let turn = text(&runtime, &k, "this fucking thing never works").await;
    assert_eq!(turn.node, "handoff.offer");
    let k = key("repeated");
    say(&runtime, &k, Content::Start, common::now()).await;
    text(&runtime, &k, "verification keeps failing for me").await;
    let turn = text(&runtime, &k, "Verification keeps failing for me!").await;
    assert_eq!(turn.node, "handoff.offer", "the same complaint again");
}

#[tokio::test]
async fn twenty_agents_racing_for_one_ticket_leave_exactly_one_holder() {
    let (runtime, _dir) = common::runtime();
    let mut agents = Vec::new();
    for i in 0..20 {
        agents.push(common::agent_online(&runtime, &format!("agent{i:02}")).await);
    }
    let k = key("race");
    let id = escalated(&runtime, &k).await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let claims = agents.iter().map(|a| {
        let desk = desk.clone();
        let id = id.clone();
        let a = a.clone();
        tokio::spawn(async move { desk.claim(&id, &a, common::now()).await })
    });
    let results = futures::future::join_all(claims).await;
    let mut won = 0;
    for r in results {
        match r.expect("task") {
            Ok(_) => won += 1,
            Err(DeskError::AlreadyClaimed { .. }) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(won, 1);
    let t = runtime.store().ticket(&id).await.expect("read").expect("t");
    assert_eq!(t.status, TicketStatus::Assigned);
    let audit = runtime.store().audit_log(None, 100).await.expect("audit");
    assert_eq!(audit.iter().filter(|r| r.action == "claim").count(), 1);
}

#[tokio::test]
async fn queue_places_follow_claims_cancels_and_priority() {
    let (runtime, _dir) = common::runtime();
    let alice = common::agent_online(&runtime, "alice").await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let mut ids = Vec::new();
    for n in 0..4 {
        let at = common::now() + Duration::seconds(n);
        ids.push(escalated_at(&runtime, &key(&format!("q{n}")), at).await);
    }
    let places = |desk: Desk| async move {
        let view = desk
            .queue(&alice_view(), common::now())
            .await
            .expect("queue");
        view.tickets
            .iter()
            .filter_map(|t| t.position.map(|p| (t.id.clone(), p)))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let p = places(desk.clone()).await;
    assert_eq!(ids.iter().map(|i| p[i]).collect::<Vec<_>>(), [1, 2, 3, 4]);
    // The first is claimed, the third leaves the queue: the others move up.
    desk.claim(&ids[0], &alice, common::now())
        .await
        .expect("claim");
    let turn = say(
        &runtime,
        &key("q2"),
        Content::Button(CANCEL_BUTTON.into()),
        common::now(),
    )
    .await;
    assert_eq!(turn.node, "menu.again", "{}", common::said(&turn));
    let p = places(desk.clone()).await;
    assert_eq!(p.get(&ids[1]), Some(&1));
    assert_eq!(p.get(&ids[3]), Some(&2));
    assert!(!p.contains_key(&ids[0]) && !p.contains_key(&ids[2]));
    let cancelled = runtime
        .store()
        .ticket(&ids[2])
        .await
        .expect("r")
        .expect("t");
    assert_eq!(cancelled.outcome, Some(TicketOutcome::Cancelled));
    // A transfer keeps the ticket out of the queue.
    let bob = common::agent_online(&runtime, "bob").await;
    desk.transfer(&ids[0], &alice, &bob.login, common::now())
        .await
        .expect("transfer");
    let p = places(desk.clone()).await;
    assert!(!p.contains_key(&ids[0]));
    let t = runtime
        .store()
        .ticket(&ids[0])
        .await
        .expect("r")
        .expect("t");
    assert_eq!(t.agent.as_deref(), Some("bob"));
    // Alice no longer holds it: she cannot reply.
    let err = desk
        .reply(&ids[0], &alice, "hello", common::now())
        .await
        .expect_err("not hers");
    assert!(matches!(err, DeskError::NotYours));
}

fn alice_view() -> kycdesk::store::Agent {
    kycdesk::store::Agent {
        login: "alice".into(),
        display_name: "Agent alice".into(),
        password_hash: String::new(),
        created_at: Utc::now(),
        role: AgentRole::Agent,
        languages: vec!["en".into(), "zh-CN".into()],
        capacity: 4,
        disabled: false,
    }
}

#[tokio::test]
async fn an_agent_and_a_user_talk_through_the_relay_and_the_user_rates() {
    let (runtime, _dir) = common::runtime();
    let alice = common::agent_online(&runtime, "alice").await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let mut events = desk.subscribe();
    let k = key("relay");
    let id = escalated(&runtime, &k).await;
    desk.claim(&id, &alice, common::now()).await.expect("claim");
    // The agent's words reach the user's channel (outbox), numbers masked.
    let line = desk
        .reply(
            &id,
            &alice,
            "Hi! Is 13800138000 your number?",
            common::now(),
        )
        .await
        .expect("reply");
    assert_eq!(line.kind, "agent");
    assert!(!line.text.contains("13800138000"), "{}", line.text);
    let outbox = runtime
        .store()
        .pending_outbox(None, 100)
        .await
        .expect("outbox");
    let pushed: Vec<String> = outbox
        .iter()
        .flat_map(|i| i.turn.messages.iter())
        .filter(|m| m.agent.is_some())
        .map(|m| m.text.clone())
        .collect();
    assert_eq!(pushed.len(), 1);
    assert!(pushed[0].contains("138****8000"), "{}", pushed[0]);
    // The user answers: the bot stays silent and the agent hears it live.
    let turn = text(&runtime, &k, "yes it is <script>alert(1)</script>").await;
    assert!(turn.messages.is_empty(), "{}", common::said(&turn));
    let mut heard = false;
    while let Ok(event) = events.try_recv() {
        if let kycdesk::runtime::desk::DeskEvent::Entry { ticket, entry } = event
            && ticket == id
            && entry.kind == "user"
        {
            assert!(entry.text.contains("<script>"), "kept as text");
            heard = true;
        }
    }
    assert!(heard, "the agent heard the user");
    // A note stays internal.
    desk.note(&id, &alice, "asked about the phone", common::now())
        .await
        .expect("note");
    let view = desk.view(&id, &alice, common::now()).await.expect("view");
    assert!(view.transcript.iter().any(|e| e.kind == "note"));
    assert!(view.can_act);
    let outbox = runtime
        .store()
        .pending_outbox(None, 100)
        .await
        .expect("outbox");
    assert!(
        outbox
            .iter()
            .flat_map(|i| i.turn.messages.iter())
            .all(|m| !m.text.contains("asked about the phone")),
        "notes never reach the user"
    );
    // Resolved: the user is asked to rate, and the rating lands on the ticket.
    desk.resolve(&id, &alice, common::now())
        .await
        .expect("resolve");
    let turn = say(&runtime, &k, Content::Button("r4".into()), common::now()).await;
    assert_eq!(turn.node, "handoff.comment");
    let turn = text(&runtime, &k, "quick and kind").await;
    assert_eq!(turn.node, "handoff.rated");
    let t = runtime.store().ticket(&id).await.expect("r").expect("t");
    assert_eq!(t.outcome, Some(TicketOutcome::Resolved));
    let rating = t.rating.expect("rated");
    assert_eq!(rating.stars, 4);
    assert_eq!(rating.comment.as_deref(), Some("quick and kind"));
    // The whole story is in the export, and erasure takes it all.
    let export = runtime
        .store()
        .export(&k)
        .await
        .expect("export")
        .expect("e");
    assert_eq!(export.tickets.len(), 1);
    assert!(
        export
            .transcript
            .iter()
            .any(|e| e.kind == EntryKind::AgentMessage)
    );
    assert!(
        export
            .transcript
            .iter()
            .any(|e| e.kind == EntryKind::AgentNote)
    );
    let report = runtime.store().erase_conversation(&k).await.expect("erase");
    assert_eq!(report.tickets, 1);
}

#[tokio::test]
async fn a_handed_back_conversation_resumes_where_it_was() {
    let (runtime, _dir) = common::runtime();
    let alice = common::agent_online(&runtime, "alice").await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let k = key("back");
    say(&runtime, &k, Content::Start, common::now()).await;
    let before = text(&runtime, &k, "my photo was blurry").await;
    let id = {
        let turn = text(&runtime, &k, "I want to talk to a real person").await;
        assert!(turn.handoff);
        runtime
            .store()
            .load(&k)
            .await
            .expect("l")
            .expect("c")
            .ticket
            .expect("t")
    };
    desk.claim(&id, &alice, common::now()).await.expect("claim");
    desk.hand_back(&id, &alice, common::now())
        .await
        .expect("back");
    let outbox = runtime
        .store()
        .pending_outbox(None, 100)
        .await
        .expect("outbox");
    let last = outbox.last().expect("a turn for the user");
    assert_eq!(last.turn.node, before.node, "back where it was");
    // The bot answers again.
    let turn = text(&runtime, &k, "menu").await;
    assert!(!turn.messages.is_empty());
}

#[tokio::test]
async fn agents_see_only_their_languages_and_cannot_act_on_others_conversations() {
    let (runtime, _dir) = common::runtime();
    let zh = common::agent_with(&runtime, "zh.only", AgentRole::Agent, &["zh-CN"]).await;
    let en = common::agent_with(&runtime, "en.only", AgentRole::Agent, &["en"]).await;
    let admin = common::agent_with(&runtime, "boss", AgentRole::Admin, &["en"]).await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let id = escalated(&runtime, &key("lang")).await; // an English conversation
    let view = desk.queue(&zh, common::now()).await.expect("queue");
    assert!(view.tickets.is_empty(), "not in zh.only's languages");
    assert!(matches!(
        desk.claim(&id, &zh, common::now()).await,
        Err(DeskError::NotFound | DeskError::Language)
    ));
    desk.claim(&id, &en, common::now()).await.expect("claim");
    assert!(matches!(
        desk.resolve(&id, &zh, common::now()).await,
        Err(DeskError::NotFound | DeskError::NotYours)
    ));
    // An admin may reassign any conversation.
    let other = common::agent_with(&runtime, "en.two", AgentRole::Agent, &["en"]).await;
    desk.transfer(&id, &admin, &other.login, common::now())
        .await
        .expect("admin reassigns");
    let audit = runtime.store().audit_log(None, 100).await.expect("audit");
    assert!(audit.iter().any(|r| r.action == "assign"));
}

#[tokio::test]
async fn a_silent_claim_returns_to_the_queue() {
    let (runtime, _dir) = common::runtime();
    let alice = common::agent_online(&runtime, "alice").await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let id = escalated(&runtime, &key("silent")).await;
    desk.claim(&id, &alice, common::now()).await.expect("claim");
    assert_eq!(
        desk.sweep(common::now() + Duration::minutes(1))
            .await
            .expect("s"),
        0
    );
    assert_eq!(
        desk.sweep(common::now() + Duration::minutes(10))
            .await
            .expect("s"),
        1
    );
    let t = runtime.store().ticket(&id).await.expect("r").expect("t");
    assert_eq!(t.status, TicketStatus::Queued);
    assert!(t.agent.is_none());
    // An agent who replies keeps the conversation.
    desk.claim(&id, &alice, common::now())
        .await
        .expect("claim again");
    desk.reply(&id, &alice, "here", common::now())
        .await
        .expect("reply");
    assert_eq!(
        desk.sweep(common::now() + Duration::minutes(10))
            .await
            .expect("s"),
        0
    );
    // ...unless they go offline for long.
    desk.set_presence("alice", Presence::Offline);
    assert_eq!(
        desk.sweep(common::now() + Duration::minutes(10))
            .await
            .expect("s"),
        1
    );
}

#[tokio::test]
async fn appeals_and_sensitive_cases_go_first() {
    let (runtime, _dir) = common::runtime();
    common::agent_online(&runtime, "alice").await;
    let plain = escalated(&runtime, &key("plain")).await;
    let k = key("appeal");
    say(&runtime, &k, Content::Start, common::now()).await;
    // The restriction flow explains the appeal and offers a person.
    let turn = text(&runtime, &k, "my account is restricted, I want to appeal").await;
    let turn = if turn.node == "handoff.offer" {
        say(&runtime, &k, Content::Button("yes".into()), common::now()).await
    } else {
        text(&runtime, &k, "I want to talk to a real person").await
    };
    assert!(turn.handoff, "{} {}", turn.node, common::said(&turn));
    let tickets = runtime.store().tickets(true).await.expect("tickets");
    let appeal = tickets.iter().find(|t| t.key == k).expect("appeal ticket");
    assert_eq!(appeal.priority, Priority::High, "{:?}", appeal.reason);
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let view = desk
        .queue(&alice_view(), common::now())
        .await
        .expect("queue");
    assert_eq!(view.tickets[0].id, appeal.id, "served first");
    assert_eq!(view.tickets[1].id, plain);
}

#[tokio::test]
async fn a_restart_in_the_middle_of_a_handoff_loses_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let k = key("restart");
    let (id, alice) = {
        let runtime = common::runtime_in(dir.path());
        let alice = common::agent_online(&runtime, "alice").await;
        let desk = Desk::open(runtime.clone()).await.expect("desk");
        let id = escalated(&runtime, &k).await;
        desk.claim(&id, &alice, common::now()).await.expect("claim");
        desk.reply(&id, &alice, "one moment", common::now())
            .await
            .expect("reply");
        runtime.store().flush().await.expect("flush");
        (id, alice)
    };
    // Give sled time to release its lock before reopening in this process.
    let runtime = loop {
        match kycdesk::store::SledStore::open(dir.path()) {
            Ok(store) => break common::runtime_with(Arc::new(kycdesk::runtime::StandIns), store),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    };
    runtime.handoff().presence.set("alice", Presence::Online);
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let view = desk.queue(&alice, common::now()).await.expect("queue");
    assert_eq!(view.tickets.len(), 1, "the queue is back");
    assert!(view.tickets[0].mine, "and the claim");
    let turn = text(&runtime, &k, "still there?").await;
    assert!(turn.messages.is_empty(), "still relayed to the agent");
    let view = desk.view(&id, &alice, common::now()).await.expect("view");
    let kinds: Vec<&str> = view.transcript.iter().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&"agent") && kinds.ends_with(&["user"]),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn the_retention_purge_takes_old_tickets_and_audit_records() {
    let (runtime, _dir) = common::runtime();
    let alice = common::agent_online(&runtime, "alice").await;
    let desk = Desk::open(runtime.clone()).await.expect("desk");
    let k = key("old");
    let id = escalated(&runtime, &k).await;
    desk.claim(&id, &alice, common::now()).await.expect("claim");
    let removed = runtime
        .store()
        .purge_transcripts_before(common::now() + Duration::days(1))
        .await
        .expect("purge");
    assert!(removed > 0);
    assert!(runtime.store().ticket(&id).await.expect("r").is_none());
    assert!(
        runtime
            .store()
            .audit_log(None, 10)
            .await
            .expect("a")
            .is_empty()
    );
}

#[tokio::test]
async fn an_answer_to_a_user_who_is_away_calls_the_wallet_hook_without_the_content() {
    use wiremock::matchers::{header_exists, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/notify"))
        .and(header_exists("x-signature"))
        .and(header_exists("x-timestamp"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&hook)
        .await;
    let (runtime, _dir) = common::runtime();
    let k = key("away");
    // Nobody online: the signed-in user leaves a message and goes away.
    let mut start = Inbound::new(Content::Start, Lang::En);
    start.user_ref = Some("u_away".into());
    runtime
        .handle(&k, start, common::now())
        .await
        .expect("start");
    for content in [
        Content::Text("I want a human".into()),
        Content::Button("leave".into()),
        Content::Text("please help with my verification".into()),
    ] {
        let mut inbound = Inbound::new(content, Lang::En);
        inbound.user_ref = Some("u_away".into());
        runtime
            .handle(&k, inbound, common::now())
            .await
            .expect("turn");
    }
    let alice = common::agent_online(&runtime, "alice").await;
    let url = reqwest::Url::parse(&format!("{}/notify", hook.uri())).expect("url");
    let desk = Desk::open(runtime.clone())
        .await
        .expect("desk")
        .with_notifier(kycdesk::runtime::desk::AwayNotifier::new(
            url,
            b"hook-secret".to_vec(),
        ));
    let id = runtime.store().tickets(true).await.expect("t")[0]
        .id
        .clone();
    desk.claim(&id, &alice, common::now()).await.expect("claim");
    desk.reply(&id, &alice, "THE-ANSWER is ready", common::now())
        .await
        .expect("reply");
    // The call is made in the background.
    let mut received = Vec::new();
    for _ in 0..100 {
        received = hook.received_requests().await.unwrap_or_default();
        if !received.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(received.len(), 1);
    let body = String::from_utf8_lossy(&received[0].body).to_string();
    assert!(body.contains("u_away") && body.contains("widget"), "{body}");
    assert!(!body.contains("THE-ANSWER"), "never the content: {body}");
    let signature = received[0]
        .headers
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let timestamp: i64 = received[0]
        .headers
        .get("x-timestamp")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("timestamp");
    assert_eq!(
        signature,
        kycdesk::cases::webhook::sign(b"hook-secret", timestamp, &received[0].body)
    );
}
