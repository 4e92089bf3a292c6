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

/// Folders deeper than this are not followed (a last guard; loops are caught by the visited set).
const MAX_DEPTH: usize = 32;

/// How folders are walked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Follow links to folders outside the folder given (`--follow-links`). Off by default: a
    /// link to `/usr/share` inside a corpus is not part of the corpus, and each file is paid for.
    pub follow_links: bool,
}

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
    /// What the walk left out and why: the same file reached twice (links), the same content in
    /// two files, links out of the folder, link loops. Each is one line for the user.
    pub notes: Vec<String>,
}

impl Import {
    /// File one streamed item where it belongs.
    pub fn push(&mut self, item: Loaded) {
        match item {
            Loaded::Conversation(c) => self.conversations.push(*c),
            Loaded::Error(e) => self.errors.push(e),
            Loaded::Skipped(p) => self.skipped.push(p),
            Loaded::Warning(w) => self.warnings.push(w),
            Loaded::Note(n) => self.notes.push(n),
        }
    }
}

/// One thing a [`super::Corpus`] stream yields, in the order [`load_paths`] reports them.
#[derive(Debug)]
pub enum Loaded {
    Conversation(Box<Conversation>),
    Error(ImportError),
    Skipped(PathBuf),
    Warning(super::ImportWarning),
    Note(String),
}

/// What the walk has already taken, so each file (and each content) is imported once.
#[derive(Default)]
pub(super) struct Seen {
    files: std::collections::HashSet<PathBuf>,
    dirs: std::collections::HashSet<PathBuf>,
    contents: std::collections::HashMap<[u8; 32], PathBuf>,
}

/// Read and parse one file.
pub fn load_file(path: &Path) -> Result<Vec<Conversation>, ImportError> {
    let bytes = read_transcript(path)?;
    parse_bytes(path, &bytes)
}

/// Largest transcript file read whole (a day-long call is a few MB; anything bigger is a
/// mistake). JSON Lines files above [`super::stream::STREAM_OVER`] are streamed line by line
/// instead, and this bounds each line.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Read a regular file of bounded size: devices (`/dev/zero`), pipes and huge files are
/// refused with a message instead of being read until memory runs out.
fn read_transcript(path: &Path) -> Result<Vec<u8>, ImportError> {
    let meta = regular_file(path)?;
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
    fs::read(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })
}

/// The metadata of `path` when it is a regular file; devices and pipes are refused.
pub(super) fn regular_file(path: &Path) -> Result<fs::Metadata, ImportError> {
    let meta = fs::metadata(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    if !meta.is_file() {
        return Err(ImportError::Format { path: path.to_path_buf(), message: "not a regular file".into() });
    }
    Ok(meta)
}

/// Files or folders (folders recursively, files sorted by path for determinism). Skips hidden
/// files, non-transcript extensions such as `.md`/`.png`/`.toml`, and label files (a `.jsonl`
/// whose every line is `{"conversation_id": …, "expected": {…}}`); these are not errors.
/// A file named explicitly is skipped only for its extension (files without one are tried).
pub fn load_paths(paths: &[PathBuf]) -> Import {
    load_paths_with(paths, LoadOptions::default())
}

/// [`load_paths`] with options. Each file is imported once, by its canonical path, and each
/// content once per call; links to folders outside the given folder are followed only with
/// `follow_links`, and link loops end. Everything left out is listed in `Import::notes`.
/// This is [`super::Corpus`] collected: a caller that must not hold the corpus streams it.
pub fn load_paths_with(paths: &[PathBuf], options: LoadOptions) -> Import {
    let mut import = Import::default();
    for item in super::Corpus::walk(paths, options).stream() {
        import.push(item);
    }
    import
}

/// What one path argument names: the walk's findings, then its files in path order.
pub(super) struct Group {
    /// Errors, notes and skipped files of the walk itself, reported before the files are read.
    pub(super) found: Vec<Loaded>,
    /// Files to read; `in_folder`: found by a folder walk rather than named by the user.
    pub(super) files: Vec<PathBuf>,
    pub(super) in_folder: bool,
}

/// Walk every path argument (without reading any file), sharing `seen` across them.
pub(super) fn walk_paths(paths: &[PathBuf], options: LoadOptions, seen: &mut Seen) -> Vec<Group> {
    let mut groups = Vec::new();
    for path in paths {
        let mut group = Group { found: Vec::new(), files: Vec::new(), in_folder: false };
        match fs::metadata(path) {
            Err(source) => group.found.push(Loaded::Error(ImportError::Io { path: path.clone(), source })),
            Ok(meta) if meta.is_dir() => {
                let root = fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                let walker = Walker { root: &root, options };
                walker.walk(path, 0, &mut group, seen);
                group.files.sort();
                group.in_folder = true;
            }
            Ok(_) => {
                if path.extension().is_none() || has_transcript_extension(path) {
                    group.files.push(path.clone());
                } else {
                    group.found.push(Loaded::Skipped(path.clone()));
                }
            }
        }
        groups.push(group);
    }
    groups
}

/// Whether `path` was imported already in this walk (by its canonical path); notes it if so.
pub(super) fn first_visit(path: &Path, seen: &mut Seen, out: &mut Vec<Loaded>) -> bool {
    let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if seen.files.insert(canonical) {
        return true;
    }
    out.push(Loaded::Note(format!(
        "{}: skipped, the same file was already imported (a link)",
        path.display()
    )));
    false
}

/// Whether this content (a SHA-256 of the file) is new in this walk; notes the duplicate if not.
pub(super) fn first_content(path: &Path, digest: [u8; 32], seen: &mut Seen, out: &mut Vec<Loaded>) -> bool {
    if let Some(first) = seen.contents.get(&digest) {
        out.push(Loaded::Note(format!(
            "{}: skipped, same content as {} (imported once)",
            path.display(),
            first.display()
        )));
        return false;
    }
    seen.contents.insert(digest, path.to_path_buf());
    true
}

/// Read and parse one (whole) file unless its canonical path or content was already imported.
pub(super) fn load_once(path: &Path, in_folder: bool, out: &mut Vec<Loaded>, seen: &mut Seen) {
    if !first_visit(path, seen, out) {
        return;
    }
    match read_transcript(path) {
        Ok(bytes) => {
            use sha2::Digest;
            if !first_content(path, sha2::Sha256::digest(&bytes).into(), seen, out) {
                return;
            }
            let found = parse_bytes_report(path, &bytes);
            // An extensionless file in a folder is a guess (LICENSE, Makefile): when its content
            // is not a transcript it is skipped with the reason, not reported as a failure.
            if in_folder
                && path.extension().is_none()
                && found.conversations.is_empty()
                && !found.errors.is_empty()
            {
                let reason = found.errors.iter().map(ToString::to_string).next().unwrap_or_default();
                out.push(Loaded::Warning(super::ImportWarning {
                    path: path.to_path_buf(),
                    message: format!(
                        "skipped: it has no extension and is not a transcript ({reason}); add an extension such as .txt, .json or .vtt to import it"
                    ),
                }));
                out.push(Loaded::Skipped(path.to_path_buf()));
                return;
            }
            out.extend(found.conversations.into_iter().map(|c| Loaded::Conversation(Box::new(c))));
            out.extend(found.errors.into_iter().map(Loaded::Error));
            out.extend(found.skipped.into_iter().map(Loaded::Skipped));
            out.extend(found.warnings.into_iter().map(Loaded::Warning));
        }
        Err(e) => out.push(Loaded::Error(e)),
    }
}

/// One folder walk: its canonical root and options.
struct Walker<'a> {
    root: &'a Path,
    options: LoadOptions,
}

