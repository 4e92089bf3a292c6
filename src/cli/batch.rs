//! `debrief batch`: run a spec over a corpus, resume what was done, and summarise.
//!
//! The summary on stdout is one JSON object (run id, counts per status, tokens, cost, stability
//! over repeats, and the evaluation against expected labels when given) so CI can read it;
//! `--out` writes the per-result lines in the `analyze` format; progress goes to stderr as a
//! bar. Stored `ok` results of the same spec version on the same content are reused unless
//! `--fresh`, so a rerun after a crash or Ctrl-C pays only for what was not done.

use super::spec_args::SpecArgs;
use super::{CliError, DataDirArg, Exit};
use crate::core::cost::format_usd;
use crate::core::line::result_line;
use crate::core::outcome::{Outcome, Status, Usage};
use crate::core::stability;
use crate::engine::{Conversations, Engine, Event, MAX_CONCURRENCY, RunHandle, RunRequest};
use crate::store::REUSED_PREFIX;
use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub data: DataDirArg,
    #[command(flatten)]
    pub prices: super::prices::PriceArgs,
    #[command(flatten)]
    pub via: super::batch_api::ViaArgs,
    /// Most calls in flight (1-256); halved on rate limits, regrown after successes.
    #[arg(long, default_value_t = 8, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=MAX_CONCURRENCY as i64))]
    pub concurrency: u16,
    /// Analyse each conversation N times and report per-field stability.
    #[arg(long, default_value_t = 1, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeat: u32,
    /// Call the model even where a stored ok result of this spec version exists.
    #[arg(long)]
    pub fresh: bool,
    /// Follow links to folders outside the folders given (off: they are skipped with a note).
    #[arg(long)]
    pub follow_links: bool,
    /// Labels to score the run against (JSON lines {"conversation_id", "expected": {…}}); labels
    /// embedded in JSON transcripts are used too.
    #[arg(long, value_name = "FILE")]
    pub expected: Option<PathBuf>,
    /// Exit 1 when a field's score is below the minimum, e.g. --min-accuracy topic=0.9 (repeatable).
    #[arg(long = "min-accuracy", value_name = "FIELD=MIN", value_parser = super::eval::parse_gate)]
    pub gates: Vec<(String, f64)>,
    /// Send each result's webhook events (conversation.analyzed and rule events) to the endpoints
    /// of `debrief webhooks`; due deliveries go out before the command ends, unless
    /// `debrief serve` runs on this data folder (then it sends them).
    #[arg(long)]
    pub deliver: bool,
    /// With --deliver: the agent id the events carry (endpoints added with --agent want it).
    #[arg(long, value_name = "ID", requires = "deliver")]
    pub agent: Option<String>,
    /// Write every result line (the `analyze` format) to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Transcript files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub async fn batch(args: BatchArgs) -> Result<Exit, CliError> {
    let spec = args.spec.resolve()?;
    let config = args.spec.provider_config(&spec);
    let provider = Engine::provider(&config).map_err(CliError::usage)?;
    let mut engine = args.data.open()?;
    engine.set_prices(args.prices.table()?);
    let mut out = match &args.out {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| {
                    format!("cannot create {}; check the folder exists and is writable", path.display())
                })
                .map_err(CliError::usage)?,
        )),
        None => None,
    };
    let Some((conversations, report, loaded_failed)) =
        super::corpus::open(&args.paths, args.follow_links, &args.via.via)?
    else {
        return Ok(Exit::NotAllOk);
    };
    // Which outcomes the evaluation at the end needs: conversations labelled in the file, by
    // reviewers, or (met as the stream goes) in the transcripts.
    let known = engine.labelled_ids(args.expected.as_deref()).map_err(super::engine_err)?;
    if !args.gates.is_empty()
        && known.is_empty()
        && report.lock().labelled_ids.is_empty()
        && matches!(conversations, Conversations::List(_))
    {
        return Err(needs_labels());
    }
    let (provider, batch_jobs) = match (&args.via.via, &conversations) {
        (super::batch_api::Via::BatchApi, Conversations::List(list)) => {
            if args.repeat > 1 {
                return Err(CliError::usage(anyhow!(
                    "--via batch-api sends each conversation once; drop --repeat"
                )));
            }
            let collected =
                super::batch_api::collect(&mut engine, &config, provider, &spec, list, args.fresh, &args.via);
            match collected.await? {
                Ok(ready) => ready,
                Err(exit) => return Ok(exit),
            }
        }
        _ => (provider, Vec::new()),
    };
    let schema = spec.schema.clone();
    let fields: Vec<String> = crate::core::schema::top_level_fields(&spec.schema);
    let n_planned = conversations.len();
    let request = RunRequest {
        spec,
        conversations,
        kind: "batch".into(),
        concurrency: usize::from(args.concurrency),
        repeat: args.repeat,
        reuse: !args.fresh,
        deliver: args.deliver.then(|| crate::engine::Deliver { agent_id: args.agent.clone() }),
    };
    let started = Instant::now();
    let RunHandle { events: mut rx, cancel, stop, join } = engine.spawn(provider, request);
    let signalled = crate::engine::signals::stop_on_signals(crate::engine::Stops { stop, cancel }, |name| {
        eprintln!(
            "{name}: no new calls; waiting up to {} s for the calls in flight (results received are saved; signal again to stop now)",
            crate::engine::signals::GRACE.as_secs()
        )
    });

    let bar = progress_bar(n_planned * args.repeat as usize);
    // Nothing per result stays in memory once it is committed and written out, except what the
    // end of the summary needs: the analyses of repeats (stability, only with --repeat) and the
    // outcomes of labelled conversations (evaluation), both without their attempts.
    let mut kept = Kept::new(args.repeat);
    let mut tally = Tally::default();
    let mut run_id = None;
    while let Some(event) = rx.recv().await {
        let Event::Result { run_id: id, index, outcome } = event else { continue };
        run_id = Some(id);
        tally.add(&outcome, &fields);
        bar.inc(1);
        bar.set_message(tally.message());
        if let Some(w) = out.as_mut() {
            writeln!(w, "{}", result_line(&outcome, Some(id)))
                .context("cannot write the --out file")
                .map_err(CliError::failed)?;
        }
        let labelled = |id: &str| known.contains(id) || report.lock().labelled_ids.contains(id);
        kept.keep(index, *outcome, labelled);
    }
    bar.finish_and_clear();
    if let Some(mut w) = out {
        w.flush().context("cannot write the --out file").map_err(CliError::failed)?;
    }
    let run_id = join
        .await
        .map_err(|e| CliError::failed(anyhow!("run task failed: {e}")))?
        .map_err(CliError::failed)
        .map(Some)?
        .or(run_id);

    let (n_conversations, labelled, import_failed) = {
        let mut r = report.lock();
        (r.conversations, std::mem::take(&mut r.labelled), r.failed || loaded_failed)
    };
    if n_conversations == 0 {
        eprintln!("nothing to analyse: no transcript in the given paths could be read");
    }
    let mut summary = tally.summary(run_id, started.elapsed().as_millis() as u64);
    if args.deliver {
        summary["deliveries"] = super::webhooks::deliver_due(&engine).await?;
    }
    if args.repeat > 1 {
        let repeats: Vec<Vec<&Value>> = (0..n_conversations)
            .map(|c| {
                (0..args.repeat as usize)
                    .filter_map(|r| kept.analyses.get(&(c * args.repeat as usize + r)))
                    .collect()
            })
            .collect();
        summary["stability"] = json!(stability::stability(&fields, &repeats));
    }
    if let Some(grounding) = tally.grounding() {
        eprint!("{}", crate::core::evidence::render_grounding(&grounding));
        summary["grounding"] = json!(grounding);
    }
    let gates_passed = evaluate_run(&engine, &args, kept.labelled, &labelled, &schema, &mut summary)?;
    let _ =
        writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
    eprintln!(
        "run {} · {} · {} new call(s), {} reused · {}",
        run_id.map(|r| r.to_string()).unwrap_or_default(),
        tally.message(),
        tally.called,
        tally.reused,
        format_usd(tally.cost)
    );
    if let Some(run_id) = run_id {
        super::batch_api::link_run(&engine, &batch_jobs, run_id);
        super::runs::report_interrupted(&engine, run_id);
    }
    if let Some(code) = signalled.exit_code() {
        return Ok(Exit::Signal(code));
    }
    let all_done = tally.done == n_conversations * args.repeat as usize;
    let all_fine = tally.counts.keys().all(|s| *s == Status::Ok || *s == Status::Skipped);
    Ok(if all_done && all_fine && gates_passed && !import_failed { Exit::Ok } else { Exit::NotAllOk })
}

