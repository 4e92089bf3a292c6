//! How the app takes what comes back from the engine: run progress, imports, history pages,
//! comparisons, dialogs, and the pipeline views' events (handled in `pipeline`).

use super::DebriefApp;
use super::commands::Command;
use super::model::Loaded;
use super::state::Dialog;
use crate::core::outcome::Status;
use crate::engine::Event;
use crate::ui::bridge::{Pick, UiEvent};
use std::path::PathBuf;

impl DebriefApp {
    /// One small handler per event (the big ones below).
    pub(super) fn on_event(&mut self, event: UiEvent) {
        match event {
            UiEvent::Engine(Event::Started { run_id, .. }) => {
                if let Some(run) = &mut self.model.run {
                    run.run_id = Some(run_id);
                }
            }
            UiEvent::Engine(Event::Result { outcome, .. }) => self.on_result(outcome),
            UiEvent::Engine(Event::Retrying { conversation_id, attempt, of, wait_ms, reason, .. }) => {
                if let Some(run) = &mut self.model.run {
                    let at = std::time::Instant::now() + std::time::Duration::from_millis(wait_ms);
                    run.retrying = Some((conversation_id, attempt, of, at, reason));
                }
            }
            UiEvent::Engine(Event::Finished { state, .. }) => self.on_finished(state),
            UiEvent::RunFailed(error) => {
                self.model.run = None;
                let text = format!("the run failed: {error:#}");
                self.model.run_failure = Some(text.clone());
                self.model.notice(text);
            }
            UiEvent::Imported { paths, import } => self.on_imported(paths, import),
            UiEvent::Latest { spec_hash, results } => {
                for r in results {
                    // Newer results from this session win over stored ones.
                    self.model
                        .outcomes
                        .entry((spec_hash.clone(), r.conversation_hash.clone()))
                        .or_insert(r.outcome);
                }
            }
            UiEvent::Runs { query, runs } => {
                if query == self.model.history.query {
                    self.model.history.runs = runs;
                    self.model.history.loading = false;
                }
            }
            UiEvent::BatchJobs(jobs) => self.model.history.batch_jobs = jobs,
            UiEvent::RunResults { run_id, results, started } => self.on_run_results(run_id, results, started),
            UiEvent::Compared { a, b, result } => self.on_compared(a, b, result),
            UiEvent::Spec { hash, spec } => {
                if let Some(spec) = spec {
                    self.model.history.spec = Some((hash, spec.schema));
                    self.model.history.rebuild_dashboard();
                }
            }
            UiEvent::ConversationHistory { content_hash, results } => {
                // Newest first: the first seen per spec version is the latest.
                for r in &results {
                    self.model
                        .outcomes
                        .entry((r.spec_hash.clone(), content_hash.clone()))
                        .or_insert_with(|| r.outcome.clone());
                }
                self.model.conversation_history = Some((content_hash, results));
            }
            UiEvent::Picked { pick, paths } => self.on_picked(pick, paths),
            UiEvent::QueryFailed(error) => {
                self.model.history.loading = false;
                self.model.notice(format!("{error:#}"));
            }
            UiEvent::StoredRules(stored) => self.on_stored_rules(stored),
            UiEvent::SpecLoaded { path, result } => self.on_spec_loaded(path, result),
            UiEvent::SpecSaved { path, fingerprint, result } => self.on_spec_saved(path, fingerprint, result),
            UiEvent::LabelsSaved => self.refresh_labels(),
            UiEvent::Transcript { hash, conversation } => {
                if let Some(c) = conversation {
                    self.model.history.transcript = super::model::Requested::Ready(hash, c);
                }
            }
            UiEvent::Labels(labels) => self.on_labels(labels),
            UiEvent::Evaluated(result) => {
                self.model.history.evaluation = Some(result.map_err(|e| format!("{e:#}")));
            }
            other => self.on_pipeline_event(other),
        }
    }

    fn on_result(&mut self, outcome: Box<crate::core::outcome::Outcome>) {
        if let Some(run) = &mut self.model.run
            && run.retrying.as_ref().is_some_and(|r| r.0 == outcome.conversation_id)
        {
            run.retrying = None;
        }
        let hash = self
            .model
            .conversations
            .iter()
            .find(|c| c.conversation.source == outcome.source && c.conversation.id == outcome.conversation_id)
            .map(|c| c.hash.clone());
        if let (Some(run), Some(hash)) = (&mut self.model.run, hash) {
            run.done += 1;
            match outcome.status {
                Status::Ok => {}
                Status::Skipped => run.skipped += 1,
                _ => run.failed += 1,
            }
            if outcome.note.as_deref().is_some_and(|n| n.starts_with(crate::store::REUSED_PREFIX)) {
                run.reused += 1;
            }
            run.cost_usd += outcome.cost_usd.unwrap_or(0.0);
            self.model.pinned = None;
            self.model.outcomes.insert((run.spec_hash.clone(), hash), *outcome);
        }
    }

    fn on_finished(&mut self, state: crate::store::RunState) {
        if let Some(run) = self.model.run.take()
            && run.planned > 1
        {
            let id = run.run_id.map(|i| format!("Run {i}")).unwrap_or_else(|| "Run".into());
            self.model.notice(format!(
                "{id} {}: {} ok ({} reused) · {} not ok · {} skipped · {} not done · {} — open History to review it",
                state.as_str(),
                run.done - run.failed - run.skipped,
                run.reused,
                run.failed,
                run.skipped,
                run.planned - run.done,
                crate::core::cost::format_usd(Some(run.cost_usd))
            ));
        }
        self.commands.push(Command::RefreshHistory);
        if self.state.deliver && self.server.is_none() {
            self.deliver_now();
        }
        if let Some(hash) = self.state.selected.clone() {
            self.bridge.query_conversation_history(hash);
        }
    }

