//! Loopback stand-ins of the three providers' batch APIs, written from their docs: OpenAI Files
//! and Batches (JSONL in, JSONL output and error files by `custom_id`), Anthropic Message Batches
//! (`processing_status`, `results_url` JSONL, not in request order), Gemini Batch Mode
//! (`batchGenerateContent` with inline requests, `JOB_STATE_*`, inlined responses by key). One
//! stateful responder serves all three and the normal call endpoints, counting every request.

use crate::util::chat_reply;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use wiremock::{Request, Respond, ResponseTemplate};

/// How the job ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Completed,
    /// Only the first `n` requests ran; the rest expired.
    Expired(usize),
}

#[derive(Default)]
pub struct State {
    /// Requests by "METHOD path".
    pub hits: BTreeMap<String, usize>,
    /// Each request's custom id and body, as submitted.
    pub submitted: Vec<(String, Value)>,
    /// Raw bodies of every submission (files and batch bodies), to check for keys.
    pub raw_uploads: Vec<String>,
    /// Status polls answered `in progress` before the job ends (`usize::MAX`: never, until set).
    pub polls_before_end: usize,
    pub polls: usize,
    /// Custom ids the batch errors (repaired by normal calls).
    pub errored: Vec<String>,
    pub ending: Option<Ending>,
    pub cancelled: bool,
    /// The key the client must send; error texts echo it, to prove they are scrubbed.
    pub key: String,
    /// Every request body received, in order (the redaction leak test searches them).
    pub bodies: Vec<String>,
}

#[derive(Clone)]
pub struct StandIn(pub Arc<Mutex<State>>);

impl StandIn {
    pub fn new(key: &str, polls_before_end: usize) -> StandIn {
        StandIn(Arc::new(Mutex::new(State {
            polls_before_end,
            ending: Some(Ending::Completed),
            key: key.to_string(),
            ..State::default()
        })))
    }
    pub fn hits(&self, what: &str) -> usize {
        self.0.lock().unwrap().hits.get(what).copied().unwrap_or(0)
    }
    pub fn set(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.0.lock().unwrap())
    }
}

/// The analysis every OpenAI reply carries (fits the post_analysis template). OpenAI's strict
/// mode makes every optional field required and nullable, so the optional `follow_up_notes`
/// comes back `null` (and is dropped before validation).
pub fn good() -> Value {
    json!({"summary": "Refund issued.", "topic": "billing", "resolved": true, "sentiment": "positive",
           "follow_up_needed": false, "follow_up_notes": null})
}

/// The same analysis as Anthropic's and Gemini's constrained decoding return it: the optional
/// field absent, since their sent schemas keep it optional rather than nullable.
fn good_optional_absent() -> Value {
    let mut v = good();
    if let Some(map) = v.as_object_mut() {
        map.remove("follow_up_notes");
    }
    v
}

fn anthropic_message() -> Value {
    json!({"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
           "content": [{"type": "text", "text": good_optional_absent().to_string()}], "stop_reason": "end_turn",
           "usage": {"input_tokens": 1000, "output_tokens": 50}})
}

