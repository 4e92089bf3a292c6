//! Debrief's integration tests: one binary, one module per area.
//!
//! - `transcripts`: every real conversation in ../shared/real_conversations imports; bad files
//!   are reported, not fatal.
//! - `openai`: the OpenAI wire format against a loopback server that enforces strict-mode rules.
//! - `anthropic`, `gemini`: the Anthropic Messages and Gemini generateContent wire formats against
//!   loopback servers that enforce each provider's documented schema rules.
//! - `local_model`: a real llama-server with Gemma 3 270M (ignored unless `.ci/run` built it).
//! - `ollama`: the native Ollama `/api/chat` format, `num_ctx` sized to the prompt, `OLLAMA_HOST`.
//! - `batch`: `debrief batch` — resume after kill -9, policy skips and sampling, repeats, 429s.
//! - `batch_api`: `batch --via batch-api` against loopback stand-ins of OpenAI Batch, Anthropic
//!   Message Batches and Gemini Batch Mode (`batch_api_standin`): happy paths, errored and
//!   expired items repaired by normal calls, cancel, kill -9 while polling, no key stored.
//! - `compare`: `debrief compare` — two offline batches with different prompts and schemas,
//!   JSON and text reports, exit 2 for unknown or disjoint runs.
//! - `context_window`: conversations too long for the model are skipped (zero requests) or sent
//!   shortened once (`head_tail`); `estimate`/`project` flag them; `prices`, `--price`, `--prices`.
//! - `count`: `estimate --exact` against Anthropic count_tokens and Gemini countTokens stand-ins.
//! - `cli`: the `debrief` binary end to end — output contract, exit codes, history, secrets.
//! - `errors`: issue 11 defects 7 and 8 — errors name the file, the position or pointer and the
//!   remedy; bad data (CSV, subtitles, spec settings, schema typos) is refused or reported.
//! - `redaction`: PII redaction — per-kind recall and precision on the two labelled corpora.
//! - `redaction_flow`: `debrief redact`, the GUI toggles, `export --originals`, the real
//!   conversations, and the leak test over every provider, the batch APIs and the intake.
//! - `lint`: `debrief lint` — templates clean for every provider, poor schemas, exit codes.
//! - `serve`: `debrief serve` in process — intake, signed webhooks against an independent
//!   verifier, the read API, retries, 410, timeouts, rules, the watch folder, exports.
//! - `serve_process`: the `debrief serve` binary — kill -9 and restart lose nothing, SIGTERM
//!   exits 0, keys and secrets never in logs, exports, payloads or listings.
//!
//! Nothing here reaches the internet: provider tests talk to wiremock on 127.0.0.1.

// Test helpers outside #[test] functions may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod receiver;
mod util;

mod anthropic;
mod architecture;
mod batch;
mod batch_api;
mod batch_api_standin;
mod cli;
mod compare;
mod context_window;
mod count;
mod errors;
mod evidence;
mod gemini;
mod gui;
mod gui_pipeline;
mod gui_review;
mod labels;
mod lint;
mod local_model;
mod ollama;
mod openai;
mod pipeline;
mod redaction;
mod redaction_flow;
mod reliability;
mod reliability_process;
mod serve;
mod serve_process;
mod transcripts;
