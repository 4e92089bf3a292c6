//! The context-window guard: a conversation too long for the model is not sent as it is.
//!
//! A provider answers an over-long request with an error at best (paid or not), and a local
//! server may silently cut the prompt, so the result describes the last minutes of a call.
//! Before any call, the prompt is counted as the cost module estimates it, plus the output
//! budget (`max_output_tokens`, else the output estimate from the schema); when that exceeds the
//! model's window the conversation is skipped with the numbers, or — when the spec says
//! `"on_too_long": "head_tail"` — shortened to its first and last turns with a marker between,
//! so the opening (who called, why) and the ending (what was agreed) both survive.
//!
//! Models without a known window (local models, new names) are never held back.

use crate::core::cost::{count_messages, count_tokens, estimate_output_tokens};
use crate::core::prompt::{self, PromptOptions};
use crate::core::spec::{AnalysisSpec, OnTooLong};
use crate::core::transcript::{Conversation, Speaker, Turn};
use serde_json::Value;

/// Share of the window kept free after shortening, for the approximate token counts of
/// non-OpenAI models and the provider's own envelope.
const HEAD_TAIL_MARGIN: f64 = 0.02;

/// What the guard decided for one conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Fit {
    /// Send it as it is.
    Fits,
    /// Do not send it: `reason` says how long it is and what the window is.
    Skip { reason: String, needed: u64, window: u64 },
    /// Send this shorter conversation instead; `note` says what was left out.
    Shortened { conversation: Box<Conversation>, note: String, needed: u64, window: u64, input_tokens: u64 },
}

/// The output tokens reserved for the reply: the spec's `max_output_tokens`, else the estimate
/// from the (sent) schema.
pub fn output_budget(spec: &AnalysisSpec, sent_schema: &Value) -> u64 {
    spec.max_output_tokens.map(u64::from).unwrap_or_else(|| estimate_output_tokens(sent_schema))
}

/// "≈ 130,412 tokens; gpt-4o-mini's context is 128,000".
pub fn too_long_reason(needed: u64, model: &str, window: u64) -> String {
    format!("≈ {} tokens; {model}'s context is {}", thousands(needed), thousands(window))
}

/// A cheap upper bound: BPE tokens are at least one byte each, so a prompt whose bytes (plus
/// per-message overhead) and output budget fit the window fits whatever the tokenizer.
pub fn surely_fits(messages: &[prompt::ChatMessage], sent_schema: &Value, output: u64, window: u64) -> bool {
    surely_fits_bytes(messages, schema_bytes(sent_schema), output, window)
}

/// Bytes of the serialised schema, for [`surely_fits_bytes`] (a run measures it once).
pub fn schema_bytes(sent_schema: &Value) -> u64 {
    serde_json::to_string(sent_schema).map(|s| s.len() as u64).unwrap_or(u64::MAX / 4)
}

/// [`surely_fits`] with the schema already measured (`schema_bytes`).
pub fn surely_fits_bytes(
    messages: &[prompt::ChatMessage],
    schema_bytes: u64,
    output: u64,
    window: u64,
) -> bool {
    let bytes: usize = messages.iter().map(|m| m.content.len() + 8).sum();
    // 3 reply-priming tokens and Anthropic's 313-token tool prompt, rounded up.
    (bytes as u64).saturating_add(schema_bytes).saturating_add(400).saturating_add(output) <= window
}

