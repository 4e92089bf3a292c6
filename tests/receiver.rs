//! A webhook receiver on 127.0.0.1 for the tests, and a Standard Webhooks verifier written from
//! the specification (standardwebhooks.com), independently of debrief's own signing code.
//!
//! The receiver answers each request with the next behaviour of a script (then the last one
//! forever): a status (with an optional `Retry-After`), a hang past the client's timeout, or a
//! connection closed in the middle of the reply. It records every request it read.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the receiver does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Status(u16),
    /// Status 503 with `Retry-After: 1`.
    RetryAfter1,
    /// Read the request, then answer nothing for this long.
    Hang(Duration),
    /// Send the status line and half the headers, then close.
    CloseMidResponse,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn id(&self) -> &str {
        &self.headers["webhook-id"]
    }
}

/// A running receiver.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Vec<Behaviour>>>,
}

impl Receiver {
    /// Start one on a free port answering with `script`.
    pub fn start(script: &[Behaviour]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let r = Receiver { url, received: Arc::default(), script: Arc::new(Mutex::new(script.to_vec())) };
        let me = r.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let me = me.clone();
                std::thread::spawn(move || me.serve(stream));
            }
        });
        r
    }

    /// Answer with `script` from now on.
    pub fn set_script(&self, script: &[Behaviour]) {
        *self.script.lock().unwrap() = script.to_vec();
    }

    fn next(&self) -> Behaviour {
        let mut s = self.script.lock().unwrap();
        if s.len() > 1 { s.remove(0) } else { s.first().copied().unwrap_or(Behaviour::Status(200)) }
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut stream = stream;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 {
                    return;
                }
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_lowercase(), v.trim().to_string());
                }
            }
            let n: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
            let mut body = vec![0; n];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            let behaviour = self.next();
            self.received.lock().unwrap().push(Received {
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                at: Instant::now(),
            });
            let reply = |status: u16, extra: &str| {
                format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\n{extra}\r\nok")
            };
            match behaviour {
                Behaviour::Status(s) => {
                    let _ = stream.write_all(reply(s, "").as_bytes());
                }
                Behaviour::RetryAfter1 => {
                    let _ = stream.write_all(reply(503, "retry-after: 1\r\n").as_bytes());
                }
                Behaviour::Hang(d) => {
                    std::thread::sleep(d);
                    return;
                }
                Behaviour::CloseMidResponse => {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\npartial");
                    return;
                }
            }
        }
    }

    /// Every request so far.
    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Wait until `n` requests arrived (at most `secs`).
    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "waited {secs} s for {n} webhook(s), got {}: {all:#?}",
                all.len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Standard Webhooks verification, from the specification: the signed content is
/// `{webhook-id}.{webhook-timestamp}.{body}`, the key is the base64 after `whsec_`, the header
/// holds space-separated `v1,<base64 HMAC-SHA256>` entries, and one match is enough. The
/// timestamp must be within five minutes of now.
pub fn verify(secret: &str, r: &Received) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let (id, ts) = (&r.headers["webhook-id"], &r.headers["webhook-timestamp"]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    if (ts.parse::<i64>().unwrap() - now).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.{}", r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.headers["webhook-signature"].split(' ').any(|s| s == expected)
}

/// The webhook payload schema shipped in assets/.
pub fn payload_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::util::root().join("assets/webhook_payload.schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}
