//! How a result's attempt log is stored: compact, and without a second copy of an accepted
//! reply (issue 12, "history ≤ 1.5 KB per result without losing the diagnostics").
//!
//! What each result keeps, in full: every attempt's reason, request body, HTTP status, usage,
//! error and latency, and every attempt's raw reply — with one exception. In an `ok` result, an
//! attempt without an error whose raw reply is byte for byte the stored analysis (the model's
//! JSON accepted as it came) stores a marker instead of the reply; the reader puts the analysis
//! text back, so `Outcome::attempts` reads exactly as it was recorded. Failed results (`invalid`,
//! `error`, `refused`, `truncated`) and rejected attempts keep their raw replies as they are.
//!
//! The log is then written as a deflate-compressed BLOB (`flate2`): request bodies repeat the
//! prompt, the schema and the transcript's wording, which compress about threefold. Rows written
//! before schema version 6 hold the log as JSON text and are read as they are (the column's
//! storage class tells them apart); schema version 6 exists so that an older build refuses this
//! file instead of misreading a BLOB.

use crate::core::outcome::{Attempt, Outcome, Status};
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use rusqlite::types::ValueRef;
use serde_json::Value;
use std::io::{Read, Write};

/// The key that stands for "the raw reply is the stored analysis".
const REPLY_IS_ANALYSIS: &str = "raw_reply_is_analysis";

/// The attempt log as read from the row, before decoding.
pub(super) enum StoredLog {
    /// JSON text (rows from before schema version 6, and hand-edited ones).
    Text(String),
    /// Deflated JSON.
    Compact(Vec<u8>),
}

impl StoredLog {
    /// Read the column whatever its storage class.
    pub(super) fn from_value(value: ValueRef<'_>) -> rusqlite::Result<StoredLog> {
        match value {
            ValueRef::Blob(bytes) => Ok(StoredLog::Compact(bytes.to_vec())),
            ValueRef::Text(text) => Ok(StoredLog::Text(String::from_utf8_lossy(text).into_owned())),
            ValueRef::Null => Ok(StoredLog::Text("[]".into())),
            other => Err(rusqlite::Error::InvalidColumnType(12, "attempts_json".into(), other.data_type())),
        }
    }
}

/// The compact form of `outcome`'s attempts; `analysis_text` is the analysis exactly as stored.
pub(super) fn encode(outcome: &Outcome, analysis_text: Option<&str>) -> Result<Vec<u8>, serde_json::Error> {
    let mut log = serde_json::to_value(&outcome.attempts)?;
    if outcome.status == Status::Ok
        && let (Some(analysis), Some(attempts)) = (analysis_text, log.as_array_mut())
    {
        for attempt in attempts.iter_mut().filter_map(Value::as_object_mut) {
            let accepted = attempt.get("error").is_none_or(Value::is_null);
            if accepted && attempt.get("raw_reply").and_then(Value::as_str) == Some(analysis) {
                attempt.remove("raw_reply");
                attempt.insert(REPLY_IS_ANALYSIS.into(), Value::Bool(true));
            }
        }
    }
    let json = serde_json::to_vec(&log)?;
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(json.len() / 2), Compression::default());
    // Writing into a Vec cannot fail; the error type is only the writer's.
    encoder.write_all(&json).map_err(serde_json::Error::io)?;
    encoder.finish().map_err(serde_json::Error::io)
}

