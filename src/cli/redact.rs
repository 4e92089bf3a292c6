//! `debrief redact`: show what a transcript looks like after redaction, exactly as a redacting
//! spec would send it (the same rendering the prompt uses, the same detectors).
//!
//! With `--json`, one line per conversation: `{"source", "id", "text", "spans"}`, each span's
//! `start`/`end` counted in characters (Unicode scalar values) into `text`, so
//! `text[start:end]` in Python or JavaScript-with-`Array.from` is the placeholder. The original
//! values are never printed.

use super::analyze::load;
use super::{CliError, Exit};
use crate::core::redact::{self, Kind, Redaction, Redactor, UserPattern};
use crate::core::spec::AnalysisSpec;
use anyhow::anyhow;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  debrief redact call.txt\n  debrief redact --kinds card,phone --json calls/\n  debrief redact --names 'Jane Doe' --pattern order_id='ORD-\\d{5}' chat.json\n  debrief redact --spec my_spec.json calls/   # the spec's own `redact` setting"
)]
pub struct RedactArgs {
    /// Kinds to redact, comma-separated: card, phone, email, ssn, iban, ip, dob, or all
    /// (default: all; with --spec, the spec's kinds, which these replace).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Vec<String>,
    /// Names to redact (comma-separated), whole words, any case; each word of a full name too.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub names: Vec<String>,
    /// A pattern of your own, NAME=REGEX (repeatable): `--pattern order_id='ORD-\d{5}'` gives
    /// `[ORDER_ID_1]`.
    #[arg(long = "pattern", value_name = "NAME=REGEX")]
    pub patterns: Vec<String>,
    /// Region for phone numbers written without a country code (default US).
    #[arg(long, value_name = "CODE")]
    pub region: Option<String>,
    /// Use this spec's `redact` setting (--kinds replaces its kinds; names and patterns add).
    #[arg(long, value_name = "SPEC")]
    pub spec: Option<PathBuf>,
    /// One JSON line per conversation: source, id, text and the spans (character offsets).
    #[arg(long)]
    pub json: bool,
    /// Transcript files or folders.
    #[arg(required = true, value_name = "FILE")]
    pub paths: Vec<PathBuf>,
}

/// The redaction the flags (and the spec) ask for.
fn setting(args: &RedactArgs) -> Result<Redaction, CliError> {
    let mut config = match &args.spec {
        Some(path) => AnalysisSpec::load(path).map_err(CliError::usage)?.redact,
        None if args.kinds.is_empty() => Redaction::all(),
        None => Redaction::default(),
    };
    // As `--redact` on the other commands: given kinds replace the spec's (names and patterns
    // stay), so this preview and a run with the same flags redact the same.
    if !args.kinds.is_empty() {
        if args.kinds.iter().all(|w| w.trim().is_empty()) {
            return Err(CliError::usage(anyhow!("--kinds: no kinds given; name some (card,phone,…) or all")));
        }
        config.kinds = Kind::parse_list(&args.kinds).map_err(|e| CliError::usage(anyhow!("--kinds: {e}")))?;
    }
    config.names.extend(args.names.iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()));
    for p in &args.patterns {
        let (name, regex) = p.split_once('=').ok_or_else(|| {
            CliError::usage(anyhow!("--pattern {p:?}: write it as NAME=REGEX, e.g. order_id='ORD-\\d{{5}}'"))
        })?;
        config.patterns.push(UserPattern { name: name.trim().to_string(), regex: regex.to_string() });
    }
    if args.region.is_some() {
        config.region = args.region.clone();
    }
    Ok(config)
}

pub fn redact(args: RedactArgs) -> Result<Exit, CliError> {
    let config = setting(&args)?;
    let redactor = Redactor::new(&config)
        .map_err(|e| CliError::usage(anyhow!("{}: {e}", flag_of(&e.pointer(), args.spec.is_some()))))?;
    let (import, failed) = load(&args.paths)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let many = import.conversations.len() > 1;
    for (i, conversation) in import.conversations.iter().enumerate() {
        let redacted = redact::conversation(&redactor, conversation);
        let text = redacted.conversation.render();
        let written = if args.json {
            let spans = spans_in(&text, &redacted);
            let line = serde_json::json!({"source": conversation.source, "id": conversation.id, "text": text, "spans": spans});
            writeln!(out, "{line}")
        } else if many {
            let gap = if i > 0 { "\n" } else { "" };
            writeln!(out, "{gap}# {} ({})\n{text}", conversation.source, conversation.id)
        } else {
            writeln!(out, "{text}")
        };
        written.map_err(|e| CliError::failed(anyhow!("cannot write to stdout: {e}")))?;
    }
    out.flush().map_err(|e| CliError::failed(anyhow!("cannot write to stdout: {e}")))?;
    Ok(if failed { Exit::NotAllOk } else { Exit::Ok })
}

/// Which flag a setting error comes from.
fn flag_of(pointer: &str, from_spec: bool) -> String {
    if from_spec {
        return format!("--spec {pointer}");
    }
    match pointer {
        "/redact/region" => "--region".to_string(),
        _ => "--pattern".to_string(),
    }
}

/// The spans of every turn, as character offsets into the rendered `text`. Each rendered line
/// is one turn and ends with that turn's (single-line) text, so a turn's text starts where its
/// line's length minus the text's length says.
fn spans_in(text: &str, redacted: &redact::RedactedConversation) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut line_start = 0usize;
    for ((line, turn), spans) in text.split('\n').zip(&redacted.conversation.turns).zip(&redacted.spans) {
        let turn_start = line_start + line.len() - turn.text.len();
        for span in spans {
            let (a, b) = (turn_start + span.start, turn_start + span.end);
            let chars = |byte: usize| text[..byte].chars().count();
            out.push(serde_json::json!({"kind": span.kind(), "start": chars(a), "end": chars(b)}));
        }
        line_start += line.len() + 1;
    }
    out
}
