//! The house rules DESIGN.md sets, checked on the source: the front ends (`ui`, `cli`, `server`)
//! never open the store, reach into it through the engine's escape hatch, or build a provider —
//! they ask the engine.

use crate::util::root;
use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn front_ends_go_through_the_engine() {
    let mut files = Vec::new();
    for front in ["src/ui", "src/cli", "src/server"] {
        sources(&root().join(front), &mut files);
    }
    assert!(files.len() > 20, "found the front ends' files");
    // `store::Store` followed by a separator, not `store::StoredRule` and friends.
    let forbidden = [
        "Store::open",
        "store::Store;",
        "store::Store,",
        "store::Store}",
        "{Store,",
        ".with(|s|",
        "llm::build(",
        "engine::with_store",
        "SharedStore",
    ];
    let mut found = Vec::new();
    for (path, text) in &files {
        for f in forbidden {
            if text.contains(f) {
                found.push(format!("{path}: {f}"));
            }
        }
    }
    assert!(found.is_empty(), "front ends must ask the engine: {found:#?}");
}
