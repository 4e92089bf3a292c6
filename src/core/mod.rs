//! Pure domain logic: no egui, no tokio, no rusqlite. Everything here is testable with plain
//! values, which is why the engine, CLI and GUI all share it.

pub mod compare;
pub mod context_window;
pub mod cost;
pub mod dashboard;
pub mod eval;
pub mod evidence;
pub mod export;
pub mod id_key;
pub mod intake;
pub mod line;
pub mod lint;
pub mod models;
pub mod outcome;
pub mod policy;
pub mod prompt;
pub mod redact;
pub mod repetition;
pub mod rules;
pub mod schema;
pub mod secrets;
pub mod spec;
pub mod spec_shape;
pub mod stability;
pub mod text_file;
pub mod transcript;
pub mod webhook;

#[cfg(test)]
mod scale_tests;
