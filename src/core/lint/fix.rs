//! Applying a [`Fix`]: JSON-pointer edits on a copy of the schema.
//!
//! A fix is data (a list of [`FixOp`]s), not a closure, so it can be printed by the CLI, sent
//! through the GUI's command queue, and applied later to a schema that may have changed since
//! it was linted — in which case a missing target is an error, never a panic or a silent no-op.
//! Keys are inserted at the end of their object and replaced in place (serde_json keeps key
//! order), so a fixed schema reads like the one the user wrote.

use super::{Fix, FixOp, LintError};
use serde_json::Value;

/// Apply every operation of `fix` to a copy of `schema`. On error the schema is unchanged.
pub fn apply_fix(schema: &Value, fix: &Fix) -> Result<Value, LintError> {
    let mut out = schema.clone();
    for op in &fix.ops {
        match op {
            FixOp::Set { pointer, value } => set(&mut out, pointer, value.clone())?,
            FixOp::Append { pointer, value } => {
                let target = resolve_mut(&mut out, pointer)?;
                let Some(array) = target.as_array_mut() else {
                    return Err(LintError::NotAnArray { pointer: pointer.clone() });
                };
                array.push(value.clone());
            }
        }
    }
    Ok(out)
}

/// The unescaped segments of a JSON pointer.
fn segments(pointer: &str) -> Result<Vec<String>, LintError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(LintError::BadPointer { pointer: pointer.to_string() });
    };
    Ok(rest.split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect())
}

fn resolve_mut<'a>(root: &'a mut Value, pointer: &str) -> Result<&'a mut Value, LintError> {
    let missing = || LintError::Missing { pointer: pointer.to_string() };
    let mut node = root;
    for seg in segments(pointer)? {
        node = match node {
            Value::Object(map) => map.get_mut(&seg).ok_or_else(missing)?,
            Value::Array(items) => {
                let i: usize = seg.parse().map_err(|_| missing())?;
                items.get_mut(i).ok_or_else(missing)?
            }
            _ => return Err(missing()),
        };
    }
    Ok(node)
}

fn set(root: &mut Value, pointer: &str, value: Value) -> Result<(), LintError> {
    let mut segs = segments(pointer)?;
    let Some(last) = segs.pop() else {
        return Err(LintError::RootReplace { pointer: pointer.to_string() });
    };
    let parent_pointer: String =
        segs.iter().map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1"))).collect();
    let missing = || LintError::Missing { pointer: pointer.to_string() };
    match resolve_mut(root, &parent_pointer).map_err(|_| missing())? {
        Value::Object(map) => {
            // Replacing keeps the key's position; inserting appends (serde_json `preserve_order`).
            map.insert(last, value);
        }
        Value::Array(items) if last == "-" => items.push(value),
        Value::Array(items) => {
            let slot = last.parse::<usize>().ok().and_then(|i| items.get_mut(i)).ok_or_else(missing)?;
            *slot = value;
        }
        _ => return Err(missing()),
    }
    Ok(())
}