fn gemini_reply() -> Value {
    json!({"candidates": [{"content": {"role": "model", "parts": [{"text": good_optional_absent().to_string()}]}, "finishReason": "STOP"}],
           "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 50, "totalTokenCount": 1050}})
}

impl State {
    /// Whether the job has ended (polls counted here).
    fn ended(&mut self) -> bool {
        self.polls += 1;
        self.cancelled || self.polls > self.polls_before_end
    }
    /// Which requests have a result: all, those before an expiry, or (cancelled) the first one.
    fn ran(&self, i: usize) -> bool {
        if self.cancelled {
            return i == 0;
        }
        match self.ending {
            Some(Ending::Expired(n)) => i < n,
            _ => true,
        }
    }
    fn authorised(&self, req: &Request) -> bool {
        let h = |name: &str| req.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        h("authorization") == format!("Bearer {}", self.key)
            || h("x-api-key") == self.key
            || h("x-goog-api-key") == self.key
    }
}

impl Respond for StandIn {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap();
        let path = req.url.path().to_string();
        *s.hits.entry(format!("{} {path}", req.method)).or_default() += 1;
        if !s.authorised(req) {
            return ResponseTemplate::new(401).set_body_json(json!({"error": {"message": "bad key"}}));
        }
        let body = String::from_utf8_lossy(&req.body).into_owned();
        s.bodies.push(body.clone());
        let method = req.method.to_string();
        match (method.as_str(), path.as_str()) {
            // ---- normal calls (repairs of failed batch items)
            ("POST", "/v1/chat/completions") => ok(chat_reply(&good().to_string(), "stop", 1000, 0, 50)),
            ("POST", "/v1/messages") => ok(anthropic_message()),
            ("POST", p) if p.ends_with(":generateContent") => ok(gemini_reply()),
            (m, p) if p.starts_with("/v1/files") || p.starts_with("/v1/batches") => s.openai(m, p, &body),
            (m, p) if p.starts_with("/v1/messages/batches") => s.anthropic(m, p, &body, req),
            (m, p) => s.gemini(m, p, &body),
        }
    }
}

impl State {
    fn openai(&mut self, method: &str, path: &str, body: &str) -> ResponseTemplate {
        let s = self;
        let body = body.to_string();
        match (method, path) {
            // ---- OpenAI Files + Batches
            ("POST", "/v1/files") => {
                s.raw_uploads.push(body.clone());
                if !body.contains("name=\"purpose\"") || !body.contains("batch") {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"error": {"message": "purpose must be batch"}}));
                }
                for line in body.lines().filter(|l| l.starts_with("{\"")) {
                    let v: Value = serde_json::from_str(line.trim()).unwrap();
                    assert_eq!(v["method"], "POST");
                    assert_eq!(v["url"], "/v1/chat/completions");
                    s.submitted.push((v["custom_id"].as_str().unwrap().to_string(), v["body"].clone()));
                }
                ok(json!({"id": "file-in-1", "object": "file", "purpose": "batch", "bytes": body.len()}))
            }
            ("POST", "/v1/batches") => {
                let v: Value = serde_json::from_str(&body).unwrap();
                if v["input_file_id"] != "file-in-1"
                    || v["completion_window"] != "24h"
                    || v["endpoint"] != "/v1/chat/completions"
                {
                    return ResponseTemplate::new(400)
                        .set_body_json(json!({"error": {"message": "bad batch"}}));
                }
                ok(json!({"id": "batch_1", "object": "batch", "status": "validating"}))
            }
            ("GET", "/v1/batches/batch_1") => {
                let n = s.submitted.len();
                if !s.ended() {
                    return ok(
                        json!({"id": "batch_1", "status": "in_progress", "request_counts": {"total": n, "completed": 0, "failed": 0}}),
                    );
                }
                let status = if s.cancelled {
                    "cancelled"
                } else if matches!(s.ending, Some(Ending::Expired(_))) {
                    "expired"
                } else {
                    "completed"
                };
                ok(
                    json!({"id": "batch_1", "status": status, "output_file_id": "file-out-1", "error_file_id": "file-err-1",
                          "request_counts": {"total": n, "completed": n - s.errored.len(), "failed": s.errored.len()}}),
                )
            }
            ("POST", "/v1/batches/batch_1/cancel") => {
                s.cancelled = true;
                ok(json!({"id": "batch_1", "status": "cancelling"}))
            }
            ("GET", "/v1/files/file-out-1/content") => {
                let lines: Vec<String> = s
                    .submitted
                    .iter()
                    .enumerate()
                    .filter(|(i, (id, _))| s.ran(*i) && !s.errored.contains(id))
                    .map(|(_, (id, _))| {
                        json!({"id": "r", "custom_id": id, "response": {"status_code": 200, "request_id": "q",
                        "body": chat_reply(&good().to_string(), "stop", 1000, 0, 50)}, "error": null})
                        .to_string()
                    })
                    .collect();
                text(lines)
            }
            ("GET", "/v1/files/file-err-1/content") => {
                let key = s.key.clone();
                let lines: Vec<String> = s.submitted.iter().enumerate()
                    .filter(|(i, (id, _))| s.errored.contains(id) || (!s.ran(*i) && !s.cancelled))
                    .map(|(i, (id, _))| if s.ran(i) {
                        json!({"id": "r", "custom_id": id, "response": {"status_code": 500, "request_id": "q",
                            "body": {"error": {"message": format!("server error for key {key}")}}}, "error": null}).to_string()
                    } else {
                        json!({"id": "r", "custom_id": id, "response": null, "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}).to_string()
                    })
                    .collect();
                text(lines)
            }
            _ => not_found(method, path),
        }
    }

    fn anthropic(&mut self, method: &str, path: &str, body: &str, req: &Request) -> ResponseTemplate {
        let s = self;
        let body = body.to_string();
        match (method, path) {
            // ---- Anthropic Message Batches
            ("POST", "/v1/messages/batches") => {
                s.raw_uploads.push(body.clone());
                let v: Value = serde_json::from_str(&body).unwrap();
                for r in v["requests"].as_array().unwrap() {
                    s.submitted.push((r["custom_id"].as_str().unwrap().to_string(), r["params"].clone()));
                }
                ok(
                    json!({"id": "msgbatch_1", "type": "message_batch", "processing_status": "in_progress", "results_url": null}),
                )
            }
            ("GET", "/v1/messages/batches/msgbatch_1") => {
                let ended = s.ended();
                let url = format!(
                    "{}/v1/messages/batches/msgbatch_1/results",
                    req.url.origin().ascii_serialization()
                );
                ok(
                    json!({"id": "msgbatch_1", "type": "message_batch", "processing_status": if ended { "ended" } else { "in_progress" },
                          "results_url": if ended { Value::String(url) } else { Value::Null },
                          "request_counts": {"processing": if ended { 0 } else { s.submitted.len() }, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}}),
                )
            }
            ("GET", "/v1/messages/batches/msgbatch_1/results") => {
                // Not in request order: newest first.
                let lines: Vec<String> = s.submitted.iter().enumerate().rev().map(|(i, (id, _))| {
                    let result = if s.errored.contains(id) {
                        json!({"type": "errored", "error": {"type": "error", "error": {"type": "api_error", "message": "overloaded"}}})
                    } else if !s.ran(i) {
                        json!({"type": if s.cancelled { "canceled" } else { "expired" }})
                    } else {
                        json!({"type": "succeeded", "message": anthropic_message()})
                    };
                    json!({"custom_id": id, "result": result}).to_string()
                }).collect();
                text(lines)
            }
            ("POST", "/v1/messages/batches/msgbatch_1/cancel") => {
                s.cancelled = true;
                ok(json!({"id": "msgbatch_1", "processing_status": "canceling"}))
            }
            _ => not_found(method, path),
        }
    }

    fn gemini(&mut self, method: &str, path: &str, body: &str) -> ResponseTemplate {
        let s = self;
        let body = body.to_string();
        match (method, path) {
            // ---- Gemini Batch Mode
            ("POST", p) if p.ends_with(":batchGenerateContent") => {
                s.raw_uploads.push(body.clone());
                let v: Value = serde_json::from_str(&body).unwrap();
                for r in v.pointer("/batch/input_config/requests/requests").and_then(Value::as_array).unwrap()
                {
                    s.submitted
                        .push((r["metadata"]["key"].as_str().unwrap().to_string(), r["request"].clone()));
                }
                ok(
                    json!({"name": "batches/b1", "metadata": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch", "state": "JOB_STATE_PENDING"}}),
                )
            }
            ("GET", "/v1beta/batches/b1") => {
                if !s.ended() {
                    return ok(
                        json!({"name": "batches/b1", "metadata": {"state": "JOB_STATE_RUNNING"}, "done": false}),
                    );
                }
                let state = if s.cancelled { "JOB_STATE_CANCELLED" } else { "JOB_STATE_SUCCEEDED" };
                let responses: Vec<Value> = s
                    .submitted
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| s.ran(*i))
                    .map(|(_, (id, _))| {
                        if s.errored.contains(id) {
                            json!({"error": {"code": 13, "message": "internal"}, "metadata": {"key": id}})
                        } else {
                            json!({"response": gemini_reply(), "metadata": {"key": id}})
                        }
                    })
                    .collect();
                ok(json!({"name": "batches/b1", "done": true,
                          "metadata": {"state": state, "batchStats": {"requestCount": s.submitted.len().to_string()}},
                          "response": {"@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                                       "inlinedResponses": {"inlinedResponses": responses}}}))
            }
            ("POST", "/v1beta/batches/b1:cancel") => {
                s.cancelled = true;
                ok(json!({}))
            }
            _ => not_found(method, path),
        }
    }
}

fn not_found(method: &str, path: &str) -> ResponseTemplate {
    ResponseTemplate::new(404)
        .set_body_json(json!({"error": {"message": format!("no route {method} {path}")}}))
}

fn ok(v: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(v)
}

fn text(lines: Vec<String>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(lines.join("\n") + "\n")
}