/// Decide for `conversation` under `spec` with a model window of `window` tokens (`None`:
/// unknown, always fits). `sent_schema` is the schema as the provider receives it.
pub fn fit(
    spec: &AnalysisSpec,
    conversation: &Conversation,
    options: PromptOptions,
    sent_schema: &Value,
    window: Option<u64>,
) -> Fit {
    let Some(window) = window else { return Fit::Fits };
    let output = output_budget(spec, sent_schema);
    let messages = prompt::build(spec, conversation, options);
    if surely_fits(&messages, sent_schema, output, window) {
        return Fit::Fits;
    }
    let count = |c: &Conversation| {
        count_messages(spec.provider, &spec.model, &prompt::build(spec, c, options), Some(sent_schema)).tokens
    };
    let needed = count_messages(spec.provider, &spec.model, &messages, Some(sent_schema)).tokens + output;
    if needed <= window {
        return Fit::Fits;
    }
    let reason = too_long_reason(needed, &spec.model, window);
    if spec.on_too_long.unwrap_or_default() == OnTooLong::Skip {
        return Fit::Skip {
            reason: format!("{reason}; not sent (set \"on_too_long\": \"head_tail\" to shorten it)"),
            needed,
            window,
        };
    }
    let limit = window.saturating_sub(output).saturating_sub((window as f64 * HEAD_TAIL_MARGIN) as u64);
    let line = |t: &Turn| count_tokens(spec.provider, &spec.model, &render_turn(conversation, t)).tokens + 1;
    let turn_tokens: Vec<u64> = conversation.turns.iter().map(line).collect();
    let mut overhead = count(&with_turns(conversation, vec![marker(conversation.turns.len(), needed)]));
    for _ in 0..8 {
        let Some((head, tail)) = choose(&turn_tokens, limit.saturating_sub(overhead)) else { break };
        let shortened = shorten(conversation, head, tail, &turn_tokens);
        let input_tokens = count(&shortened);
        if input_tokens <= limit {
            let left_out = conversation.turns.len() - head - tail;
            let note = format!(
                "shortened to fit: {reason}; kept the first {head} and the last {tail} of {} turns, {} turn(s) left out",
                conversation.turns.len(),
                thousands(left_out as u64)
            );
            return Fit::Shortened { conversation: Box::new(shortened), note, needed, window, input_tokens };
        }
        // The per-turn counts missed how tokens merge across lines: ask for that much less.
        overhead += input_tokens - limit;
    }
    Fit::Skip {
        reason: format!("{reason}; not sent (even its first and last turns do not fit)"),
        needed,
        window,
    }
}

/// How many turns to keep from the start and from the end within `budget` tokens: taken in
/// turn from each end, so both ends keep about the same share. `None` when not one turn fits.
fn choose(turn_tokens: &[u64], budget: u64) -> Option<(usize, usize)> {
    let (mut head, mut tail, mut used) = (0usize, 0usize, 0u64);
    let mut from_head = true;
    while head + tail < turn_tokens.len() {
        let next = if from_head { head } else { turn_tokens.len() - 1 - tail };
        if used + turn_tokens[next] <= budget {
            used += turn_tokens[next];
            if from_head { head += 1 } else { tail += 1 }
        } else {
            let other = if from_head { turn_tokens.len() - 1 - tail } else { head };
            if used + turn_tokens[other] > budget {
                break;
            }
        }
        from_head = !from_head;
    }
    (head + tail > 0).then_some((head, tail))
}

/// The conversation with its first `head` and last `tail` turns and a marker between.
fn shorten(conversation: &Conversation, head: usize, tail: usize, turn_tokens: &[u64]) -> Conversation {
    let n = conversation.turns.len();
    let left_out: u64 = turn_tokens[head..n - tail].iter().sum();
    let mut turns = conversation.turns[..head].to_vec();
    turns.push(marker(n - head - tail, left_out));
    turns.extend_from_slice(&conversation.turns[n - tail..]);
    with_turns(conversation, turns)
}

/// The turn standing in for what was left out.
fn marker(turns: usize, tokens: u64) -> Turn {
    Turn {
        speaker: Speaker::System,
        label: "note".into(),
        text: format!(
            "[… {} turns (≈ {} tokens) left out to fit the model's context window …]",
            thousands(turns as u64),
            thousands(tokens)
        ),
        start_s: None,
    }
}

fn with_turns(conversation: &Conversation, turns: Vec<Turn>) -> Conversation {
    Conversation {
        id: conversation.id.clone(),
        turns,
        metadata: conversation.metadata.clone(),
        expected: None,
        source: conversation.source.clone(),
    }
}

/// One turn as the prompt renders it.
fn render_turn(conversation: &Conversation, turn: &Turn) -> String {
    let one = Conversation {
        id: String::new(),
        turns: vec![turn.clone()],
        metadata: Default::default(),
        expected: None,
        source: conversation.source.clone(),
    };
    one.render()
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
#[path = "context_window_tests.rs"]
pub(crate) mod tests;
