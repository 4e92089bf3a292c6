//! `debrief eval RUN_ID`, and the evaluation and accuracy gates `debrief batch` shares.
//!
//! Labels come from an `expected.jsonl` file, from `expected` objects inside JSON transcripts,
//! or both (a conversation labelled twice is an error, not a silent choice). The JSON report is
//! `core::eval::Evaluation` as is; the text report is its table. Gates (`--min-accuracy
//! FIELD=0.9`) compare each field's headline number and fail the command when one is short, so
//! CI can refuse a prompt change that made a field worse.

use super::{CliError, DataDirArg, Exit, engine_err};
use crate::core::eval::{self, Evaluation, LabelSet};
use crate::core::outcome::Outcome;
use crate::core::transcript::Conversation;
use anyhow::anyhow;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub data: DataDirArg,
    /// The run to score (see `debrief runs`).
    #[arg(value_name = "RUN_ID")]
    pub run_id: i64,
    /// Labels as JSON lines: {"conversation_id": "…", "expected": {"field": value}}. Labels
    /// embedded in the run's JSON transcripts are used too.
    #[arg(long, value_name = "FILE")]
    pub expected: Option<PathBuf>,
    /// Fail (exit 1) when a field's headline score is below the minimum, e.g. topic=0.9.
    #[arg(long = "min-accuracy", value_name = "FIELD=MIN", value_parser = parse_gate)]
    pub gates: Vec<(String, f64)>,
    /// Print the evaluation as JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `topic=0.9` → ("topic", 0.9).
pub fn parse_gate(s: &str) -> Result<(String, f64), String> {
    let (field, min) = s.split_once('=').ok_or_else(|| format!("{s:?}: write FIELD=MIN, e.g. topic=0.9"))?;
    let min: f64 =
        min.trim().parse().map_err(|_| format!("{s:?}: {min:?} is not a number; e.g. topic=0.9"))?;
    if !(0.0..=1.0).contains(&min) || field.trim().is_empty() {
        return Err(format!("{s:?}: the minimum is a share between 0 and 1, e.g. topic=0.9"));
    }
    Ok((field.trim().to_string(), min))
}

/// Labels from `file` (if any), those embedded in `conversations`, and reviewers' labels.
pub fn labels(
    engine: &crate::engine::Engine,
    file: Option<&Path>,
    conversations: &[Conversation],
) -> Result<crate::engine::labels::Labels, CliError> {
    engine.labels(file, conversations).map_err(engine_err)
}

/// Where the labels came from and what was not scored, on stderr.
pub fn report_sources(sources: &eval::LabelSources) {
    eprintln!("{}", sources.summary());
    for d in &sources.disagreements {
        let values: Vec<String> = d.values.iter().map(|(o, v)| format!("{o}: {v}")).collect();
        eprintln!("  disagreement, not scored: {} {} — {}", d.conversation_id, d.field, values.join(" · "));
    }
}

/// One gate's verdict.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GateResult {
    pub field: String,
    pub min: f64,
    pub actual: Option<f64>,
    pub passed: bool,
}

/// Score `outcomes` and check `gates`. A gate on a field with no score fails (a typo in a field
/// name must not pass CI silently).
pub fn evaluate(
    schema: &Value,
    outcomes: &[Outcome],
    labels: &LabelSet,
    gates: &[(String, f64)],
) -> (Evaluation, Vec<GateResult>) {
    let pairing = eval::pair_outcomes(outcomes, labels);
    let evaluation = eval::evaluate(schema, &pairing.items);
    let results = gates
        .iter()
        .map(|(field, min)| {
            let actual = evaluation.field(field).and_then(|f| f.headline());
            GateResult { field: field.clone(), min: *min, actual, passed: actual.is_some_and(|a| a >= *min) }
        })
        .collect();
    (evaluation, results)
}

/// Print failed gates on stderr; true when all passed.
pub fn report_gates(gates: &[GateResult]) -> bool {
    for g in gates.iter().filter(|g| !g.passed) {
        match g.actual {
            Some(a) => eprintln!("gate failed: {} scored {a:.3}, below the minimum {}", g.field, g.min),
            None => eprintln!(
                "gate failed: {} has no score (no labels for it, or not a field of the schema)",
                g.field
            ),
        }
    }
    gates.iter().all(|g| g.passed)
}

pub fn eval(args: EvalArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let (results, spec) = engine.run_for_scoring(args.run_id).map_err(engine_err)?;
    let conversations = engine.conversations_of(&results).map_err(engine_err)?;
    let labels = labels(&engine, args.expected.as_deref(), &conversations)?;
    if labels.set.is_empty() {
        return Err(CliError::usage(anyhow!(
            "no labels: pass --expected FILE, review the run in the workbench, `debrief labels import FILE`, or analyse JSON transcripts that carry an \"expected\" object"
        )));
    }
    report_sources(&labels.sources);
    let outcomes: Vec<Outcome> = results.into_iter().map(|r| r.outcome).collect();
    let (evaluation, gates) = evaluate(&spec.schema, &outcomes, &labels.set, &args.gates);
    let agreement = eval::agreement(&outcomes, &labels.reviewers);
    let fields: Vec<String> = crate::core::schema::top_level_fields(&spec.schema);
    let with_evidence: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status == crate::core::outcome::Status::Ok)
        .filter_map(|o| o.analysis.as_ref().zip(o.evidence.as_ref()))
        .collect();
    let grounding =
        (!with_evidence.is_empty()).then(|| crate::core::evidence::grounding(with_evidence, &fields));
    if args.json {
        let _ = writeln!(
            std::io::stdout().lock(),
            "{}",
            json!({"run_id": args.run_id, "evaluation": evaluation, "gates": gates, "labels": labels.sources, "agreement": agreement, "grounding": grounding})
        );
    } else {
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{}", eval::render_details(&evaluation));
        let _ = write!(out, "{}", eval::render_agreement(&agreement));
        if let Some(g) = &grounding {
            let _ = write!(out, "{}", crate::core::evidence::render_grounding(g));
        }
    }
    Ok(if report_gates(&gates) { Exit::Ok } else { Exit::NotAllOk })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_parse_or_say_how() {
        assert_eq!(parse_gate("topic=0.9"), Ok(("topic".into(), 0.9)));
        assert!(parse_gate("topic").unwrap_err().contains("FIELD=MIN"));
        assert!(parse_gate("topic=ninety").unwrap_err().contains("not a number"));
        assert!(parse_gate("topic=90").unwrap_err().contains("between 0 and 1"));
    }
}
