//! Exports of stored results: JSON lines (the `analyze` line format), CSV (one column per schema
//! field, see `core::export`), and Parquet with typed columns for DuckDB, Spark and pandas.
//!
//! A run is written one run at a time and Parquet in row groups of [`BATCH`] rows, so an
//! export of everything never holds more than one run's results. The file is written beside
//! its destination and renamed at the end, so a failed export leaves no half file.

use super::{Engine, EngineError};
use crate::core::export::{self, Column, FIXED, Kind};
use crate::core::line::result_line;
use crate::store::{RunId, RunQuery, StoredResult};
use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per Parquet row group.
pub const BATCH: usize = 8192;

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Parquet,
}

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Run(RunId),
    All,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exported {
    pub rows: usize,
    /// Column names (JSON lines: none; every line is the whole result).
    pub columns: Vec<String>,
    pub path: PathBuf,
}

impl Engine {
    /// Export `scope` as `format` to `out`, as stored: a redacting spec's results keep their
    /// placeholders.
    pub fn export(&self, scope: Scope, format: Format, out: &Path) -> Result<Exported, EngineError> {
        self.export_with(scope, format, out, false)
    }

    /// [`Engine::export`]; with `originals`, the values a redacting spec replaced are put back
    /// (from each result's stored transcript) — only when the user asks for it.
    pub fn export_with(
        &self,
        scope: Scope,
        format: Format,
        out: &Path,
        originals: bool,
    ) -> Result<Exported, EngineError> {
        let runs: Vec<RunId> = match scope {
            Scope::Run(id) => {
                self.run_summary(id)?;
                vec![id]
            }
            Scope::All => {
                let mut ids: Vec<RunId> = self
                    .runs(&RunQuery { limit: 10_000_000, ..RunQuery::default() })?
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
                ids.sort_unstable();
                ids
            }
        };
        let mut hashes: Vec<String> = Vec::new();
        for run in &runs {
            if let Some(r) = self.runs_spec_hash(*run)?
                && !hashes.contains(&r)
            {
                hashes.push(r);
            }
        }
        let mut schemas = Vec::new();
        for h in &hashes {
            if let Some(spec) = self.spec(h)? {
                schemas.push(spec.schema);
            }
        }
        let columns = export::columns(schemas.iter());
        let tmp = out.with_extension(format!(
            "{}.partial",
            out.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        let write_err = |cause: String| EngineError::Write { path: out.to_path_buf(), cause };
        let file = std::fs::File::create(&tmp).map_err(|e| write_err(e.to_string()))?;
        let written = match format {
            Format::Jsonl => self.write_jsonl(file, &runs, originals),
            Format::Csv => self.write_csv(file, &runs, &columns, originals),
            Format::Parquet => self.write_parquet(file, &runs, &columns, originals),
        };
        let rows = match written {
            Ok(rows) => rows,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(match e {
                    EngineError::Write { cause, .. } => write_err(cause),
                    other => other,
                });
            }
        };
        std::fs::rename(&tmp, out).map_err(|e| write_err(e.to_string()))?;
        let names = match format {
            Format::Jsonl => Vec::new(),
            _ => FIXED.iter().map(|s| s.to_string()).chain(columns.iter().map(|c| c.name.clone())).collect(),
        };
        Ok(Exported { rows, columns: names, path: out.to_path_buf() })
    }

    fn runs_spec_hash(&self, run: RunId) -> Result<Option<String>, EngineError> {
        Ok(self.with(|s| s.run(run))?.map(|r| r.spec_hash))
    }

    /// A run's results as exported: stored, or with the originals put back.
    fn exported_results(&self, run: RunId, originals: bool) -> Result<Vec<StoredResult>, EngineError> {
        let mut results = self.run_results(run)?;
        if !originals {
            return Ok(results);
        }
        let Some(hash) = self.runs_spec_hash(run)? else { return Ok(results) };
        let Some(spec) = self.spec(&hash)? else { return Ok(results) };
        let Ok(redactor) = crate::core::redact::Redactor::new(&spec.redact) else { return Ok(results) };
        if spec.redact.is_empty() {
            return Ok(results);
        }
        for r in &mut results {
            let Some(conversation) = self.with(|s| s.conversation(&r.conversation_hash))? else { continue };
            let sent = crate::core::redact::conversation(&redactor, &conversation);
            if let Some(analysis) = r.outcome.analysis.as_mut() {
                crate::core::redact::restore_value(analysis, &sent.mapping);
            }
            // Quotes get their text back and their offsets moved onto the original turns.
            if let Some(evidence) = r.outcome.evidence.as_mut() {
                for quote in evidence.values_mut() {
                    crate::core::redact::restore_quote(quote, &sent);
                }
            }
        }
        Ok(results)
    }

    fn write_jsonl(
        &self,
        file: std::fs::File,
        runs: &[RunId],
        originals: bool,
    ) -> Result<usize, EngineError> {
        let mut w = std::io::BufWriter::new(file);
        let mut rows = 0;
        for run in runs {
            for r in self.exported_results(*run, originals)? {
                writeln!(w, "{}", result_line(&r.outcome, Some(*run))).map_err(|e| self.write_error(e))?;
                rows += 1;
            }
        }
        w.flush().map_err(|e| self.write_error(e))?;
        Ok(rows)
    }

    fn write_csv(
        &self,
        file: std::fs::File,
        runs: &[RunId],
        columns: &[Column],
        originals: bool,
    ) -> Result<usize, EngineError> {
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
        let header: Vec<&str> =
            FIXED.iter().copied().chain(columns.iter().map(|c| c.name.as_str())).collect();
        w.write_record(&header).map_err(|e| self.write_error(e))?;
        let mut rows = 0;
        for run in runs {
            for r in self.exported_results(*run, originals)? {
                let mut record = fixed_text(&r);
                let analysis = analysis_of(&r);
                record.extend(columns.iter().map(|c| export::csv_text(export::value(analysis, c), c.kind)));
                w.write_record(&record).map_err(|e| self.write_error(e))?;
                rows += 1;
            }
        }
        w.flush().map_err(|e| self.write_error(e))?;
        Ok(rows)
    }

    fn write_parquet(
        &self,
        file: std::fs::File,
        runs: &[RunId],
        columns: &[Column],
        originals: bool,
    ) -> Result<usize, EngineError> {
        let schema = Arc::new(arrow_schema(columns));
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, Arc::clone(&schema), None)
            .map_err(|e| self.write_error(e))?;
        let mut pending: Vec<StoredResult> = Vec::with_capacity(BATCH);
        let mut rows = 0;
        for run in runs {
            for r in self.exported_results(*run, originals)? {
                pending.push(r);
                if pending.len() == BATCH {
                    rows += pending.len();
                    let batch = record_batch(&schema, columns, &pending).map_err(|e| self.write_error(e))?;
                    writer.write(&batch).map_err(|e| self.write_error(e))?;
                    pending.clear();
                }
            }
        }
        if !pending.is_empty() {
            rows += pending.len();
            let batch = record_batch(&schema, columns, &pending).map_err(|e| self.write_error(e))?;
            writer.write(&batch).map_err(|e| self.write_error(e))?;
        }
        writer.close().map_err(|e| self.write_error(e))?;
        Ok(rows)
    }

