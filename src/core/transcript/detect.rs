//! Bytes → text → format → conversations: the entry point every importer goes through.
//!
//! The format is chosen from the content first and the extension second, because users rename
//! files and platforms export JSON as `.txt` or transcripts as `.json`. Decoding is strict about
//! binaries (see `decode`).

use super::decode::decode;
use super::json::parse_json;
use super::jsonl::{is_label_file, parse_jsonl, parse_jsonl_lines};
use super::load::Import;
use super::subtitles::parse_subtitles;
use super::table::{looks_like_table, parse_table};
use super::text::parse_text;
use super::{Conversation, ImportError, ImportWarning, format_error};
use std::path::Path;

/// The formats we can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Jsonl,
    /// WebVTT or SRT.
    Subtitles,
    /// CSV/TSV with a header row.
    Table,
    /// `Speaker: text` lines.
    Text,
}

/// Parse one file's bytes; `path` is used for the id fallback, the extension hint and error
/// messages. For JSONL with some bad lines this returns the good conversations and drops the
/// line errors; warnings (a guessed encoding, odd CSV rows) are dropped too. Use
/// [`parse_bytes_report`] to get both.
pub fn parse_bytes(path: &Path, bytes: &[u8]) -> Result<Vec<Conversation>, ImportError> {
    let text = decode(path, bytes)?.text;
    if is_label_file(&text) {
        return Err(format_error(
            path,
            "this file holds evaluation labels ({\"conversation_id\", \"expected\"} per line), \
             not conversations",
        ));
    }
    match detect(path, &text) {
        Format::Jsonl => parse_jsonl(path, &text),
        other => parse_single(path, &text, other, &mut Vec::new()),
    }
}

/// Parse one file's bytes without losing anything: every conversation that parsed and every
/// error (one per bad JSONL line). Label files come back in `skipped`, not as errors.
pub fn parse_bytes_report(path: &Path, bytes: &[u8]) -> Import {
    let mut import = Import::default();
    let text = match decode(path, bytes) {
        Ok(decoded) => {
            if let Some(note) = decoded.note {
                import.warnings.push(ImportWarning { path: path.to_path_buf(), message: note });
            }
            decoded.text
        }
        Err(e) => {
            import.errors.push(e);
            return import;
        }
    };
    if is_label_file(&text) {
        import.skipped.push(path.to_path_buf());
        return import;
    }
    match detect(path, &text) {
        Format::Jsonl => {
            let (conversations, errors) = parse_jsonl_lines(path, &text);
            import.conversations = conversations;
            import.errors = errors;
        }
        other => {
            let mut warnings = Vec::new();
            match parse_single(path, &text, other, &mut warnings) {
                Ok(conversations) => import.conversations = conversations,
                Err(e) => import.errors.push(e),
            }
            import.warnings.extend(
                warnings.into_iter().map(|message| ImportWarning { path: path.to_path_buf(), message }),
            );
        }
    }
    import
}

/// Parse one non-JSONL document; `warnings` collects what was read but looked wrong.
fn parse_single(
    path: &Path,
    text: &str,
    format: Format,
    warnings: &mut Vec<String>,
) -> Result<Vec<Conversation>, ImportError> {
    match format {
        Format::Json => parse_json(path, text),
        Format::Jsonl => parse_jsonl(path, text),
        Format::Subtitles => parse_subtitles(path, text),
        Format::Table => parse_table(path, text, warnings),
        Format::Text => parse_text(path, text),
    }
}

/// Choose the format: content first, extension as the tie-breaker.
pub(crate) fn detect(path: &Path, text: &str) -> Format {
    let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
    let head = text.trim_start();
    let json_like = head.starts_with('{') || head.starts_with('[');
    // A `.json` file holding `null`, `true`, a number or a string is still JSON: say what it
    // holds instead of giving the text parser's "no speaker lines".
    if !json_like && ext == "json" && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return Format::Json;
    }
    if json_like {
        if ext == "jsonl" || ext == "ndjson" {
            return Format::Jsonl;
        }
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Format::Json;
        }
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let first_is_json =
            lines.next().is_some_and(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok());
        if first_is_json && lines.next().is_some() {
            return Format::Jsonl;
        }
        // `[00:01] Agent: hi` also starts with `[`; only claim JSON when nothing else fits.
        if ext == "json" || head.starts_with('{') {
            return Format::Json;
        }
    }
    if head.starts_with("WEBVTT") || looks_like_srt(head) || ["vtt", "webvtt", "srt"].contains(&ext.as_str())
    {
        return Format::Subtitles;
    }
    if looks_like_table(head) || ext == "csv" || ext == "tsv" {
        return Format::Table;
    }
    Format::Text
}

/// SRT: a numeric cue id followed by a `-->` timing line.
fn looks_like_srt(head: &str) -> bool {
    let mut lines = head.lines().map(str::trim).filter(|l| !l.is_empty());
    let id = lines.next().unwrap_or_default();
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && lines.next().is_some_and(|l| l.contains("-->"))
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
