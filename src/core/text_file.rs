//! Text files as people save them: UTF-8 with or without a BOM, or UTF-16 with a BOM (what
//! Windows editors call "Unicode").
//!
//! Specs, schemas and prompts are read through here so that a file saved in the wrong encoding
//! gets a message that says where the first bad byte is and what to do, instead of the standard
//! library's "stream did not contain valid UTF-8". UTF-16 with a BOM is unambiguous, so it is
//! decoded rather than refused. Transcripts have their own, more lenient decoder (they may be
//! Windows-1252) but share the position helpers.

use std::path::{Path, PathBuf};

/// Where a byte sits in a file: its offset, and the line and column (both 1-based, the column
/// counted in characters of the valid text before it) that editors show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BytePosition {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl BytePosition {
    /// The position of byte `offset` in `bytes`.
    pub fn of(bytes: &[u8], offset: usize) -> BytePosition {
        let before = &bytes[..offset.min(bytes.len())];
        let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        BytePosition { offset, line, column }
    }
}

impl std::fmt::Display for BytePosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte offset {} (line {}, column {})", self.offset, self.line, self.column)
    }
}

/// Why a file's bytes are not text we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error(
        "{path}: not UTF-8 text: byte 0x{byte:02X} at {at} is not valid UTF-8; save the file as UTF-8 (in most editors: Save As → Encoding → UTF-8)"
    )]
    NotUtf8 { path: PathBuf, byte: u8, at: BytePosition },
    #[error(
        "{path}: saved as UTF-16 (it starts with a UTF-16 byte-order mark) but is not valid UTF-16 at byte offset {offset}; save the file as UTF-8"
    )]
    BadUtf16 { path: PathBuf, offset: usize },
}

/// Why a text file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    // The OS reason is in the message, not a `source`, so `{:#}` does not print it twice.
    #[error("cannot read {path}: {reason}")]
    Io { path: PathBuf, reason: std::io::Error },
    #[error(transparent)]
    Text(#[from] TextError),
}

/// Decode UTF-16 (after its BOM) with `unit` giving the byte order; `Err(offset)` at the first
/// unpaired surrogate or a trailing odd byte.
pub(crate) fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, usize> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    for (i, c) in char::decode_utf16(units).enumerate() {
        // Offsets count from the start of the file, BOM included.
        text.push(c.map_err(|_| 2 + 2 * i)?);
    }
    if !bytes.len().is_multiple_of(2) {
        return Err(2 + bytes.len() - 1);
    }
    Ok(text)
}

/// Bytes → text: a UTF-8 BOM is dropped, UTF-16 with a BOM is decoded, anything else must be
/// UTF-8. `path` only names the file in errors.
pub fn decode_text(path: &Path, bytes: &[u8]) -> Result<String, TextError> {
    let bad16 = |offset| TextError::BadUtf16 { path: path.to_path_buf(), offset };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes).map_err(bad16);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes).map_err(bad16);
    }
    let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
    match std::str::from_utf8(&bytes[bom..]) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let offset = bom + e.valid_up_to();
            Err(TextError::NotUtf8 {
                path: path.to_path_buf(),
                byte: bytes[offset],
                at: BytePosition::of(bytes, offset),
            })
        }
    }
}

/// Read a whole text file (see [`decode_text`]).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(path).map_err(|reason| ReadError::Io { path: path.to_path_buf(), reason })?;
    Ok(decode_text(path, &bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_and_utf16_both_orders() {
        let p = Path::new("s.json");
        assert_eq!(decode_text(p, b"{}").unwrap(), "{}");
        assert_eq!(decode_text(p, b"\xEF\xBB\xBF{}").unwrap(), "{}");
        let le: Vec<u8> =
            [0xFF, 0xFE].into_iter().chain("{\"é\": 1}".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode_text(p, &le).unwrap(), "{\"é\": 1}");
        let be: Vec<u8> =
            [0xFE, 0xFF].into_iter().chain("{}".encode_utf16().flat_map(u16::to_be_bytes)).collect();
        assert_eq!(decode_text(p, &be).unwrap(), "{}");
    }

    #[test]
    fn bad_bytes_are_located_and_the_remedy_named() {
        let err = decode_text(Path::new("spec.json"), b"{\n  \"name\": \"caf\xE9\"\n}").unwrap_err();
        assert_eq!(
            err,
            TextError::NotUtf8 {
                path: "spec.json".into(),
                byte: 0xE9,
                at: BytePosition { offset: 16, line: 2, column: 15 }
            }
        );
        let text = err.to_string();
        assert!(
            text.starts_with("spec.json: not UTF-8 text: byte 0xE9 at byte offset 16 (line 2, column 15)"),
            "{text}"
        );
        assert!(text.contains("save the file as UTF-8"), "{text}");
        let err = decode_text(Path::new("s.json"), &[0xFF, 0xFE, 0x7B, 0x00, 0x7D]).unwrap_err();
        assert_eq!(err, TextError::BadUtf16 { path: "s.json".into(), offset: 4 });
        assert!(err.to_string().contains("saved as UTF-16"), "{err}");
    }

    #[test]
    fn a_missing_file_names_it_once() {
        let err = read_text(Path::new("/nonexistent/spec.json")).unwrap_err();
        let text = format!("{:#}", anyhow::Error::from(err));
        assert_eq!(text.matches("No such file").count(), 1, "{text}");
        assert!(text.contains("/nonexistent/spec.json"), "{text}");
    }
}