    fn on_imported(&mut self, paths: Vec<PathBuf>, import: crate::core::transcript::Import) {
        self.model.importing = self.model.importing.saturating_sub(1);
        let before = self.model.conversations.len();
        let import_len = import.conversations.len();
        for e in &import.errors {
            self.model.import_errors.push(e.to_string());
        }
        // Imported, but not cleanly (a guessed encoding, odd CSV rows): listed with the errors.
        for w in &import.warnings {
            self.model.import_errors.push(format!("warning: {w}"));
        }
        // A set, not a scan per conversation: importing 2,000 into 2,000 stays one frame.
        let mut known: std::collections::HashSet<String> =
            self.model.conversations.iter().map(|c| c.hash.clone()).collect();
        for conversation in import.conversations {
            let hash = conversation.content_hash();
            if known.insert(hash.clone()) {
                self.model.conversations.push(Loaded { conversation, hash });
            }
        }
        let added = self.model.conversations.len() - before;
        if import_len == 0 && import.errors.is_empty() {
            let skipped = import.skipped.len();
            self.model.notice(format!(
                "nothing to import from {} (no transcript files found; {skipped} other file(s) skipped)",
                describe_paths(&paths)
            ));
        }
        // Remember only paths that gave something, so a typo is not retried every launch.
        if import_len > 0 {
            for p in paths {
                if !self.state.loaded_paths.contains(&p) {
                    self.state.loaded_paths.push(p);
                }
            }
        }
        if added > 0 {
            self.model.latest_for = None;
            self.refresh_labels();
        }
        let restored =
            self.state.selected.clone().filter(|h| self.model.conversations.iter().any(|c| &c.hash == h));
        match restored.or_else(|| self.model.conversations.first().map(|c| c.hash.clone())) {
            Some(hash) => self.select(hash),
            None => self.state.selected = None,
        }
    }

    fn on_run_results(
        &mut self,
        run_id: crate::store::RunId,
        results: Vec<crate::store::StoredResult>,
        started: std::collections::HashMap<String, String>,
    ) {
        if self.model.history.open_run == Some(run_id) {
            // Completion order is arbitrary; list them as the workbench does.
            let mut results = results;
            results.sort_by(|a, b| {
                (&a.outcome.source, &a.outcome.conversation_id)
                    .cmp(&(&b.outcome.source, &b.outcome.conversation_id))
            });
            if let Some(first) = results.first()
                && self.model.history.spec.as_ref().is_none_or(|(h, _)| *h != first.spec_hash)
            {
                self.bridge.query_spec(first.spec_hash.clone());
            }
            self.model.history.results = results;
            self.model.history.started = started;
            self.model.history.selected = 0;
            self.model.history.compare_with = None;
            self.model.history.comparison = None;
            self.model.history.evaluation = None;
            self.model.history.rebuild_dashboard();
            self.refresh_labels();
        }
    }

    fn on_compared(
        &mut self,
        a: crate::store::RunId,
        b: crate::store::RunId,
        result: Result<Box<crate::core::compare::Comparison>, crate::engine::EngineError>,
    ) {
        let h = &mut self.model.history;
        let asked = h.open_run.zip(h.compare_with).map(|(x, y)| (x.min(y), x.max(y)));
        if asked == Some((a, b)) {
            let text = result.map(|c| crate::core::compare::render(&c)).map_err(|e| format!("{e:#}"));
            let other = if h.open_run == Some(a) { b } else { a };
            h.comparison =
                Some((other, text.map(|t| format!("A = run {a} (older), B = run {b} (newer)\n\n{t}"))));
        }
    }

    fn on_stored_rules(&mut self, stored: Vec<crate::store::StoredRule>) {
        if !stored.is_empty() {
            self.state.rules = stored
                .into_iter()
                .map(|r| {
                    let rule = crate::core::rules::Rule::new(r.name, r.expression);
                    match r.event {
                        Some(e) => rule.with_event(e),
                        None => rule,
                    }
                })
                .collect();
        }
    }

    fn on_picked(&mut self, pick: Pick, paths: Option<Vec<PathBuf>>) {
        match (pick, paths) {
            (Pick::Transcripts, None) => self.model.notice("no file chosen — if no dialog appeared (no desktop portal or zenity), type a path in the Path field instead"),
            (Pick::Transcripts, Some(paths)) => self.commands.push(Command::LoadPaths(paths)),
            (Pick::Spec, None) => self.state.dialog = Some(Dialog::SpecPath { save: false, text: String::new() }),
            (Pick::SaveSpec, None) => {
                let text = self.state.draft.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
                self.state.dialog = Some(Dialog::SpecPath { save: true, text });
            }
            (Pick::Spec, Some(mut paths)) => {
                if let Some(p) = paths.pop() {
                    self.commands.push(Command::OpenSpec(p));
                }
            }
            (Pick::SaveSpec, Some(mut paths)) => {
                if let Some(p) = paths.pop() {
                    self.commands.push(Command::SaveTo(p));
                }
            }
        }
    }
}

/// "a, b and 2 more" for notices.
fn describe_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().take(2).map(|p| p.display().to_string()).collect();
    match paths.len() {
        0..=2 => names.join(", "),
        n => format!("{} and {} more", names.join(", "), n - 2),
    }
}