    fn write_error(&self, e: impl std::fmt::Display) -> EngineError {
        EngineError::Write { path: PathBuf::from("the export"), cause: e.to_string() }
    }
}

/// The analysis a result exports: only a validated one (an invalid reply is not data).
fn analysis_of(r: &StoredResult) -> Option<&Value> {
    (r.outcome.status == crate::core::outcome::Status::Ok).then_some(r.outcome.analysis.as_ref()).flatten()
}

fn fixed_text(r: &StoredResult) -> Vec<String> {
    let o = &r.outcome;
    vec![
        o.conversation_id.clone(),
        r.run_id.to_string(),
        r.id.to_string(),
        o.status.as_str().to_string(),
        o.provider.clone(),
        o.model.clone(),
        r.spec_hash.clone(),
        o.usage.input_tokens.to_string(),
        o.usage.output_tokens.to_string(),
        o.cost_usd.map(|c| c.to_string()).unwrap_or_default(),
        o.latency_ms.to_string(),
        r.created_at.clone(),
    ]
}

fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Text | Kind::Json => DataType::Utf8,
        Kind::Integer => DataType::Int64,
        Kind::Number => DataType::Float64,
        Kind::Boolean => DataType::Boolean,
        Kind::TextList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
    }
}

fn arrow_schema(columns: &[Column]) -> Schema {
    let fixed = [
        ("conversation_id", DataType::Utf8, false),
        ("run_id", DataType::Int64, false),
        ("result_id", DataType::Int64, false),
        ("status", DataType::Utf8, false),
        ("provider", DataType::Utf8, false),
        ("model", DataType::Utf8, false),
        ("spec_version", DataType::Utf8, false),
        ("input_tokens", DataType::Int64, false),
        ("output_tokens", DataType::Int64, false),
        ("cost_usd", DataType::Float64, true),
        ("latency_ms", DataType::Int64, false),
        ("analyzed_at", DataType::Utf8, false),
    ];
    let mut fields: Vec<Field> = fixed.into_iter().map(|(n, t, null)| Field::new(n, t, null)).collect();
    fields.extend(columns.iter().map(|c| Field::new(&c.name, data_type(c.kind), true)));
    Schema::new(fields)
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn record_batch(
    schema: &Arc<Schema>,
    columns: &[Column],
    rows: &[StoredResult],
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let text = |f: &dyn Fn(&StoredResult) -> String| -> ArrayRef {
        let mut b = StringBuilder::new();
        for r in rows {
            b.append_value(f(r));
        }
        Arc::new(b.finish())
    };
    let ints = |f: &dyn Fn(&StoredResult) -> i64| -> ArrayRef {
        let mut b = Int64Builder::new();
        for r in rows {
            b.append_value(f(r));
        }
        Arc::new(b.finish())
    };
    let mut arrays: Vec<ArrayRef> = vec![
        text(&|r| r.outcome.conversation_id.clone()),
        ints(&|r| r.run_id),
        ints(&|r| r.id),
        text(&|r| r.outcome.status.as_str().to_string()),
        text(&|r| r.outcome.provider.clone()),
        text(&|r| r.outcome.model.clone()),
        text(&|r| r.spec_hash.clone()),
        ints(&|r| int(r.outcome.usage.input_tokens)),
        ints(&|r| int(r.outcome.usage.output_tokens)),
        {
            let mut b = Float64Builder::new();
            for r in rows {
                b.append_option(r.outcome.cost_usd);
            }
            Arc::new(b.finish())
        },
        ints(&|r| int(r.outcome.latency_ms)),
        text(&|r| r.created_at.clone()),
    ];
    for c in columns {
        let values = rows.iter().map(|r| export::value(analysis_of(r), c));
        let array: ArrayRef = match c.kind {
            Kind::Text => {
                let mut b = StringBuilder::new();
                for v in values {
                    b.append_option(v.and_then(Value::as_str));
                }
                Arc::new(b.finish())
            }
            Kind::Json => {
                let mut b = StringBuilder::new();
                for v in values {
                    b.append_option(
                        v.map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())),
                    );
                }
                Arc::new(b.finish())
            }
            Kind::Integer => {
                let mut b = Int64Builder::new();
                for v in values {
                    b.append_option(v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))));
                }
                Arc::new(b.finish())
            }
            Kind::Number => {
                let mut b = Float64Builder::new();
                for v in values {
                    b.append_option(v.and_then(Value::as_f64));
                }
                Arc::new(b.finish())
            }
            Kind::Boolean => {
                let mut b = BooleanBuilder::new();
                for v in values {
                    b.append_option(v.and_then(Value::as_bool));
                }
                Arc::new(b.finish())
            }
            Kind::TextList => {
                let mut b = ListBuilder::new(StringBuilder::new());
                for v in values {
                    match v.and_then(Value::as_array) {
                        Some(items) => {
                            for i in items {
                                b.values().append_value(
                                    i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string()),
                                );
                            }
                            b.append(true);
                        }
                        None => b.append(false),
                    }
                }
                Arc::new(b.finish())
            }
        };
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::clone(schema), arrays)
}
