#![allow(clippy::unwrap_used)] // a failing unwrap is a failing test

use super::*;
use crate::core::spec::ProviderKind;
use crate::core::transcript::Metadata;

/// `turns` numbered turns of about 60 tokens each, alternating speakers.
pub(crate) fn long_conversation(turns: usize) -> Conversation {
    let filler = "the customer explains the billing problem again in some detail and the agent listens";
    Conversation {
        id: "long".into(),
        turns: (0..turns)
            .map(|i| Turn {
                speaker: if i % 2 == 0 { Speaker::Customer } else { Speaker::Agent },
                label: if i % 2 == 0 { "Customer".into() } else { "Agent".into() },
                text: format!("turn number {i}: {filler}; {filler}; {filler}."),
                start_s: None,
            })
            .collect(),
        metadata: Metadata::default(),
        expected: None,
        source: "long.txt".into(),
    }
}

fn spec(on_too_long: Option<OnTooLong>) -> AnalysisSpec {
    let mut spec = AnalysisSpec::template("post_analysis").unwrap();
    spec.provider = ProviderKind::Openai;
    spec.model = "gpt-4o-mini".into();
    spec.on_too_long = on_too_long;
    spec
}

fn count(spec: &AnalysisSpec, c: &Conversation) -> u64 {
    let messages = prompt::build(spec, c, PromptOptions::default());
    count_messages(spec.provider, &spec.model, &messages, Some(&spec.schema)).tokens
}

#[test]
fn short_conversations_and_unknown_windows_fit() {
    let s = spec(None);
    let c = long_conversation(20);
    assert_eq!(fit(&s, &c, PromptOptions::default(), &s.schema, Some(128_000)), Fit::Fits);
    let huge = long_conversation(3_000);
    assert_eq!(fit(&s, &huge, PromptOptions::default(), &s.schema, None), Fit::Fits, "unknown window");
}

#[test]
fn too_long_is_skipped_with_the_numbers() {
    let s = spec(None);
    let c = long_conversation(2_500);
    let Fit::Skip { reason, needed, window } =
        fit(&s, &c, PromptOptions::default(), &s.schema, Some(128_000))
    else {
        panic!("expected a skip")
    };
    assert_eq!(window, 128_000);
    assert_eq!(needed, count(&s, &c) + output_budget(&s, &s.schema));
    assert!(needed > 128_000);
    assert!(
        reason.starts_with(&format!("≈ {} tokens; gpt-4o-mini's context is 128,000", thousands(needed))),
        "{reason}"
    );
    assert!(reason.contains("head_tail"), "says how to shorten instead: {reason}");
}

#[test]
fn the_output_budget_counts_too() {
    let mut s = spec(None);
    let c = long_conversation(100);
    let input = count(&s, &c);
    s.max_output_tokens = Some(1_000);
    assert_eq!(fit(&s, &c, PromptOptions::default(), &s.schema, Some(input + 1_000)), Fit::Fits);
    assert!(matches!(fit(&s, &c, PromptOptions::default(), &s.schema, Some(input + 999)), Fit::Skip { .. }));
}

#[test]
fn head_tail_keeps_both_ends_with_a_marker_and_fits() {
    let s = spec(Some(OnTooLong::HeadTail));
    let c = long_conversation(2_500);
    let Fit::Shortened { conversation, note, input_tokens, .. } =
        fit(&s, &c, PromptOptions::default(), &s.schema, Some(128_000))
    else {
        panic!("expected shortening")
    };
    let turns = &conversation.turns;
    assert_eq!(turns.first(), c.turns.first(), "the first turn is kept");
    assert_eq!(turns.last(), c.turns.last(), "the last turn is kept");
    let markers: Vec<&Turn> = turns.iter().filter(|t| t.text.contains("left out to fit")).collect();
    assert_eq!(markers.len(), 1);
    let left_out = c.turns.len() + 1 - turns.len();
    assert!(
        markers[0].text.starts_with(&format!("[… {} turns (≈ ", thousands(left_out as u64))),
        "{}",
        markers[0].text
    );
    // The head and the tail are about equal, and in order.
    let at = turns.iter().position(|t| t.speaker == Speaker::System).unwrap();
    assert!(at.abs_diff(turns.len() - 1 - at) <= 1, "{at} of {}", turns.len());
    assert_eq!(turns[at + 1], c.turns[c.turns.len() - (turns.len() - 1 - at)]);
    // It really fits, with the output budget, and uses most of the window.
    assert_eq!(input_tokens, count(&s, &conversation));
    assert!(input_tokens + output_budget(&s, &s.schema) <= 128_000);
    assert!(input_tokens > 100_000, "{input_tokens}");
    assert!(note.contains("gpt-4o-mini's context is 128,000") && note.contains("left out"), "{note}");
}

#[test]
fn nothing_to_keep_is_a_skip() {
    let s = spec(Some(OnTooLong::HeadTail));
    let c = long_conversation(50);
    // A window smaller than the prompt without any turn.
    assert!(matches!(fit(&s, &c, PromptOptions::default(), &s.schema, Some(600)), Fit::Skip { .. }));
}

#[test]
fn choose_alternates_ends() {
    assert_eq!(choose(&[10, 10, 10, 10, 10], 30), Some((2, 1)));
    assert_eq!(choose(&[10, 50, 10], 25), Some((1, 1)));
    assert_eq!(choose(&[100, 100], 50), None);
    assert_eq!(choose(&[5, 5], 100), Some((1, 1)));
}

#[test]
fn numbers_are_grouped() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(130_412), "130,412");
    assert_eq!(thousands(1_234_567), "1,234,567");
}