/// Score the run's labelled outcomes (file, reviewer and embedded labels) into the summary;
/// whether every `--min-accuracy` gate passed.
fn evaluate_run(
    engine: &Engine,
    args: &BatchArgs,
    kept: BTreeMap<usize, Outcome>,
    labelled: &[crate::core::transcript::Conversation],
    schema: &Value,
    summary: &mut Value,
) -> Result<bool, CliError> {
    let kept_ids: Vec<String> = kept.values().map(|o| o.conversation_id.clone()).collect();
    let labels =
        engine.labels_for(args.expected.as_deref(), labelled, &kept_ids).map_err(super::engine_err)?;
    if !args.gates.is_empty() && labels.set.is_empty() {
        return Err(needs_labels());
    }
    if labels.set.is_empty() {
        return Ok(true);
    }
    super::eval::report_sources(&labels.sources);
    summary["labels"] = json!(labels.sources);
    let outcomes: Vec<Outcome> = kept.into_values().collect();
    let (evaluation, gates) = super::eval::evaluate(schema, &outcomes, &labels.set, &args.gates);
    eprint!("{}", crate::core::eval::render_table(&evaluation));
    summary["evaluation"] = json!(evaluation);
    if !gates.is_empty() {
        summary["gates"] = json!(gates);
    }
    Ok(super::eval::report_gates(&gates))
}