impl Walker<'_> {
    /// Collect candidate files under `dir`; unreadable folders become errors, not silence.
    fn walk(&self, dir: &Path, depth: usize, group: &mut Group, seen: &mut Seen) {
        if depth > MAX_DEPTH {
            group.found.push(Loaded::Note(format!(
                "{}: skipped, more than {MAX_DEPTH} folders deep",
                dir.display()
            )));
            return;
        }
        // A folder reached twice (a link loop, or two links to one folder) is walked once.
        let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !seen.dirs.insert(canonical) {
            group.found.push(Loaded::Note(format!(
                "{}: skipped, this folder was already walked (a link loop?)",
                dir.display()
            )));
            return;
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(source) => {
                group.found.push(Loaded::Error(ImportError::Io { path: dir.to_path_buf(), source }));
                return;
            }
        };
        for entry in entries {
            let path = match entry {
                Ok(entry) => entry.path(),
                Err(source) => {
                    group.found.push(Loaded::Error(ImportError::Io { path: dir.to_path_buf(), source }));
                    continue;
                }
            };
            if is_hidden(&path) {
                group.found.push(Loaded::Skipped(path));
                continue;
            }
            let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
            // `metadata` follows links; a dangling link is an error naming it.
            match fs::metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    if is_link && !self.options.follow_links && !self.inside_root(&path) {
                        group.found.push(Loaded::Note(format!(
                            "{}: skipped, a link to a folder outside {} (pass --follow-links to follow it)",
                            path.display(),
                            self.root.display()
                        )));
                        continue;
                    }
                    self.walk(&path, depth + 1, group, seen);
                }
                Ok(_) if has_transcript_extension(&path) || path.extension().is_none() => {
                    group.files.push(path)
                }
                Ok(_) => group.found.push(Loaded::Skipped(path)),
                Err(source) => group.found.push(Loaded::Error(ImportError::Io { path, source })),
            }
        }
    }

    /// Whether a link's target lies inside the folder being walked.
    fn inside_root(&self, path: &Path) -> bool {
        fs::canonicalize(path).is_ok_and(|target| target.starts_with(self.root))
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

    #[cfg(unix)]
    #[test]
    fn links_import_each_file_once_stay_in_the_root_and_loops_end() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        write(&outside, "elsewhere.txt", b"Agent: not in the corpus\nCustomer: no");
        let root = dir.path().join("corpus");
        write(&root, "a.txt", b"Agent: first\nCustomer: ok");
        write(&root, "copy.txt", b"Agent: first\nCustomer: ok");
        symlink(&root, root.join("loop")).unwrap();
        symlink(root.join("a.txt"), root.join("link.txt")).unwrap();
        symlink(&outside, root.join("out")).unwrap();

        let import = load_paths(std::slice::from_ref(&root));
        let ids: Vec<&str> = import.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a"], "one file, once: {:?}", import.notes);
        let notes = import.notes.join("\n");
        assert!(notes.contains("copy.txt: skipped, same content as"), "{notes}");
        assert!(notes.contains("link.txt: skipped, the same file was already imported"), "{notes}");
        assert!(notes.contains("--follow-links"), "{notes}");
        assert!(notes.contains("already walked"), "{notes}");

        let followed = load_paths_with(&[root], LoadOptions { follow_links: true });
        let ids: Vec<&str> = followed.conversations.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "elsewhere"]);
    }
}