/// The attempts of a stored log; `analysis_text` is the row's analysis column.
pub(super) fn decode(log: StoredLog, analysis_text: Option<&str>) -> Result<Vec<Attempt>, String> {
    let json = match log {
        StoredLog::Text(text) => return serde_json::from_str(&text).map_err(|e| e.to_string()),
        StoredLog::Compact(bytes) => {
            let mut json = Vec::with_capacity(bytes.len() * 3);
            DeflateDecoder::new(bytes.as_slice())
                .read_to_end(&mut json)
                .map_err(|e| format!("the compressed attempt log is damaged: {e}"))?;
            json
        }
    };
    let mut log: Value = serde_json::from_slice(&json).map_err(|e| e.to_string())?;
    for attempt in log.as_array_mut().into_iter().flatten().filter_map(Value::as_object_mut) {
        if attempt.remove(REPLY_IS_ANALYSIS).is_some() {
            let reply = analysis_text.ok_or("an attempt's reply is the analysis, but there is none")?;
            attempt.insert("raw_reply".into(), Value::String(reply.to_string()));
        }
    }
    serde_json::from_value(log).map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::fixtures::outcome;

    fn round_trip(o: &Outcome, analysis: Option<&str>) -> (Vec<u8>, Vec<Attempt>) {
        let bytes = encode(o, analysis).unwrap();
        let back = decode(StoredLog::Compact(bytes.clone()), analysis).unwrap();
        (bytes, back)
    }

    #[test]
    fn an_accepted_reply_is_stored_once_and_read_back_whole() {
        let mut o = outcome(Status::Ok, 10, 5, None);
        let analysis = serde_json::to_string(o.analysis.as_ref().unwrap()).unwrap();
        o.attempts[0].raw_reply = analysis.clone();
        o.attempts[0].error = None;
        let (bytes, back) = round_trip(&o, Some(&analysis));
        assert_eq!(back, o.attempts);
        let json = String::from_utf8(decode_raw(&bytes)).unwrap();
        assert!(!json.contains("raw_reply\""), "the reply is not stored twice: {json}");
        assert!(json.contains(REPLY_IS_ANALYSIS));
    }

    #[test]
    fn failed_results_and_rejected_attempts_keep_every_raw_reply() {
        let mut o = outcome(Status::Invalid, 10, 5, None);
        let analysis = serde_json::to_string(o.analysis.as_ref().unwrap()).unwrap();
        o.attempts[0].raw_reply = analysis.clone();
        let (bytes, back) = round_trip(&o, Some(&analysis));
        assert_eq!(back, o.attempts);
        assert!(!String::from_utf8(decode_raw(&bytes)).unwrap().contains(REPLY_IS_ANALYSIS));
        // An ok result whose first attempt was rejected: that reply stays.
        let mut ok = outcome(Status::Ok, 10, 5, None);
        ok.attempts.push(ok.attempts[0].clone());
        ok.attempts[0].raw_reply = "{\"topic\": \"refund\"}".into();
        ok.attempts[0].error = Some("invalid".into());
        ok.attempts[1].raw_reply = analysis.clone();
        ok.attempts[1].error = None;
        let (bytes, back) = round_trip(&ok, Some(&analysis));
        assert_eq!(back, ok.attempts);
        assert!(String::from_utf8(decode_raw(&bytes)).unwrap().contains("refund"));
    }

    #[test]
    fn text_logs_from_older_rows_read_as_they_are_and_damage_is_named() {
        let o = outcome(Status::Ok, 10, 5, None);
        let text = serde_json::to_string(&o.attempts).unwrap();
        assert_eq!(decode(StoredLog::Text(text), None).unwrap(), o.attempts);
        assert!(decode(StoredLog::Compact(vec![0xff, 0x00, 0x12]), None).is_err());
    }

    #[test]
    fn a_version_5_history_reads_the_same_after_migrating_and_new_rows_are_compact() {
        use crate::store::migrations::MIGRATIONS;
        use crate::store::{DB_FILE_NAME, Store, fixtures};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        let ok = outcome(Status::Ok, 10, 5, Some(0.01));
        let failed = outcome(Status::Invalid, 10, 5, Some(0.01));
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            for step in &MIGRATIONS[..5] {
                tx.execute_batch(step).unwrap();
            }
            tx.pragma_update(None, "user_version", 5).unwrap();
            tx.execute_batch(
                "INSERT INTO specs VALUES ('s', 'spec', '{}', 't');
                 INSERT INTO conversations VALUES ('c', 'c1', 'a.txt', '{}', 2, 't');
                 INSERT INTO runs (id, started_at, spec_hash, spec_name, provider, model, kind, state, n_planned)
                     VALUES (1, 't', 's', 'spec', 'openai', 'm', 'batch', 'finished', 2);",
            )
            .unwrap();
            for (id, o) in [(1, &ok), (2, &failed)] {
                tx.execute(
                    "INSERT INTO results (id, run_id, spec_hash, conversation_hash, status, provider, model,
                         input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, est_input_tokens,
                         est_output_tokens, latency_ms, created_at, conversation_id, source,
                         analysis_json, errors_json, attempts_json)
                     VALUES (?1, 1, 's', 'c', ?2, 'openai', 'm', 0, 0, 0, 0, 0, 0, 0, 't', 'c1', 'a.txt',
                         ?3, '[]', ?4)",
                    rusqlite::params![
                        id,
                        o.status.as_str(),
                        serde_json::to_string(o.analysis.as_ref().unwrap()).unwrap(),
                        serde_json::to_string(&o.attempts).unwrap()
                    ],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let store = Store::open(&path).unwrap();
        let old = store.results(1).unwrap();
        assert_eq!(old[0].outcome.attempts, ok.attempts, "text logs from v5 read as they were");
        assert_eq!(old[1].outcome.attempts, failed.attempts);
        assert!(old[1].outcome.attempts.iter().all(|a| !a.raw_reply.is_empty()));
        let (spec_hash, conv) = fixtures::seed(&store, "s2", "c2");
        let run = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        let mut accepted = outcome(Status::Ok, 10, 5, None);
        accepted.attempts[0].raw_reply = serde_json::to_string(accepted.analysis.as_ref().unwrap()).unwrap();
        accepted.attempts[0].error = None;
        let id = store.record_result(run, &conv, &accepted).unwrap();
        let kind: String = store
            .conn
            .query_row("SELECT typeof(attempts_json) FROM results WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        assert_eq!(kind, "blob");
        assert_eq!(store.results(run).unwrap()[0].outcome, accepted, "its raw reply reads back");
    }

    fn decode_raw(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        DeflateDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }
}
