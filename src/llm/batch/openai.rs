//! OpenAI Batch: a JSONL file of `{custom_id, method, url, body}` lines uploaded to
//! `POST /files` (`purpose=batch`), then `POST /batches {input_file_id, endpoint,
//! completion_window: "24h"}`; `GET /batches/{id}` until `completed|failed|expired|cancelled`;
//! the output and error files (`GET /files/{id}/content`) are JSONL matched by `custom_id`.
//! The file holds only the request bodies — the key travels in the upload's header, never in it.

use super::{BatchClient, BatchError, BatchRequest, ItemResult, JobStatus, Submitted, counts_of};
use serde_json::{Value, json};

/// Most requests in one input file.
pub const MAX_REQUESTS: usize = 50_000;
/// Largest input file.
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;
/// The endpoint every line posts to (the normal path's Chat Completions).
pub const ENDPOINT: &str = "/v1/chat/completions";

/// The input file: one line per request.
pub fn jsonl(requests: &[BatchRequest]) -> String {
    let mut out = String::new();
    for r in requests {
        let line = json!({"custom_id": r.custom_id, "method": "POST", "url": ENDPOINT, "body": r.body});
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}

pub(super) async fn submit(c: &BatchClient, requests: &[BatchRequest]) -> Result<Submitted, BatchError> {
    let url = format!("{}/files", c.base_url);
    let part = reqwest::multipart::Part::bytes(jsonl(requests).into_bytes())
        .file_name("debrief-batch.jsonl")
        .mime_str("application/jsonl")
        .map_err(|e| BatchError::Config(e.to_string()))?;
    let form = reqwest::multipart::Form::new().text("purpose", "batch").part("file", part);
    let text = c.send(c.client.post(&url).multipart(form), &url).await?;
    let file = c.parse(&url, &text)?;
    let file_id =
        file["id"].as_str().ok_or_else(|| c.decode(&url, "no `id` in the file object"))?.to_string();
    let url = format!("{}/batches", c.base_url);
    let body = json!({"input_file_id": file_id, "endpoint": ENDPOINT, "completion_window": "24h"});
    let batch = c.post_json(&url, &body).await?;
    let remote_id = batch["id"].as_str().ok_or_else(|| c.decode(&url, "no `id` in the batch object"))?;
    Ok(Submitted {
        remote_id: remote_id.to_string(),
        input_file_id: Some(file_id),
        state: batch["status"].as_str().unwrap_or("validating").to_string(),
    })
}

pub(super) async fn status(c: &BatchClient, id: &str) -> Result<JobStatus, BatchError> {
    let url = format!("{}/batches/{id}", c.base_url);
    let v = c.parse(&url, &c.get(&url).await?)?;
    let state = v["status"].as_str().ok_or_else(|| c.decode(&url, "no `status` in the batch object"))?;
    Ok(JobStatus {
        state: state.to_string(),
        terminal: matches!(state, "completed" | "failed" | "expired" | "cancelled"),
        counts: counts_of(&v, "/request_counts"),
        output_ref: v["output_file_id"].as_str().map(str::to_string),
        error_ref: v["error_file_id"].as_str().map(str::to_string),
    })
}

pub(super) async fn results(
    c: &BatchClient,
    status: &JobStatus,
) -> Result<Vec<(String, ItemResult)>, BatchError> {
    let mut out = Vec::new();
    for file in [&status.output_ref, &status.error_ref].into_iter().flatten() {
        let url = format!("{}/files/{file}/content", c.base_url);
        let text = c.get(&url).await?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v = c.parse(&url, line)?;
            let Some(custom_id) = v["custom_id"].as_str() else { continue };
            out.push((custom_id.to_string(), item(c, &v)));
        }
    }
    Ok(out)
}

/// One output or error line: a 200 with a Chat Completions body, or why not.
fn item(c: &BatchClient, v: &Value) -> ItemResult {
    let code = v.pointer("/response/status_code").and_then(Value::as_u64).unwrap_or(0);
    if let Some(body) = v.pointer("/response/body").filter(|_| code == 200) {
        return match crate::llm::openai::parse_reply("openai", 200, &body.to_string(), Value::Null) {
            Ok(completion) => ItemResult::Succeeded(Box::new(completion)),
            Err(e) => ItemResult::Failed(c.scrub(&e.to_string())),
        };
    }
    let message = v
        .pointer("/error/message")
        .or_else(|| v.pointer("/response/body/error/message"))
        .and_then(Value::as_str)
        .unwrap_or("the batch returned no reply for this request");
    ItemResult::Failed(c.scrub(&format!("openai batch: HTTP {code}: {message}")))
}

pub(super) async fn cancel(c: &BatchClient, id: &str) -> Result<(), BatchError> {
    let url = format!("{}/batches/{id}/cancel", c.base_url);
    c.post_json(&url, &json!({})).await.map(|_| ())
}
