//! Transcript import against real data: every file in `shared/real_conversations` (64 real or
//! role-played customer-service conversations) must import with its id, both parties and its
//! text byte-for-byte, and folder imports must report bad files instead of stopping.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::util::real_conversations;
use debrief::core::transcript::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Every data file under the real-conversations folder, sorted, without SOURCES.md.
fn real_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("real_conversations folder is readable") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.file_name().is_some_and(|n| n != "SOURCES.md") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&real_conversations(), &mut files);
    files.sort();
    files
}

#[test]
fn all_real_conversations_import_faithfully() {
    let files = real_files();
    assert_eq!(files.len(), 64, "expected 64 conversation files in {}", real_conversations().display());
    for file in &files {
        let source: Value = serde_json::from_slice(&fs::read(file).unwrap()).unwrap();
        let convs = load_file(file).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(convs.len(), 1, "{}", file.display());
        let conv = &convs[0];
        let name = file.display();

        assert_eq!(Some(conv.id.as_str()), source["id"].as_str(), "{name}");
        assert!(conv.turns.len() >= 2, "{name}: {} turns", conv.turns.len());
        assert!(conv.turns.iter().any(|t| t.speaker == Speaker::Agent), "{name}");
        assert!(conv.turns.iter().any(|t| t.speaker == Speaker::Customer), "{name}");
        assert_eq!(conv.source, file.display().to_string());

        // Turn by turn: same order, speaker mapped from the source label, text verbatim.
        let expected: Vec<(&str, &str)> = source["turns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["speaker"].as_str().unwrap(), t["text"].as_str().unwrap()))
            .filter(|(_, text)| !text.trim().is_empty())
            .collect();
        assert_eq!(conv.turns.len(), expected.len(), "{name}");
        for (turn, (label, text)) in conv.turns.iter().zip(&expected) {
            assert_eq!(turn.label, *label, "{name}");
            assert_eq!(turn.text, text.trim(), "{name}");
            let speaker = match *label {
                "agent" => Speaker::Agent,
                "customer" => Speaker::Customer,
                "action" => Speaker::System,
                other => panic!("{name}: unexpected label {other}"),
            };
            assert_eq!(turn.speaker, speaker, "{name}");
        }

        // The rendered prompt is one line per turn, each starting with its speaker.
        let rendered = conv.render();
        assert_eq!(rendered.lines().count(), conv.turns.len(), "{name}");
        assert!(
            rendered.lines().all(|l| ["Agent: ", "Customer: ", "System: "].iter().any(|p| l.starts_with(p))),
            "{name}"
        );
        assert_eq!(conv.content_hash().len(), 64);
    }
}

#[test]
fn source_markup_survives_verbatim() {
    let mut all_text = String::new();
    let mut hashes = std::collections::HashSet::new();
    for file in real_files() {
        for conv in load_file(&file).unwrap() {
            hashes.insert(conv.content_hash());
            for turn in &conv.turns {
                all_text.push_str(&turn.text);
                all_text.push('\n');
            }
        }
    }
    for needle in ["&amp;", "@AskeBay", "[noise]", "https://t.co/"] {
        assert!(all_text.contains(needle), "{needle} was altered or lost");
    }
    // The importer must not unescape entities: no `&amp;` in the source may become `&`.
    let tweetsumm = load_file(&real_conversations().join("tweetsumm/ts_01_AskeBay.json")).unwrap();
    let customer = tweetsumm[0].customer_text();
    assert!(customer.contains("baggie &amp; flimsey"), "{customer}");
    assert!(!customer.contains("baggie & flimsey"));
    // Different conversations, different hashes.
    assert_eq!(hashes.len(), 64);
}

#[test]
fn metadata_from_real_files() {
    let hv = load_file(&real_conversations().join("harper_valley/hv_01_replace_card.json")).unwrap();
    assert_eq!(hv[0].metadata.duration_s, Some(51.2));
    assert_eq!(hv[0].turns.last().map(|t| t.text.as_str()), Some("[noise]"));
    let ts = load_file(&real_conversations().join("tweetsumm/ts_01_AskeBay.json")).unwrap();
    assert_eq!(ts[0].metadata.channel.as_deref(), Some("Twitter customer care (public tweets)"));
    // `meta.conversation_id` must not override the top-level id.
    assert_eq!(ts[0].id, "tweetsumm-648bb2821f5827f5c90b4d042e145fe3");
}

#[test]
fn load_paths_on_the_real_folder_skips_sources_md() {
    let import = load_paths(&[real_conversations()]);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    assert_eq!(import.conversations.len(), 64);
    assert!(import.skipped.iter().any(|p| p.ends_with("SOURCES.md")));
    // Sorted by path: abcd/ comes first, uss_multiwoz/ last.
    assert!(import.conversations[0].source.contains("/abcd/"));
    assert!(import.conversations[63].source.contains("/uss_multiwoz/"));
}

#[test]
fn load_paths_reports_bad_files_and_keeps_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("good.txt"), "Agent: Thanks for calling.\nCustomer: My bill is wrong.\n")
        .unwrap();
    fs::write(dir.path().join("empty.txt"), "  \n\n").unwrap();
    fs::write(dir.path().join("binary.json"), [0x00, 0x01, 0xFF, 0xD8, 0x00]).unwrap();

    let import = load_paths(&[dir.path().to_path_buf()]);
    assert_eq!(import.conversations.len(), 1);
    assert_eq!(import.conversations[0].id, "good");
    assert_eq!(import.conversations[0].render(), "Agent: Thanks for calling.\nCustomer: My bill is wrong.");
    assert_eq!(import.errors.len(), 2, "{:?}", import.errors);
    // Sorted by path: binary.json, empty.txt.
    assert!(matches!(&import.errors[0], ImportError::Binary { .. }));
    assert!(import.errors[0].path().ends_with("binary.json"));
    assert!(import.errors[0].to_string().contains("binary.json"));
    assert!(matches!(&import.errors[1], ImportError::Empty { .. }));
    assert!(import.errors[1].path().ends_with("empty.txt"));
    assert!(import.errors[1].to_string().contains("empty.txt"));
}

#[test]
fn devices_are_refused_not_read_forever() {
    let import = debrief::core::transcript::load_paths(&[std::path::PathBuf::from("/dev/zero")]);
    assert!(import.conversations.is_empty());
    assert!(import.errors[0].to_string().contains("not a regular file"), "{}", import.errors[0]);
}

#[test]
fn opaque_ids_get_a_readable_name() {
    let import = debrief::core::transcript::load_paths(&[real_conversations().join("tweetsumm")]);
    let names: Vec<String> = import.conversations.iter().map(|c| c.display_name()).collect();
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.starts_with('\u{201c}') && n.contains("tweetsumm-")), "{names:?}");
    let distinct: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), names.len(), "each can be told apart");
    let plain = debrief::core::transcript::load_paths(&[
        crate::util::root().join("sample_conversations/support_password_reset.txt")
    ]);
    assert_eq!(
        plain.conversations[0].display_name(),
        "support_password_reset",
        "readable ids stay as they are"
    );
}
