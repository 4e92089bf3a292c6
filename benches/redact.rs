//! `cargo bench --bench redact`: redacting a 2-hour call transcript (numbers in BENCHMARKS.md).
//!
//! Two 2-hour calls (18,000 words: 150 words a minute), each turn with a start time as a voice
//! export has:
//! - *dense*: the labelled corpus's turns (tests/fixtures/redaction/corpus.jsonl) in order, so
//!   nearly every customer turn holds personal data — the worst case;
//! - *samples*: the bundled sample conversations (sample_conversations/) one after another, a
//!   support call's usual density.
//!
//! Each is redacted with every kind on, first once cold (the phone-number metadata and the
//! regexes are built on first use), then `ROUNDS` times warm, each round a new conversation
//! session as a real call is; the report gives the cold time and the warm min / median / max.

use debrief::core::redact::{self, Redaction, Redactor};
use debrief::core::transcript::{Conversation, Metadata, Speaker, Turn};
use std::time::{Duration, Instant};

const ROUNDS: usize = 50;
const WORDS: usize = 2 * 60 * 150;

fn dense_turns() -> Vec<(bool, String)> {
    let corpus = include_str!("../tests/fixtures/redaction/corpus.jsonl");
    let mut texts = Vec::new();
    for line in corpus.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        for t in value["turns"].as_array().into_iter().flatten() {
            let agent = t["speaker"] == "agent";
            texts.push((agent, t["text"].as_str().unwrap_or_default().to_string()));
        }
    }
    texts
}

fn sample_turns() -> Vec<(bool, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_conversations");
    let import = debrief::core::transcript::load_paths(&[dir]);
    import
        .conversations
        .iter()
        .flat_map(|c| c.turns.iter().map(|t| (t.speaker == Speaker::Agent, t.text.clone())))
        .collect()
}

fn two_hour_call(texts: &[(bool, String)]) -> Conversation {
    let mut turns = Vec::new();
    let mut words = 0;
    let mut at = 0.0;
    for (agent, text) in texts.iter().cycle() {
        if words >= WORDS {
            break;
        }
        let n = text.split_whitespace().count();
        words += n;
        let speaker = if *agent { Speaker::Agent } else { Speaker::Customer };
        let label = speaker.as_str().to_string();
        turns.push(Turn { speaker, label, text: text.clone(), start_s: Some(at) });
        at += n as f64 / 2.5;
    }
    Conversation {
        id: "two-hour-call".into(),
        turns,
        metadata: Metadata { duration_s: Some(at), ..Metadata::default() },
        expected: None,
        source: "bench".into(),
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets` runs bench binaries without --bench: nothing to do.
    }
    for (name, texts) in [("dense", dense_turns()), ("samples", sample_turns())] {
        measure(name, &two_hour_call(&texts));
    }
}

fn measure(name: &str, call: &Conversation) {
    let bytes: usize = call.turns.iter().map(|t| t.text.len()).sum();
    let redactor = match Redactor::new(&Redaction::all()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot build the redactor: {e}");
            std::process::exit(1);
        }
    };
    let t0 = Instant::now();
    let first = redact::conversation(&redactor, call);
    let cold = t0.elapsed();
    let spans: usize = first.spans.iter().map(Vec::len).sum();
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            let out = redact::conversation(&redactor, call);
            std::hint::black_box(&out);
            t.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: 2-hour call, {} turns, {} words, {} KB, {} spans redacted ({} placeholders)",
        call.turns.len(),
        call.turns.iter().map(|t| t.text.split_whitespace().count()).sum::<usize>(),
        bytes / 1024,
        spans,
        first.mapping.0.len()
    );
    println!("  cold (first call of this redactor): {:.2} ms", ms(cold));
    println!(
        "  warm, {ROUNDS} rounds: min {:.2} ms · median {:.2} ms · max {:.2} ms",
        ms(times[0]),
        ms(times[ROUNDS / 2]),
        ms(times[ROUNDS - 1])
    );
}
