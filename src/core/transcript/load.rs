//! Loading transcripts from disk: single files, and folders walked recursively.
//!
//! Importing a folder is a batch operation, so it never stops at a bad file: each failure becomes
//! one `ImportError` naming the file (a "warning reporter", see DESIGN.md) and the other files
//! still load. Files are visited in path order so that imports, ids and the UI list are
//! deterministic. Files that are not transcripts by design — hidden files, READMEs, images, config,
//! label files — are skipped and listed in `Import::skipped`, not reported as errors. Files
//! without an extension (exports named `call-0042`) are sniffed: loaded when their content is a
//! transcript, else skipped with a warning that says why, never dropped without a word.

use super::detect::{parse_bytes, parse_bytes_report};
use super::{Conversation, ImportError};
use std::fs;
use std::path::{Path, PathBuf};

/// Extensions we try to import; everything else in a folder (`.md`, `.png`, `.toml`, …) is
/// skipped. Formats are still detected by content, so a `.txt` holding JSON is fine.
const TRANSCRIPT_EXTENSIONS: &[&str] =
    &["txt", "text", "log", "json", "jsonl", "ndjson", "vtt", "webvtt", "srt", "csv", "tsv"];

/// Folders deeper than this are not followed (guards against symlink loops).
const MAX_DEPTH: usize = 32;

/// Result of loading many paths: every conversation that loaded, and one error per bad file (or
/// per bad JSONL line).
#[derive(Debug, Default)]
pub struct Import {
    /// Every conversation that loaded, in path order (then file order within a file).
    pub conversations: Vec<Conversation>,
    /// One error per file that could not be imported, or per bad line of a JSONL file.
    pub errors: Vec<ImportError>,
    /// Files passed over on purpose (hidden, not a transcript extension, label files), so the UI
    /// can say "3 files skipped" instead of silently ignoring them.
    pub skipped: Vec<PathBuf>,
    /// Files that loaded but not cleanly: a guessed encoding, CSV rows dropped or read oddly.
    pub warnings: Vec<super::ImportWarning>,
}

/// Read and parse one file.
pub fn load_file(path: &Path) -> Result<Vec<Conversation>, ImportError> {
    let bytes = read_transcript(path)?;
    parse_bytes(path, &bytes)
}

/// Largest transcript file read (a day-long call is a few MB; anything bigger is a mistake).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Read a regular file of bounded size: devices (`/dev/zero`), pipes and huge files are
/// refused with a message instead of being read until memory runs out.
fn read_transcript(path: &Path) -> Result<Vec<u8>, ImportError> {
    let io = |source| ImportError::Io { path: path.to_path_buf(), source };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ImportError::Format { path: path.to_path_buf(), message: "not a regular file".into() });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ImportError::Format {
            path: path.to_path_buf(),
            message: format!(
                "{} MB is larger than the {} MB limit for one transcript file; split it",
                meta.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
    }
    fs::read(path).map_err(io)
}

/// Files or folders (folders recursively, files sorted by path for determinism). Skips hidden
/// files, non-transcript extensions such as `.md`/`.png`/`.toml`, and label files (a `.jsonl`
/// whose every line is `{"conversation_id": …, "expected": {…}}`); these are not errors.
/// A file named explicitly is skipped only for its extension (files without one are tried).
pub fn load_paths(paths: &[PathBuf]) -> Import {
    let mut import = Import::default();
    for path in paths {
        match fs::metadata(path) {
            Err(source) => import.errors.push(ImportError::Io { path: path.clone(), source }),
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                walk(path, 0, &mut files, &mut import);
                files.sort();
                for file in files {
                    load_into(&file, &mut import);
                }
            }
            Ok(_) => {
                let explicit_ok = path.extension().is_none() || has_transcript_extension(path);
                if explicit_ok {
                    load_into(path, &mut import);
                } else {
                    import.skipped.push(path.clone());
                }
            }
        }
    }
    import
}

