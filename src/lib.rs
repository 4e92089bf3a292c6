//! Debrief: design, test and review post-conversation analyses.
//!
//! Layers, with dependencies pointing down only (see DESIGN.md):
//! - [`core`] — pure domain logic: specs, schemas and provider dialects, transcripts, prompts,
//!   tokens and cost, outcomes. No runtime, no database, no GUI.
//! - [`llm`] — provider wire formats over HTTP, and the offline baseline.
//! - [`store`] — the SQLite history (synchronous; the engine calls it off the async threads).
//! - [`engine`] — async orchestration: analyse with repair, commit each result at once.
//! - [`cli`] — the `debrief` command line, a thin edge over the engine.
//! - [`server`] — `debrief serve`: intake, the analysis API and webhooks over HTTP, a third edge.
//! - [`ui`] — the egui workbench, another edge over the engine.

pub mod cli;
pub mod core;
pub mod engine;
pub mod llm;
pub mod server;
pub mod store;
pub mod ui;
