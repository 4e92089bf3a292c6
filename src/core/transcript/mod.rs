//! Transcripts: the `Conversation` every analysis reads, and the importers that build it.
//!
//! Real transcripts arrive in many shapes (plain `Speaker: text` logs, chat-API message arrays,
//! voice-platform exports, subtitles, spreadsheets). Each format lives in its own file and turns
//! bytes into `Conversation`s; `detect` picks the format from the content first and the file
//! extension second, because users rename files and exports often carry a generic `.json`/`.txt`.
//! Importing a folder never stops at a bad file: every failure becomes an `ImportError` naming the
//! file and the problem, and the other files still load (a "warning reporter", see DESIGN.md).

// Format modules stay private: other layers use the entry points re-exported below, so the
// format-specific helpers can change freely.
mod decode;
mod detect;
mod json;
mod json_fields;
mod jsonl;
mod load;
mod render;
mod speaker;
mod stream;
mod subtitles;
mod table;
mod text;
mod timecode;

pub use detect::{parse_bytes, parse_bytes_report};
pub use json::kind as json_kind;
pub use jsonl::parse_jsonl_lines;
pub use load::{Import, LoadOptions, Loaded, load_file, load_paths, load_paths_with};
pub use stream::{Corpus, STREAM_OVER, Stream};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Who spoke a turn, normalised. The original label is kept on the `Turn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Agent,
    Customer,
    System,
    Other,
}

impl Speaker {
    /// Lower-case name used in prompts and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Agent => "agent",
            Speaker::Customer => "customer",
            Speaker::System => "system",
            Speaker::Other => "other",
        }
    }
}

/// One utterance or message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub speaker: Speaker,
    /// The label exactly as the source wrote it ("Rep", "assistant", "Dana" from a `<v Dana>` voice
    /// tag, …); empty for unlabelled subtitle cues.
    pub label: String,
    pub text: String,
    /// Seconds from the start of the conversation, when the source gives timing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_s: Option<f64>,
}

/// Facts about the conversation that sources sometimes carry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_reason: Option<String>,
    /// As written by the source (usually RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When the conversation ended (RFC 3339), when the intake request says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
}

/// A whole conversation, ready to analyse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    /// From the source when it has one, else derived from the file name (plus line number for JSONL).
    pub id: String,
    pub turns: Vec<Turn>,
    #[serde(default)]
    pub metadata: Metadata,
    /// Labelled values carried inside the transcript (`expected` object), for evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<serde_json::Value>,
    /// Where it came from: file path, plus `:LINE` for JSONL.
    pub source: String,
}

/// Why a file could not be imported. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is empty: there is no conversation to import")]
    Empty { path: PathBuf },
    #[error(
        "{path} looks binary (byte 0x{byte:02X} at {at} is not text); export the transcript as text, JSON, VTT, SRT or CSV"
    )]
    Binary { path: PathBuf, byte: u8, at: crate::core::text_file::BytePosition },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
}

impl ImportError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ImportError::Io { path, .. }
            | ImportError::Empty { path }
            | ImportError::Binary { path, .. }
            | ImportError::Format { path, .. } => path,
        }
    }
}

/// Something an import did not refuse but the user should know: an encoding that was guessed,
/// a CSV row that was dropped or read oddly. Shown beside the errors, never silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Id used when the source has none: the file name without its extension.
pub(crate) fn stem_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| path.display().to_string())
}

/// `Conversation::source` for a whole file.
pub(crate) fn source_of(path: &Path) -> String {
    path.display().to_string()
}

/// Shorthand for the common error: the file is readable text but not a transcript we understand.
pub(crate) fn format_error(path: &Path, message: impl Into<String>) -> ImportError {
    ImportError::Format { path: path.to_path_buf(), message: message.into() }
}
