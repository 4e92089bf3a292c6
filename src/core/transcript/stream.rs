//! A corpus read one file at a time, so a run over a million conversations holds one file (or
//! one line of a big JSON Lines file) in memory, not the corpus.
//!
//! [`Corpus::walk`] walks the paths up front (file names only: the walk must be sorted to be
//! deterministic) and [`Corpus::stream`] then reads them lazily, yielding the same items in the
//! same order as [`super::load_paths`], which is this stream collected. Files are read whole, as
//! before, except JSON Lines files above [`STREAM_OVER`]: those are read line by line (their
//! content hash and label-file check are a first streamed pass), so a 1 GB export costs one line
//! of memory. [`Corpus::planned`] counts what a stream will yield without parsing, for progress.

use super::jsonl::{JsonlLines, is_label_line};
use super::load::{Group, Loaded, MAX_FILE_BYTES, Seen, first_content, first_visit, load_once, regular_file};
use super::{ImportError, LoadOptions, format_error};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// JSON Lines files larger than this are streamed line by line instead of read whole.
pub const STREAM_OVER: u64 = 8 * 1024 * 1024;

/// The walked paths of a corpus, not yet read.
pub struct Corpus {
    groups: Vec<Group>,
    seen: Seen,
}

impl Corpus {
    /// Walk `paths` (folders recursively, in path order); no transcript is read yet.
    pub fn walk(paths: &[PathBuf], options: LoadOptions) -> Corpus {
        let mut seen = Seen::default();
        let groups = super::load::walk_paths(paths, options, &mut seen);
        Corpus { groups, seen }
    }

    /// How many conversations the stream should yield, without parsing: a line per non-blank
    /// line of a JSON Lines file, one per other file. Exact for the usual corpora; a JSON file
    /// holding several conversations, duplicates and bad lines make it an estimate.
    pub fn planned(&self) -> usize {
        self.groups.iter().flat_map(|g| &g.files).map(|f| planned_in(f)).sum()
    }

    /// How many files the walk found to read.
    pub fn files(&self) -> usize {
        self.groups.iter().map(|g| g.files.len()).sum()
    }

    /// Read the corpus lazily.
    pub fn stream(self) -> Stream {
        let mut groups: VecDeque<Group> = self.groups.into();
        for g in &mut groups {
            g.files.reverse(); // popped from the end, in path order
        }
        Stream { groups, seen: self.seen, ready: VecDeque::new(), lines: None }
    }
}

/// Conversations (and what went wrong) in path order, read as they are asked for.
pub struct Stream {
    groups: VecDeque<Group>,
    seen: Seen,
    /// Items of the file read last, not yet handed out.
    ready: VecDeque<Loaded>,
    /// The big JSON Lines file being read line by line.
    lines: Option<LineReader>,
}

impl Iterator for Stream {
    type Item = Loaded;

    fn next(&mut self) -> Option<Loaded> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            if let Some(reader) = self.lines.as_mut() {
                match reader.next_item() {
                    Some(item) => return Some(item),
                    None => self.lines = None,
                }
                continue;
            }
            let group = self.groups.front_mut()?;
            if !group.found.is_empty() {
                self.ready.extend(group.found.drain(..));
                continue;
            }
            let Some(file) = group.files.pop() else {
                self.groups.pop_front();
                continue;
            };
            let in_folder = group.in_folder;
            let mut out = Vec::new();
            if is_big_jsonl(&file) {
                if let Some(reader) = open_streamed(&file, &mut self.seen, &mut out) {
                    self.lines = Some(reader);
                }
            } else {
                load_once(&file, in_folder, &mut out, &mut self.seen);
            }
            self.ready.extend(out);
        }
    }
}

fn is_jsonl_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"))
}

fn is_big_jsonl(path: &Path) -> bool {
    is_jsonl_name(path) && std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > STREAM_OVER)
}

/// The planned count of one file (see [`Corpus::planned`]).
fn planned_in(path: &Path) -> usize {
    if !is_jsonl_name(path) {
        return 1;
    }
    let Ok(file) = File::open(path) else { return 1 };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let (mut count, mut blank) = (0, true);
    while let Ok(buf) = reader.fill_buf() {
        if buf.is_empty() {
            break;
        }
        for &b in buf {
            match b {
                b'\n' => {
                    count += usize::from(!blank);
                    blank = true;
                }
                b' ' | b'\t' | b'\r' => {}
                _ => blank = false,
            }
        }
        let n = buf.len();
        reader.consume(n);
    }
    count + usize::from(!blank)
}

