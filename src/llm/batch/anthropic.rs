//! Anthropic Message Batches: `POST /v1/messages/batches {requests: [{custom_id, params}]}`,
//! `GET /v1/messages/batches/{id}` until `processing_status` is `ended`, then the `results_url`
//! JSONL: one `{custom_id, result: {type: succeeded|errored|canceled|expired, …}}` per request,
//! not in request order. `params` is exactly the normal Messages body.

use super::{BatchClient, BatchError, BatchRequest, ItemResult, JobStatus, Submitted, counts_of};
use serde_json::{Value, json};

/// Most requests in one batch.
pub const MAX_REQUESTS: usize = 100_000;
/// Largest batch body.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;

pub(super) async fn submit(c: &BatchClient, requests: &[BatchRequest]) -> Result<Submitted, BatchError> {
    let url = format!("{}/v1/messages/batches", c.base_url);
    let list: Vec<Value> =
        requests.iter().map(|r| json!({"custom_id": r.custom_id, "params": r.body})).collect();
    let v = c.post_json(&url, &json!({"requests": list})).await?;
    let id = v["id"].as_str().ok_or_else(|| c.decode(&url, "no `id` in the message batch"))?;
    Ok(Submitted {
        remote_id: id.to_string(),
        input_file_id: None,
        state: v["processing_status"].as_str().unwrap_or("in_progress").to_string(),
    })
}

pub(super) async fn status(c: &BatchClient, id: &str) -> Result<JobStatus, BatchError> {
    let url = format!("{}/v1/messages/batches/{id}", c.base_url);
    let v = c.parse(&url, &c.get(&url).await?)?;
    let state = v["processing_status"]
        .as_str()
        .ok_or_else(|| c.decode(&url, "no `processing_status` in the message batch"))?;
    Ok(JobStatus {
        state: state.to_string(),
        terminal: state == "ended",
        counts: counts_of(&v, "/request_counts"),
        output_ref: v["results_url"].as_str().map(str::to_string),
        error_ref: None,
    })
}

pub(super) async fn results(
    c: &BatchClient,
    id: &str,
    status: &JobStatus,
) -> Result<Vec<(String, ItemResult)>, BatchError> {
    if status.output_ref.is_none() {
        return Ok(Vec::new());
    }
    // The key goes only to the configured host: a results URL elsewhere is not followed.
    let url = match &status.output_ref {
        Some(u) if u.starts_with(&c.base_url) => u.clone(),
        _ => format!("{}/v1/messages/batches/{id}/results", c.base_url),
    };
    let text = c.get(&url).await?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v = c.parse(&url, line)?;
        let Some(custom_id) = v["custom_id"].as_str() else { continue };
        out.push((custom_id.to_string(), item(c, &v)));
    }
    Ok(out)
}

/// One results line.
fn item(c: &BatchClient, v: &Value) -> ItemResult {
    match v.pointer("/result/type").and_then(Value::as_str) {
        Some("succeeded") => {
            let reply = crate::llm::http::Reply {
                status: 200,
                text: v.pointer("/result/message").map(Value::to_string).unwrap_or_default(),
                retries: Vec::new(),
            };
            // The tool name only matters for older models; the parser falls back to any tool.
            match crate::llm::anthropic::parse_reply(&reply, "", &Value::Null) {
                Ok(completion) => ItemResult::Succeeded(Box::new(completion)),
                Err(e) => ItemResult::Failed(c.scrub(&e.to_string())),
            }
        }
        Some("errored") => {
            let message = v
                .pointer("/result/error/error/message")
                .or_else(|| v.pointer("/result/error/message"))
                .and_then(Value::as_str)
                .unwrap_or("errored");
            ItemResult::Failed(c.scrub(&format!("anthropic batch: errored: {message}")))
        }
        Some(other) => ItemResult::Failed(format!("anthropic batch: {other}")),
        None => ItemResult::Failed("anthropic batch: a result without a type".into()),
    }
}

pub(super) async fn cancel(c: &BatchClient, id: &str) -> Result<(), BatchError> {
    let url = format!("{}/v1/messages/batches/{id}/cancel", c.base_url);
    c.post_json(&url, &json!({})).await.map(|_| ())
}
