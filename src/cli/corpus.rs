//! `debrief batch`'s corpus, streamed from disk into the run instead of loaded first, so memory
//! does not grow with the corpus (issue 12: flat at a million conversations).
//!
//! What `load_with` prints after loading (errors, warnings, notes, named files that are not
//! transcripts) is printed here as the stream meets it. Labels embedded in JSON transcripts are
//! the one thing kept from the conversations themselves (without their turns), so the run's
//! evaluation sees them as before.

use super::CliError;
use super::spec_args::check_paths;
use crate::core::transcript::{Conversation, Corpus, LoadOptions, Loaded};
use crate::engine::{ConversationStream, Conversations};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// What the stream has met so far; read by the front end while the run goes and at its end.
#[derive(Debug, Default)]
pub struct StreamReport {
    /// Conversations handed to the run.
    pub conversations: usize,
    /// A file or line could not be read, or a file named explicitly is not a transcript.
    pub failed: bool,
    /// Conversations that carried labels (`expected`), without their turns.
    pub labelled: Vec<Conversation>,
    /// Their ids, to keep their outcomes for the evaluation.
    pub labelled_ids: HashSet<String>,
}

impl StreamReport {
    /// Keep a conversation's embedded labels (without its turns), if it has any.
    fn keep_labels(&mut self, c: &Conversation) {
        if c.expected.is_some() {
            self.labelled_ids.insert(c.id.clone());
            self.labelled.push(Conversation { turns: Vec::new(), ..c.clone() });
        }
    }
}

/// The shared report of one stream.
#[derive(Debug, Clone, Default)]
pub struct Report(Arc<Mutex<StreamReport>>);

impl Report {
    /// The report; a panic elsewhere while holding it leaves counts that are still worth reading.
    pub fn lock(&self) -> MutexGuard<'_, StreamReport> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Walk `paths` and stream them. `None` when the walk found no file to read: the caller then
/// loads the usual way, which says why there is nothing (and exits as it always has).
pub fn stream(
    paths: &[PathBuf],
    follow_links: bool,
) -> Result<Option<(ConversationStream, Report)>, CliError> {
    check_paths(paths)?;
    let corpus = Corpus::walk(paths, LoadOptions { follow_links });
    if corpus.files() == 0 {
        return Ok(None);
    }
    let planned = corpus.planned();
    let report = Report::default();
    let shared = report.clone();
    let named: Vec<PathBuf> = paths.to_vec();
    let items = corpus.stream().filter_map(move |item| {
        let mut report = shared.lock();
        match item {
            Loaded::Conversation(c) => {
                report.conversations += 1;
                report.keep_labels(&c);
                return Some(*c);
            }
            Loaded::Error(e) => {
                eprintln!("error: {e}");
                report.failed = true;
            }
            Loaded::Warning(w) => eprintln!("warning: {w}"),
            Loaded::Note(n) => eprintln!("note: {n}"),
            // A file named explicitly but not a transcript type is an error; inside folders such
            // files (READMEs, label files) are skipped quietly.
            Loaded::Skipped(path) if named.contains(&path) => {
                eprintln!(
                    "error: {}: not a transcript (expected .txt, .json, .jsonl, .vtt, .srt or .csv content)",
                    path.display()
                );
                report.failed = true;
            }
            Loaded::Skipped(_) => {}
        }
        None
    });
    Ok(Some((ConversationStream::new(planned, items), report)))
}

/// The corpus of a `batch` run: streamed, except for the providers' batch APIs, which write
/// every request into their job files first. `None`: nothing could be read (already said).
/// The flag: a file failed to load (only for a corpus loaded whole; a stream reports it in its
/// [`Report`]).
pub fn open(
    paths: &[PathBuf],
    follow_links: bool,
    via: &super::batch_api::Via,
) -> Result<Option<(Conversations, Report, bool)>, CliError> {
    if matches!(via, super::batch_api::Via::Calls)
        && let Some((stream, report)) = stream(paths, follow_links)?
    {
        return Ok(Some((Conversations::Stream(stream), report, false)));
    }
    let (import, failed) = super::analyze::load_with(paths, follow_links)?;
    if import.conversations.is_empty() {
        eprintln!("nothing to analyse: no input file could be read");
        return Ok(None);
    }
    let report = Report::default();
    {
        let mut r = report.lock();
        r.conversations = import.conversations.len();
        import.conversations.iter().for_each(|c| r.keep_labels(c));
    }
    Ok(Some((Conversations::List(import.conversations), report, failed)))
}
