//! The routes: intake, the seed's analysis read, paged lists, runs, health.

use super::AppState;
use super::error::ApiError;
use crate::core::intake;
use crate::engine::EngineError;
use crate::engine::intake::Submitted;
use crate::store::{IntakeQuery, RunQuery};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

/// The largest request body accepted (a day-long call is a few MB).
pub const MAX_BODY: usize = 64 * 1024 * 1024;

pub async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let (counts, (queued, running)) =
        state.engine.blocking(|e| Ok((e.delivery_counts()?, e.intake_open()?))).await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "intake": {"queued": queued, "running": running},
        "deliveries": counts,
    })))
}

#[derive(Debug, Deserialize)]
pub struct IntakeParams {
    #[serde(default)]
    reanalyze: bool,
}

pub async fn post_conversation(
    State(state): State<AppState>,
    params: Result<Query<IntakeParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(params) =
        params.map_err(|e| ApiError::bad_request(format!("{e}; the only parameter is reanalyze=true")))?;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        if e.to_string().contains("length limit") {
            too_large()
        } else {
            ApiError::bad_request(format!("cannot read the body: {e}"))
        }
    })?;
    let parsed = intake::parse(&bytes).map_err(|e| {
        let code = match e {
            intake::IntakeError::Json { .. } => "invalid_json",
            intake::IntakeError::Field { .. } => "invalid_request",
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
    })?;
    let id = parsed.conversation_id.clone();
    let submitted =
        state.engine.blocking(move |e| e.submit(&parsed, params.reanalyze)).await.map_err(|e| match e {
            EngineError::NotFound { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_agent",
                format!("{e:#}; add it with `debrief agents add ID --template NAME`"),
            ),
            other => other.into(),
        })?;
    Ok(match submitted {
        Submitted::Queued => {
            state.intake.notify_one();
            (StatusCode::ACCEPTED, Json(json!({"conversation_id": id, "status": "queued"}))).into_response()
        }
        Submitted::Existing(doc) => (StatusCode::OK, Json(doc)).into_response(),
        Submitted::Conflict => ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "conversation {id} was received with other content; post with ?reanalyze=true to replace it"
            ),
        )
        .into_response(),
    })
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the body is larger than {} MB; send one conversation per request", MAX_BODY / (1024 * 1024)),
    )
}

pub async fn get_analysis(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lookup = id.clone();
    match state.engine.blocking(move |e| e.analysis(&lookup)).await? {
        Some(doc) => Ok(Json(doc).into_response()),
        None => {
            Err(ApiError::not_found(format!("no conversation {id}; post it to /api/conversations first")))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    agent_id: Option<String>,
    status: Option<String>,
    since: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

pub async fn list_conversations(
    State(state): State<AppState>,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| {
        ApiError::bad_request(format!("{e}; parameters: agent_id, status, since, cursor, limit"))
    })?;
    let after = match p.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request(format!("cursor {c:?} is not one this API gave")))?,
        ),
    };
    const STATUSES: [&str; 8] =
        ["queued", "running", "ok", "invalid", "refused", "truncated", "error", "skipped"];
    if let Some(s) = p.status.as_deref()
        && !STATUSES.contains(&s)
    {
        return Err(ApiError::bad_request(format!("status {s:?} is not one of {}", STATUSES.join(", "))));
    }
    if let Some(since) = p.since.as_deref()
        && !since_ok(since)
    {
        return Err(ApiError::bad_request(format!(
            "since {since:?} is not a date or RFC 3339 time (2025-01-18 or 2025-01-18T15:30:00Z)"
        )));
    }
    let q = IntakeQuery {
        agent_id: p.agent_id,
        status: p.status,
        since: p.since,
        after,
        limit: p.limit.unwrap_or(50),
    };
    let page = state.engine.blocking(move |e| e.conversations(&q)).await?;
    Ok(Json(page).into_response())
}

/// A `since` compares as text against RFC 3339 UTC times, so it must be a date or such a time.
fn since_ok(since: &str) -> bool {
    since.parse::<jiff::Timestamp>().is_ok() || since.parse::<jiff::civil::Date>().is_ok()
}

#[derive(Debug, Deserialize)]
pub struct RunsParams {
    limit: Option<usize>,
    offset: Option<usize>,
}

pub async fn list_runs(
    State(state): State<AppState>,
    params: Result<Query<RunsParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request(format!("{e}; parameters: limit, offset")))?;
    let q = RunQuery {
        limit: p.limit.unwrap_or(50).clamp(1, 500),
        offset: p.offset.unwrap_or(0),
        ..RunQuery::default()
    };
    let runs = state.engine.blocking(move |e| e.runs(&q)).await?;
    Ok(Json(json!({"data": runs})).into_response())
}

pub async fn get_run(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::bad_request(format!("run id {id:?} is not a number")))?;
    let (run, results) = state.engine.blocking(move |e| Ok((e.run_summary(id)?, e.run_results(id)?))).await?;
    let lines: Vec<_> =
        results.iter().map(|r| crate::core::line::result_line(&r.outcome, Some(id))).collect();
    Ok(Json(json!({"run": run, "results": lines})).into_response())
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route; see the README's API section")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}