/// Collect candidate files under `dir`; unreadable folders become errors, not silence.
fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, import: &mut Import) {
    if depth > MAX_DEPTH {
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(source) => {
            import.errors.push(ImportError::Io { path: dir.to_path_buf(), source });
            return;
        }
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(source) => {
                import.errors.push(ImportError::Io { path: dir.to_path_buf(), source });
                continue;
            }
        };
        if is_hidden(&path) {
            import.skipped.push(path);
            continue;
        }
        // `metadata` follows symlinks, so linked folders are imported too.
        match fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => walk(&path, depth + 1, files, import),
            Ok(_) if has_transcript_extension(&path) || path.extension().is_none() => files.push(path),
            Ok(_) => import.skipped.push(path),
            Err(source) => import.errors.push(ImportError::Io { path, source }),
        }
    }
}

fn load_into(path: &Path, import: &mut Import) {
    match read_transcript(path) {
        Ok(bytes) => {
            let found = parse_bytes_report(path, &bytes);
            // An extensionless file in a folder is a guess (LICENSE, Makefile): when its content
            // is not a transcript it is skipped with the reason, not reported as a failure.
            if path.extension().is_none() && found.conversations.is_empty() && !found.errors.is_empty() {
                let reason = found.errors.iter().map(ToString::to_string).next().unwrap_or_default();
                import.warnings.push(super::ImportWarning {
                    path: path.to_path_buf(),
                    message: format!(
                        "skipped: it has no extension and is not a transcript ({reason}); add an extension such as .txt, .json or .vtt to import it"
                    ),
                });
                import.skipped.push(path.to_path_buf());
                return;
            }
            import.conversations.extend(found.conversations);
            import.errors.extend(found.errors);
            import.skipped.extend(found.skipped);
            import.warnings.extend(found.warnings);
        }
        Err(e) => import.errors.push(e),
    }
}

fn is_hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

fn has_transcript_extension(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| TRANSCRIPT_EXTENSIONS.contains(&e.to_string_lossy().to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn folder_walk_sorts_skips_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "b.txt", b"Agent: second\nCustomer: ok");
        write(root, "a/z.json", br#"[{"role": "user", "content": "first"}]"#);
        write(root, "README.md", b"# Agent: not a transcript");
        write(root, ".hidden.txt", b"Agent: hidden");
        write(root, "logo.png", &[0x89, b'P', b'N', b'G', 0, 0]);
        write(root, "expected.jsonl", b"{\"conversation_id\": \"b\", \"expected\": {\"resolved\": true}}\n");
        write(root, "c.jsonl", b"{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\nnope\n");
        write(root, "d.csv", b"");

        let import = load_paths(&[root.to_path_buf()]);
        let ids: Vec<&str> = import.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["z", "b", "c:1"]);
        let errors: Vec<String> = import.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("c.jsonl: line 2: invalid JSON"), "{errors:?}");
        assert!(matches!(import.errors[1], ImportError::Empty { .. }));
        assert!(import.errors[1].path().ends_with("d.csv"));
        let mut skipped: Vec<String> = import
            .skipped
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        skipped.sort();
        assert_eq!(skipped, [".hidden.txt", "README.md", "expected.jsonl", "logo.png"]);
    }

    #[test]
    fn webvtt_and_extensionless_files_in_a_folder_are_loaded_or_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "a.webvtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAgent: hi\n");
        write(root, "call-0042", b"Agent: hello\nCustomer: hi there\n");
        write(root, "LICENSE", b"MIT License\n\nPermission is hereby granted\n");
        let import = load_paths(&[root.to_path_buf()]);
        let ids: Vec<&str> = import.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "call-0042"]);
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        assert_eq!(import.skipped, [root.join("LICENSE")]);
        let warning = import.warnings[0].to_string();
        assert!(
            warning.contains("LICENSE: skipped: it has no extension and is not a transcript"),
            "{warning}"
        );
    }

    #[test]
    fn explicit_files_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(dir.path(), "call", b"Agent: hi\nCustomer: hello");
        let notes = write(dir.path(), "notes.md", b"Agent: hi");
        let missing = dir.path().join("missing.txt");
        let import = load_paths(&[good.clone(), notes.clone(), missing.clone()]);
        assert_eq!(import.conversations.len(), 1);
        assert_eq!(import.skipped, [notes]);
        assert_eq!(import.errors.len(), 1);
        assert!(matches!(import.errors[0], ImportError::Io { .. }));
        assert_eq!(import.errors[0].path(), missing);

        assert_eq!(load_file(&good).unwrap()[0].id, "call");
        assert!(matches!(load_file(&missing), Err(ImportError::Io { .. })));
    }
}
