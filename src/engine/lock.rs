//! The pipeline lock: one process per data folder runs the intake worker and the webhook
//! delivery worker.
//!
//! Why a lock file and not leases in the database: with exactly one owner, a delivery or an
//! intake row left "in flight" at start belongs to a process that is gone, so it can be resumed
//! at once instead of after a lease runs out; and two processes can never send the same delivery
//! at the same time. The operating system releases the lock when its holder dies, `kill -9`
//! included. The file holds a line saying who holds it, for the error the next process prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file inside the data folder.
pub const LOCK_FILE: &str = "pipeline.lock";

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another debrief process runs this data folder's intake and webhook deliveries ({holder}); stop it, or pass --data-dir to use another folder: {path}"
    )]
    Held { path: PathBuf, holder: String },
    #[error("cannot open the pipeline lock ({cause}); check the data folder is writable: {path}")]
    Io { path: PathBuf, cause: std::io::Error },
}

/// A held pipeline lock; dropping it releases the lock.
#[derive(Debug)]
pub struct PipelineLock {
    _file: File,
}

impl PipelineLock {
    /// Take the lock of `data_dir` for `holder` (e.g. "debrief serve on 127.0.0.1:8787").
    pub fn acquire(data_dir: &Path, holder: &str) -> Result<PipelineLock, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |cause| LockError::Io { path: path.clone(), cause };
        let mut file =
            OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = Some(text.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "unknown".into());
                return Err(LockError::Held { path, holder });
            }
            Err(TryLockError::Error(cause)) => return Err(io(cause)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "pid {}: {holder}", std::process::id()).map_err(io)?;
        Ok(PipelineLock { _file: file })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_error_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let held = PipelineLock::acquire(dir.path(), "debrief serve on 127.0.0.1:1").unwrap();
        let err = PipelineLock::acquire(dir.path(), "second").unwrap_err().to_string();
        assert!(err.contains("debrief serve on 127.0.0.1:1") && err.contains("--data-dir"), "{err}");
        drop(held);
        assert!(PipelineLock::acquire(dir.path(), "second").is_ok(), "released on drop");
    }
}
