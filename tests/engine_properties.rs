//! The engine never panics and never leaves the user stranded, whatever arrives in whatever
//! order: random texts, button ids (valid, stale, unknown), photos, action results.

mod common;

use kycdesk::engine::{Event, StepContext};
use kycdesk::i18n::Lang;
use proptest::prelude::*;

fn event_strategy(button_ids: Vec<String>) -> impl Strategy<Value = Event> {
    let texts = prop_oneof![
        Just("照片模糊".to_string()),
        Just("转人工".to_string()),
        Just("/back".to_string()),
        Just("/lang en".to_string()),
        Just("还是不行".to_string()),
        Just("11010519491231002X".to_string()),
        Just("".to_string()),
        ".{0,40}",
    ];
    prop_oneof![
        texts.prop_map(|text| Event::Text { text }),
        proptest::sample::select(button_ids).prop_map(|id| Event::Button { id }),
        "[a-z_]{1,10}".prop_map(|id| Event::Button { id }),
        Just(Event::Photo),
        Just(Event::Start),
        proptest::sample::select(vec!["unavailable", "approved", "queued", "bogus"]).prop_map(
            |o| Event::ActionDone {
                outcome: o.to_string(),
                slots: Default::default()
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_event_sequence_keeps_the_conversation_alive(
        events in proptest::collection::vec(
            event_strategy({
                let flows = common::loaded().engine.flows();
                let mut ids: Vec<String> = flows.flows.values()
                    .flat_map(|f| f.nodes.values())
                    .flat_map(|n| n.buttons().iter().map(|b| b.id.clone()))
                    .collect();
                ids.sort();
                ids.dedup();
                ids
            }),
            1..30,
        ),
        lang in proptest::sample::select(vec![Lang::ZhCn, Lang::En]),
    ) {
        let engine = &common::loaded().engine;
        let ctx = StepContext { today: common::today() };
        let mut state = engine.new_state(lang);
        engine.step(&mut state, Event::Start, ctx);
        for event in events {
            let out = engine.step(&mut state, event, ctx);
            // After every event the bot is somewhere that exists.
            let at = state.at.clone().expect("the bot waits somewhere");
            prop_assert!(engine.flows().node(&at).is_some(), "at {at}");
            // An action asked for is remembered until its result comes.
            let asked = out.effects.iter().any(|e| matches!(e, kycdesk::engine::Effect::Perform { .. }));
            prop_assert!(!asked || state.pending_action.is_some());
            prop_assert!(state.history.len() <= kycdesk::engine::HISTORY_LIMIT);
        }
    }
}