/// First pass over a big JSON Lines file: its content hash (for the once-per-content rule) and
/// whether it is a label file. Returns the reader for the second pass when it is to be imported.
fn open_streamed(path: &Path, seen: &mut Seen, out: &mut Vec<Loaded>) -> Option<LineReader> {
    use sha2::Digest;
    if !first_visit(path, seen, out) {
        return None;
    }
    let open = || -> Result<BufReader<File>, ImportError> {
        regular_file(path)?;
        let file = File::open(path).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
        Ok(BufReader::with_capacity(1 << 16, file))
    };
    let mut reader = match open() {
        Ok(r) => r,
        Err(e) => {
            out.push(Loaded::Error(e));
            return None;
        }
    };
    let mut hasher = sha2::Sha256::new();
    let (mut labels_only, mut any) = (true, false);
    let mut line = Vec::new();
    loop {
        line.clear();
        match read_line(&mut reader, &mut line) {
            Ok(0) => break,
            Ok(_) => {
                hasher.update(&line);
                if labels_only {
                    let text = String::from_utf8_lossy(&line);
                    if !text.trim().is_empty() {
                        any = true;
                        labels_only = is_label_line(text.trim_end());
                    }
                }
            }
            Err(e) => {
                out.push(Loaded::Error(e.at(path)));
                return None;
            }
        }
    }
    if !first_content(path, hasher.finalize().into(), seen, out) {
        return None;
    }
    if any && labels_only {
        out.push(Loaded::Skipped(path.to_path_buf()));
        return None;
    }
    match open() {
        Ok(reader) => Some(LineReader {
            path: path.to_path_buf(),
            reader,
            number: 0,
            found: 0,
            ready: VecDeque::new(),
            done: false,
        }),
        Err(e) => {
            out.push(Loaded::Error(e));
            None
        }
    }
}

/// Why a line could not be read.
enum LineError {
    Io(std::io::Error),
    TooLong,
}

impl LineError {
    fn at(self, path: &Path) -> ImportError {
        match self {
            LineError::Io(source) => ImportError::Io { path: path.to_path_buf(), source },
            LineError::TooLong => format_error(
                path,
                format!("a line is longer than {} MB; split the file", MAX_FILE_BYTES / (1024 * 1024)),
            ),
        }
    }
}

/// Read one line (with its newline) of at most [`MAX_FILE_BYTES`]; `Ok(0)` at the end.
fn read_line(reader: &mut BufReader<File>, line: &mut Vec<u8>) -> Result<usize, LineError> {
    let n = reader.by_ref().take(MAX_FILE_BYTES + 1).read_until(b'\n', line).map_err(LineError::Io)?;
    if n as u64 > MAX_FILE_BYTES {
        return Err(LineError::TooLong);
    }
    Ok(n)
}

/// Second pass over a big JSON Lines file: one line parsed per call.
struct LineReader {
    path: PathBuf,
    reader: BufReader<File>,
    number: usize,
    /// Conversations and errors yielded so far (an empty file is an error, as when read whole).
    found: usize,
    /// The rest of a line that held several conversations.
    ready: VecDeque<Loaded>,
    /// A read error or an endless line ended the file.
    done: bool,
}

impl LineReader {
    fn next_item(&mut self) -> Option<Loaded> {
        let mut line = Vec::new();
        loop {
            if let Some(item) = self.ready.pop_front() {
                self.found += 1;
                return Some(item);
            }
            if self.done {
                return None;
            }
            line.clear();
            match read_line(&mut self.reader, &mut line) {
                Ok(0) if self.found == 0 => {
                    self.found = 1;
                    return Some(Loaded::Error(ImportError::Empty { path: self.path.clone() }));
                }
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    // A read error or an endless line ends this file, reported once.
                    self.found += 1;
                    self.done = true;
                    return Some(Loaded::Error(e.at(&self.path)));
                }
            }
            self.number += 1;
            let bytes = match (self.number, line.strip_prefix(b"\xEF\xBB\xBF")) {
                (1, Some(rest)) => rest,
                _ => &line[..],
            };
            let parsed = match std::str::from_utf8(bytes) {
                Ok(text) => JsonlLines::new(&self.path).parse(self.number, text),
                Err(e) => Err(format_error(
                    &self.path,
                    format!(
                        "line {}: not UTF-8 text (byte {} of the line); JSON Lines files are UTF-8, so convert it first (iconv -t UTF-8)",
                        self.number,
                        e.valid_up_to() + 1
                    ),
                )),
            };
            match parsed {
                Ok(found) => self.ready.extend(found.into_iter().map(|c| Loaded::Conversation(Box::new(c)))),
                Err(e) => self.ready.push_back(Loaded::Error(e)),
            }
        }
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
