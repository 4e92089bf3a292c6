//! Debrief's integration tests: one binary, one module per area.
//!
//! - `transcripts`: every real conversation in ../shared/real_conversations imports; bad files
//!   are reported, not fatal.
//! - `openai`: the OpenAI wire format against a loopback server that enforces strict-mode rules.
//! - `cli`: the `debrief` binary end to end — output contract, exit codes, history, secrets.
//!
//! Nothing here reaches the internet: provider tests talk to wiremock on 127.0.0.1.

// Test helpers outside #[test] functions may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

mod cli;
mod gui;
mod openai;
mod pipeline;
mod transcripts;
