//! The loopback OpenAI stand-in for the batch benchmark: a small keep-alive HTTP/1.1 server
//! answering Chat Completions after exactly 100 ms (a timer thread, not tokio's 1 ms-rounded
//! sleep), plus a wiremock variant to show what the stand-in itself costs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
pub(crate) struct StandIn {
    pub(crate) url: String,
    pub(crate) stats: Arc<Stats>,
}

impl StandIn {
    pub(crate) fn start(delay: Duration) -> Result<StandIn> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let stats = Arc::new(Stats::default());
        let server_stats = Arc::clone(&stats);
        let reply: Arc<[u8]> = http_reply(200, &reply_body()?).into();
        let missing: Arc<[u8]> = http_reply(404, r#"{"error":{"message":"not found"}}"#).into();
        let delayer = Delayer::start()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name("stand-in".into()).spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                loop {
                    let (stream, _) = listener.accept().await?;
                    stream.set_nodelay(true)?;
                    let (stats, reply, missing) =
                        (Arc::clone(&server_stats), Arc::clone(&reply), Arc::clone(&missing));
                    tokio::spawn(serve(stream, stats, (delayer.clone(), delay), reply, missing));
                }
                #[allow(unreachable_code)]
                Ok::<(), std::io::Error>(())
            })
        })?;
        Ok(StandIn { url, stats })
    }
}

/// Wakes waiters at their deadlines from a thread of its own. tokio's timer counts whole
/// milliseconds and rounds up, which made every 100 ms reply take 101 ms (+1% on the ideal,
/// charged to the engine); a thread sleeping on a condition variable is within ~0.1 ms.
#[derive(Clone)]
pub(crate) struct Delayer(std::sync::mpsc::Sender<(Instant, tokio::sync::oneshot::Sender<()>)>);

impl Delayer {
    pub(crate) fn start() -> Result<Delayer> {
        use std::sync::mpsc::RecvTimeoutError;
        let (tx, rx) = std::sync::mpsc::channel::<(Instant, tokio::sync::oneshot::Sender<()>)>();
        std::thread::Builder::new().name("stand-in timer".into()).spawn(move || {
            let mut pending: Vec<(Instant, tokio::sync::oneshot::Sender<()>)> = Vec::new();
            loop {
                let now = Instant::now();
                let (due, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(d, _)| *d <= now);
                pending = rest;
                for (_, waiter) in due {
                    let _ = waiter.send(());
                }
                let received = match pending.iter().map(|(d, _)| *d).min() {
                    Some(next) => match rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
                        Ok(entry) => Some(entry),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => return,
                    },
                    None => match rx.recv() {
                        Ok(entry) => Some(entry),
                        Err(_) => return,
                    },
                };
                pending.extend(received);
            }
        })?;
        Ok(Delayer(tx))
    }

    async fn until(&self, deadline: Instant) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.0.send((deadline, tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// One keep-alive connection: read a request (headers, then Content-Length bytes), wait, reply.
pub(crate) async fn serve(
    mut stream: tokio::net::TcpStream,
    stats: Arc<Stats>,
    (delayer, delay): (Delayer, Duration),
    reply: Arc<[u8]>,
    missing: Arc<[u8]>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(32 * 1024);
    let mut replied: Option<Instant> = None;
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            if stream.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        buf.drain(..head_end + length);
        let found = head.starts_with("POST /v1/chat/completions ");
        let arrived = Instant::now();
        if let Ok(mut a) = stats.arrivals.lock() {
            a.push(arrived);
        }
        if let (Some(r), Ok(mut t)) = (replied, stats.turnarounds.lock()) {
            t.push(arrived - r);
        }
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if !delay.is_zero() {
            delayer.until(arrived + delay).await;
        }
        stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        if found {
            stream.write_all(&reply).await?;
        } else {
            stats.not_found.fetch_add(1, Ordering::SeqCst);
            stream.write_all(&missing).await?;
        }
        let now = Instant::now();
        replied = Some(now);
        if let Ok(mut t) = stats.service.lock() {
            t.push(now - arrived);
        }
        if let Ok(mut l) = stats.last_reply.lock() {
            *l = Some(now);
        }
    }
}

pub(crate) fn http_reply(status: u16, body: &str) -> Vec<u8> {
    let reason = if status == 200 { "OK" } else { "Not Found" };
    format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A valid post_analysis answer in the documented Chat Completions reply shape (as
/// tests/util.rs `chat_reply` builds it).
pub(crate) fn reply_value() -> serde_json::Value {
    let answer = serde_json::json!({
        "summary": "The customer reported a problem with their plan and the agent fixed it on the call.",
        "topic": "billing",
        "resolved": true,
        "sentiment": "positive",
        "follow_up_needed": false,
        "follow_up_notes": null
    });
    let (prompt_tokens, completion_tokens) = (1_000u64, 60u64);
    serde_json::json!({
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": answer.to_string(), "refusal": null},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "system_fingerprint": "fp_bench"
    })
}

pub(crate) fn reply_body() -> Result<String> {
    Ok(serde_json::to_string(&reply_value())?)
}

pub(crate) async fn wiremock_stand_in() -> Result<wiremock::MockServer> {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/v1/chat/completions"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(reply_value()).set_delay(DELAY))
        .mount(&server)
        .await;
    Ok(server)
}

// ---------------------------------------------------------------------------------------------
// Part 1: the engine
