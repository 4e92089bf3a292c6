//! Gemini Batch Mode: `POST models/{model}:batchGenerateContent` with the requests inline
//! (`input_config.requests.requests: [{request, metadata: {key}}]`, at most 20 MB a job — larger
//! corpora are split into several jobs), answered with a long-running operation named
//! `batches/{id}`; `GET batches/{id}` reports `state` (`JOB_STATE_*`, or `BATCH_STATE_*` in
//! newer docs; both are read) and, once done, the inlined responses with each request's key.

use super::{BatchClient, BatchError, BatchRequest, ItemResult, JobStatus, Submitted, as_count};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Most requests in one job (the byte limit is what binds in practice).
pub const MAX_REQUESTS: usize = 50_000;
/// Largest inline request body.
pub const MAX_INLINE_BYTES: usize = 20 * 1024 * 1024;

pub(super) async fn submit(
    c: &BatchClient,
    model: &str,
    requests: &[BatchRequest],
) -> Result<Submitted, BatchError> {
    let url = format!("{}/models/{}:batchGenerateContent", c.base_url, model.trim_start_matches("models/"));
    let list: Vec<Value> =
        requests.iter().map(|r| json!({"request": r.body, "metadata": {"key": r.custom_id}})).collect();
    let body = json!({"batch": {
        "display_name": "debrief",
        "input_config": {"requests": {"requests": list}},
    }});
    let v = c.post_json(&url, &body).await?;
    let name = v["name"].as_str().ok_or_else(|| c.decode(&url, "no `name` in the batch operation"))?;
    let state = state_of(&v).unwrap_or("JOB_STATE_PENDING");
    Ok(Submitted { remote_id: name.to_string(), input_file_id: None, state: state.to_string() })
}

/// The state word, from the operation's metadata or a bare batch.
fn state_of(v: &Value) -> Option<&str> {
    v.pointer("/metadata/state").or_else(|| v.get("state")).and_then(Value::as_str)
}

/// `batches/{id}` whether or not the caller kept the prefix.
fn name(id: &str) -> String {
    if id.starts_with("batches/") { id.to_string() } else { format!("batches/{id}") }
}

pub(super) async fn status(c: &BatchClient, id: &str) -> Result<(JobStatus, Value), BatchError> {
    let url = format!("{}/{}", c.base_url, name(id));
    let v = c.parse(&url, &c.get(&url).await?)?;
    let state = state_of(&v).ok_or_else(|| c.decode(&url, "no `state` in the batch operation"))?.to_string();
    let suffix = state.rsplit('_').next().unwrap_or_default();
    let terminal = v["done"] == json!(true)
        || matches!(suffix, "SUCCEEDED" | "FAILED" | "CANCELLED" | "EXPIRED")
        || state.ends_with("PARTIALLY_SUCCEEDED");
    let stats = v.pointer("/metadata/batchStats").or_else(|| v.get("batchStats"));
    let counts: BTreeMap<String, u64> = stats
        .and_then(Value::as_object)
        .map(|o| o.iter().filter_map(|(k, n)| Some((k.clone(), as_count(n)?))).collect())
        .unwrap_or_default();
    Ok((JobStatus { state, terminal, counts, output_ref: None, error_ref: None }, v))
}

pub(super) async fn results(c: &BatchClient, id: &str) -> Result<Vec<(String, ItemResult)>, BatchError> {
    let (_, v) = status(c, id).await?;
    let inlined =
        ["/response/inlinedResponses/inlinedResponses", "/metadata/output/inlinedResponses/inlinedResponses"]
            .iter()
            .find_map(|p| v.pointer(p).and_then(Value::as_array));
    let mut out = Vec::new();
    for r in inlined.into_iter().flatten() {
        let Some(key) = r.pointer("/metadata/key").and_then(Value::as_str) else { continue };
        out.push((key.to_string(), item(c, r)));
    }
    Ok(out)
}

/// One inlined response: a `generateContent` reply or an error status.
fn item(c: &BatchClient, r: &Value) -> ItemResult {
    if let Some(response) = r.get("response") {
        let reply = crate::llm::http::Reply { status: 200, text: response.to_string(), retries: Vec::new() };
        return match crate::llm::gemini::parse_reply(&reply, &Value::Null) {
            Ok(completion) => ItemResult::Succeeded(Box::new(completion)),
            Err(e) => ItemResult::Failed(c.scrub(&e.to_string())),
        };
    }
    let message =
        r.pointer("/error/message").and_then(Value::as_str).unwrap_or("no response for this request");
    ItemResult::Failed(c.scrub(&format!("gemini batch: {message}")))
}

pub(super) async fn cancel(c: &BatchClient, id: &str) -> Result<(), BatchError> {
    let url = format!("{}/{}:cancel", c.base_url, name(id));
    c.post_json(&url, &json!({})).await.map(|_| ())
}