fn needs_labels() -> CliError {
    CliError::usage(anyhow!(
        "--min-accuracy needs labels: pass --expected FILE, or label the conversations (`debrief labels import`)"
    ))
}

/// What the end of the summary needs of each result, and nothing else.
struct Kept {
    repeat: u32,
    /// With --repeat: each ok result's analysis by its index (conversation × repeat + r).
    analyses: BTreeMap<usize, Value>,
    /// Outcomes of labelled conversations by index (in run order, as `eval` pairs them),
    /// without their attempts, which the evaluation does not read.
    labelled: BTreeMap<usize, Outcome>,
}

impl Kept {
    fn new(repeat: u32) -> Kept {
        Kept { repeat, analyses: BTreeMap::new(), labelled: BTreeMap::new() }
    }

    fn keep(&mut self, index: usize, mut outcome: Outcome, labelled: impl Fn(&str) -> bool) {
        if self.repeat > 1
            && outcome.status == Status::Ok
            && let Some(analysis) = &outcome.analysis
        {
            self.analyses.insert(index, analysis.clone());
        }
        if labelled(&outcome.conversation_id) {
            outcome.attempts = Vec::new();
            self.labelled.insert(index, outcome);
        }
    }
}

/// Running totals for the progress bar and the summary.
#[derive(Default)]
struct Tally {
    done: usize,
    counts: BTreeMap<Status, usize>,
    reused: usize,
    called: usize,
    usage: Usage,
    /// `None` once any result's cost is unknown (unpriced model).
    cost: Option<f64>,
    cost_unknown: bool,
    /// Evidence grounding per field over the ok results with evidence (`None`: none had any).
    grounding: Option<BTreeMap<String, crate::core::evidence::Grounding>>,
}

impl Tally {
    fn add(&mut self, o: &Outcome, fields: &[String]) {
        self.done += 1;
        *self.counts.entry(o.status).or_default() += 1;
        let reused = o.note.as_deref().is_some_and(|n| n.starts_with(REUSED_PREFIX));
        if reused {
            self.reused += 1;
        } else if o.status != Status::Skipped {
            self.called += 1;
        }
        self.usage.add(&o.usage);
        match o.cost_usd {
            Some(c) if !self.cost_unknown => self.cost = Some(self.cost.unwrap_or(0.0) + c),
            _ => {
                self.cost_unknown = true;
                self.cost = None;
            }
        }
        if o.status == Status::Ok
            && let Some(pair) = o.analysis.as_ref().zip(o.evidence.as_ref())
        {
            let acc = self.grounding.get_or_insert_with(|| crate::core::evidence::grounding([], fields));
            crate::core::evidence::add_grounding(acc, pair.0, pair.1, fields);
        }
    }

    /// The grounding with its rates, when any result had evidence.
    fn grounding(&self) -> Option<BTreeMap<String, crate::core::evidence::Grounding>> {
        let mut g = self.grounding.clone()?;
        crate::core::evidence::finish_grounding(&mut g);
        Some(g)
    }

    fn failed(&self) -> usize {
        self.counts.iter().filter(|(s, _)| !matches!(s, Status::Ok | Status::Skipped)).map(|(_, n)| n).sum()
    }

    fn message(&self) -> String {
        let skipped = self.counts.get(&Status::Skipped).copied().unwrap_or(0);
        format!(
            "{} ok · {} failed · {} skipped · {}",
            self.counts.get(&Status::Ok).copied().unwrap_or(0),
            self.failed(),
            skipped,
            format_usd(if self.cost_unknown { None } else { Some(self.cost.unwrap_or(0.0)) })
        )
    }

    fn summary(&self, run_id: Option<i64>, wall_ms: u64) -> Value {
        let counts: BTreeMap<&str, usize> = self.counts.iter().map(|(s, n)| (s.as_str(), *n)).collect();
        json!({
            "run_id": run_id,
            "results": self.done,
            "counts": counts,
            "called": self.called,
            "reused": self.reused,
            "usage": self.usage,
            "cost_usd": if self.cost_unknown { None } else { Some(self.cost.unwrap_or(0.0)) },
            "wall_ms": wall_ms,
        })
    }
}

/// A stderr progress bar: done / total, ETA, and the running tally. Hidden when stderr is not a
/// terminal (indicatif's default), so logs stay clean in CI.
fn progress_bar(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} · ETA {eta} · {msg}") {
        bar.set_style(style);
    }
    bar
}
