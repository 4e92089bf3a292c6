//! The watch folder: every transcript file that appears in a folder is an ended conversation of
//! one agent.
//!
//! The folder is polled once a second. A file is taken once it is fully written — its size and
//! modification time the same on two polls in a row — and names ending in `.tmp`, `.part`,
//! `.partial`, `.crdownload` or `.swp`, or starting with `.`, are never taken (editors and
//! downloaders write those first and rename). What was taken is recorded in the history (path,
//! size, time), so a restart does not take it again, and a conversation whose exact content this
//! agent already received is not queued again whatever the file is called: nothing is analysed
//! twice. A file that does not parse is logged and recorded, and tried again only when it changes.

use super::{Engine, EngineError};
use crate::core::intake::Intake;
use crate::core::transcript;
use crate::engine::intake::Submitted;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How often the folder is looked at.
pub const POLL: Duration = Duration::from_secs(1);

/// File names never taken (written first, renamed when complete).
const PARTIAL: [&str; 5] = [".tmp", ".part", ".partial", ".crdownload", ".swp"];

/// A running watcher.
pub struct WatchWorker {
    pub stop: CancellationToken,
    pub join: tokio::task::JoinHandle<()>,
}

/// Watch `dir` for agent `agent_id`; `queued` is woken when a conversation is queued.
pub fn spawn(
    engine: Engine,
    dir: PathBuf,
    agent_id: String,
    queued: Arc<Notify>,
) -> Result<WatchWorker, EngineError> {
    if !dir.is_dir() {
        return Err(EngineError::Invalid(format!("--watch {}: not a folder", dir.display())));
    }
    engine.agent(&agent_id)?;
    let stop = CancellationToken::new();
    let token = stop.clone();
    let join = tokio::spawn(async move {
        let mut previous: HashMap<PathBuf, (u64, i64)> = HashMap::new();
        loop {
            let (engine2, dir2, agent2, prev) =
                (engine.clone(), dir.clone(), agent_id.clone(), previous.clone());
            match engine.blocking(move |e| Ok(poll(e, &dir2, &agent2, &prev))).await {
                Ok((seen, queued_now)) => {
                    previous = seen;
                    if queued_now > 0 {
                        queued.notify_one();
                    }
                }
                Err(e) => tracing::error!(error = %format!("{e:#}"), "watch folder: poll failed"),
            }
            drop(engine2);
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = token.cancelled() => break,
            }
        }
    });
    Ok(WatchWorker { stop, join })
}

/// One look at the folder: returns every file's (size, modified) for the next poll, and how many
/// conversations were queued.
fn poll(
    engine: &Engine,
    dir: &Path,
    agent_id: &str,
    previous: &HashMap<PathBuf, (u64, i64)>,
) -> (HashMap<PathBuf, (u64, i64)>, usize) {
    let mut seen = HashMap::new();
    let mut queued = 0;
    let Ok(entries) = std::fs::read_dir(dir) else { return (seen, 0) };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        if name.starts_with('.') || PARTIAL.iter().any(|p| name.ends_with(p)) || name == "expected.jsonl" {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let stamp = (meta.len(), modified);
        seen.insert(path.clone(), stamp);
        if previous.get(&path) != Some(&stamp) {
            continue; // New or still growing: wait for a second look.
        }
        let key = path.display().to_string();
        let size = i64::try_from(stamp.0).unwrap_or(i64::MAX);
        match engine.with(|s| s.watched(&key)) {
            Ok(Some(recorded)) if recorded == (size, stamp.1) => continue,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "watch folder: cannot read what was taken");
                continue;
            }
        }
        queued += take(engine, &path, agent_id);
        if let Err(e) = engine.with(|s| s.mark_watched(&key, size, stamp.1)) {
            tracing::error!(error = %format!("{e:#}"), file = %key, "watch folder: cannot record the file");
        }
    }
    (seen, queued)
}

/// Queue every conversation in one file; returns how many were queued.
fn take(engine: &Engine, path: &Path, agent_id: &str) -> usize {
    let conversations = match transcript::load_file(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "watch folder: not a transcript; it is tried again when it changes");
            return 0;
        }
    };
    let mut queued = 0;
    for conversation in conversations {
        let hash = conversation.content_hash();
        match engine.with(|s| s.intake_with_content(agent_id, &hash)) {
            Ok(Some(_)) => continue, // This agent has this exact conversation already.
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "watch folder: lookup failed");
                continue;
            }
        }
        // A name already used for other content gets the content's hash appended.
        let mut id = conversation.id.clone();
        if let Ok(Some(_)) = engine.with(|s| s.intake(&id)) {
            id = format!("{id}-{}", &hash[..8]);
        }
        let intake = Intake {
            conversation_id: id.clone(),
            agent_id: agent_id.to_string(),
            channel: conversation.metadata.channel.clone(),
            ended_at: conversation.metadata.ended_at.clone(),
            end_reason: conversation.metadata.ended_reason.clone(),
            conversation: transcript::Conversation { id: id.clone(), ..conversation },
        };
        match engine.submit(&intake, false) {
            Ok(Submitted::Queued) => {
                tracing::info!(conversation = %id, file = %path.display(), "watch folder: queued");
                queued += 1;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), file = %path.display(), "watch folder: cannot queue")
            }
        }
    }
    queued
}
