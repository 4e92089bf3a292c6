//! Transcript bytes → text, and the note to show when a guess was made.
//!
//! Strict about binaries (NUL and other control bytes) so that a misplaced audio file or
//! spreadsheet gives a clear error naming the first offending byte instead of garbage turns. A
//! UTF-8 BOM is stripped and UTF-16 with a BOM (Windows "Unicode" exports) is decoded, since those
//! are text. Text that is not UTF-8 but has no control bytes is almost always a Windows-1252 /
//! Latin-1 export from an older tool (`café` saved as one byte `0xE9`); it is decoded with
//! `encoding_rs` (Windows-1252 is the superset browsers use for "latin1") and a note names the
//! first byte that was not UTF-8, so the user can check the accents.

use super::ImportError;
use crate::core::text_file::{BytePosition, decode_utf16};
use std::path::Path;

/// Decoded text and, when the encoding was guessed, what to tell the user.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub text: String,
    pub note: Option<String>,
}

/// A byte that never appears in a text transcript: C0 controls other than tab, newlines, form
/// feed and the DOS end-of-file mark, and DEL.
fn is_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)) || b == 0x7F
}

/// Bytes → text: BOMs handled, binaries and empty files rejected, legacy 8-bit text decoded.
pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<Decoded, ImportError> {
    let binary = |offset: usize| ImportError::Binary {
        path: path.to_path_buf(),
        byte: bytes.get(offset).copied().unwrap_or(0),
        at: BytePosition::of(bytes, offset),
    };
    let (text, note) = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        (decode_utf16(rest, u16::from_le_bytes).map_err(binary)?, None)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        (decode_utf16(rest, u16::from_be_bytes).map_err(binary)?, None)
    } else {
        let bom = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        let rest = &bytes[bom..];
        if let Some(i) = rest.iter().position(|b| is_control(*b)) {
            return Err(binary(bom + i));
        }
        match std::str::from_utf8(rest) {
            Ok(text) => (text.to_string(), None),
            Err(e) => {
                let offset = bom + e.valid_up_to();
                let (text, _, _) = encoding_rs::WINDOWS_1252.decode(rest);
                let note = format!(
                    "not UTF-8 (byte 0x{:02X} at {} is not valid UTF-8); read it as Windows-1252 / Latin-1 — if accented letters look wrong, export the transcript as UTF-8",
                    bytes[offset],
                    BytePosition::of(bytes, offset)
                );
                (text.into_owned(), Some(note))
            }
        }
    };
    // UTF-16 can smuggle NULs and controls past the byte check above.
    if let Some(c) = text.chars().find(|c| u8::try_from(*c).is_ok_and(is_control)) {
        let chars_before = text.chars().take_while(|x| x != &c).count();
        return Err(binary(2 + 2 * chars_before));
    }
    if text.trim().is_empty() {
        return Err(ImportError::Empty { path: path.to_path_buf() });
    }
    Ok(Decoded { text, note })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        decode(Path::new("x.txt"), bytes).unwrap().text
    }

    #[test]
    fn empty_bom_and_utf16() {
        let path = Path::new("x.txt");
        assert!(matches!(decode(path, b""), Err(ImportError::Empty { .. })));
        assert!(matches!(decode(path, b" \n\t\r\n"), Err(ImportError::Empty { .. })));
        assert!(matches!(decode(path, b"\xEF\xBB\xBF  \n"), Err(ImportError::Empty { .. })));
        assert_eq!(text(b"\xEF\xBB\xBFAgent: hi"), "Agent: hi");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Agent: héllo".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text(&utf16), "Agent: héllo");
        assert!(matches!(decode(path, &[0xFF, 0xFE, 0x41]), Err(ImportError::Binary { .. })));
    }

    #[test]
    fn latin1_is_decoded_with_a_note_naming_the_first_bad_byte() {
        let decoded = decode(Path::new("latin1.txt"), b"Agent: hello\nCustomer: caf\xE9 cr\xE8me\n").unwrap();
        assert_eq!(decoded.text, "Agent: hello\nCustomer: café crème\n");
        let note = decoded.note.unwrap();
        assert!(note.contains("byte 0xE9 at byte offset 26 (line 2, column 14)"), "{note}");
        assert!(note.contains("Windows-1252"), "{note}");
        // Windows-1252's curly quotes, not Latin-1's C1 controls.
        assert_eq!(text(b"Agent: \x93hi\x94"), "Agent: \u{201C}hi\u{201D}");
        assert!(decode(Path::new("u.txt"), "Agent: café".as_bytes()).unwrap().note.is_none());
    }

    #[test]
    fn binaries_are_refused_at_their_first_control_byte() {
        let err = decode(Path::new("in/audio.txt"), b"RIFF\x24\x00\x00\x00WAVE").unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("in/audio.txt looks binary"), "{message}");
        assert!(message.contains("byte 0x00 at byte offset 5 (line 1, column 6)"), "{message}");
        assert!(message.contains("export the transcript as text"), "{message}");
        assert!(matches!(decode(Path::new("x"), b"Agent: hi\0"), Err(ImportError::Binary { .. })));
        let utf16_nul: Vec<u8> = [0xFF, 0xFE, b'A', 0, 0, 0].to_vec();
        let err = decode(Path::new("x"), &utf16_nul).unwrap_err();
        assert!(err.to_string().contains("byte offset 4"), "{err}");
    }
}
