//! Bearer-key authentication for every route but `/healthz`.
//!
//! A presented key is hashed (SHA-256) and compared with every active key's stored hash in
//! constant time (`subtle`), so neither the comparison nor which key matched leaks through
//! timing. The hashes are re-read from the history every two seconds: a key created or revoked
//! with `debrief keys` while the server runs takes effect without a restart.

use super::AppState;
use super::error::ApiError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// How long the key hashes are trusted before they are read again.
const REFRESH: Duration = Duration::from_secs(2);

/// When the hashes were read, and the hashes.
type Cached = Option<(Instant, Vec<Vec<u8>>)>;

/// The active key hashes, cached.
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    inner: Arc<RwLock<Cached>>,
}

impl KeyCache {
    async fn hashes(&self, state: &AppState) -> Vec<Vec<u8>> {
        if let Ok(guard) = self.inner.read()
            && let Some((at, hashes)) = guard.as_ref()
            && at.elapsed() < REFRESH
        {
            return hashes.clone();
        }
        let fresh = state.engine.blocking(|e| e.active_key_hashes()).await.unwrap_or_default();
        if let Ok(mut guard) = self.inner.write() {
            *guard = Some((Instant::now(), fresh.clone()));
        }
        fresh
    }
}

/// Whether `key` hashes to one of `hashes`, compared in constant time.
pub fn key_matches(key: &str, hashes: &[Vec<u8>]) -> bool {
    let presented = Sha256::digest(key.trim().as_bytes());
    let mut found = subtle::Choice::from(0);
    for h in hashes {
        found |= presented.as_slice().ct_eq(h.as_slice());
    }
    bool::from(found)
}

/// The middleware.
pub async fn require_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::to_string);
    let Some(key) = presented else { return ApiError::unauthorized().into_response() };
    let hashes = state.keys.hashes(&state).await;
    if key_matches(&key, &hashes) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_stored_hash_matches() {
        let hashes = vec![Sha256::digest(b"dbk_right").to_vec(), Sha256::digest(b"dbk_other").to_vec()];
        assert!(key_matches("dbk_right", &hashes));
        assert!(key_matches(" dbk_other ", &hashes));
        assert!(!key_matches("dbk_wrong", &hashes));
        assert!(!key_matches("dbk_right", &[]));
    }
}
