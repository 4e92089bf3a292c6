//! The batch-jobs list in the History view: every provider batch-API job (`debrief batch --via
//! batch-api`) with its provider state and request counts, so a job waiting at the provider —
//! up to 24 hours — is visible without a terminal. Drawing only; the rows come from the engine.

use crate::store::BatchJob;

/// A collapsible table of jobs, newest first.
pub fn batch_jobs_ui(ui: &mut egui::Ui, jobs: &[BatchJob]) {
    egui::CollapsingHeader::new(format!("Batch jobs ({})", jobs.len())).default_open(true).show(ui, |ui| {
        egui::Grid::new("batch_jobs_grid").striped(true).num_columns(7).show(ui, |ui| {
            for title in ["job", "provider / model", "remote id", "state", "counts", "run", "updated"] {
                ui.strong(title);
            }
            ui.end_row();
            for job in jobs {
                ui.label(job.id.to_string());
                ui.label(format!("{} / {}", job.provider, job.model));
                ui.label(&job.remote_id);
                ui.label(&job.state);
                ui.label(counts_text(job));
                ui.label(job.run_id.map(|r| r.to_string()).unwrap_or_else(|| "—".into()));
                ui.label(&job.updated_at);
                ui.end_row();
            }
        });
        if jobs.iter().any(|j| j.run_id.is_none()) {
            ui.weak("A job without a run is still at the provider: run the same `debrief batch --via batch-api` command to collect it, or `debrief jobs cancel ID`.");
        }
    });
}

/// `completed 3 · failed 1`, in the provider's own words.
fn counts_text(job: &BatchJob) -> String {
    if job.counts.is_empty() {
        return "—".into();
    }
    job.counts.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(" · ")
}
