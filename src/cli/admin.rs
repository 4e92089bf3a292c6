//! `debrief agents`, `debrief keys` and `debrief rules`: the pipeline's settings.
//!
//! `keys create` prints the new key as its only line on stdout, once; nothing prints it again.

use super::spec_args::SpecArgs;
use super::{CliError, Exit, GlobalDataDir, engine_err};
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct AgentsArgs {
    #[command(subcommand)]
    pub command: AgentsCommand,
    #[command(flatten)]
    pub data: GlobalDataDir,
}

#[derive(Debug, clap::Subcommand)]
pub enum AgentsCommand {
    /// Map an agent id to a spec (file or template) and provider settings; replaces an existing one.
    Add {
        id: String,
        #[command(flatten)]
        spec: SpecArgs,
    },
    /// List agents.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one agent's spec as JSON.
    Show { id: String },
    /// Remove an agent (its results stay in the history).
    Remove { id: String },
}

pub fn agents(args: AgentsArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let mut out = std::io::stdout().lock();
    match args.command {
        AgentsCommand::Add { id, spec } => {
            let resolved = spec.resolve()?;
            let replaced = engine.add_agent(&id, &resolved, spec.base_url.as_deref()).map_err(engine_err)?;
            eprintln!(
                "agent {id} {}: spec {} {} · {} {}",
                if replaced { "replaced" } else { "added" },
                resolved.name,
                resolved.short_version(),
                resolved.provider,
                resolved.model
            );
        }
        AgentsCommand::List { json } => {
            let agents = engine.agents().map_err(engine_err)?;
            if json {
                let list: Vec<_> = agents
                    .iter()
                    .map(|a| {
                        serde_json::json!({"id": a.id, "spec": a.spec.name, "spec_version": a.spec_hash,
                            "provider": a.spec.provider, "model": a.spec.model, "base_url": a.base_url,
                            "policy": a.spec.policy, "updated_at": a.updated_at})
                    })
                    .collect();
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default());
            } else if agents.is_empty() {
                let _ =
                    writeln!(out, "no agents; add one with `debrief agents add ID --template post_analysis`");
            } else {
                for a in &agents {
                    let _ = writeln!(
                        out,
                        "{:<24}  {:<28} {}  {}/{}{}",
                        a.id,
                        a.spec.name,
                        &a.spec_hash[..12.min(a.spec_hash.len())],
                        a.spec.provider,
                        a.spec.model,
                        a.base_url.as_deref().map(|u| format!(" at {u}")).unwrap_or_default()
                    );
                }
            }
        }
        AgentsCommand::Show { id } => {
            let agent = engine.agent(&id).map_err(engine_err)?;
            let _ = writeln!(out, "{}", agent.spec.to_json_pretty());
        }
        AgentsCommand::Remove { id } => {
            engine.remove_agent(&id).map_err(engine_err)?;
            eprintln!("agent {id} removed");
        }
    }
    Ok(Exit::Ok)
}

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
    #[command(flatten)]
    pub data: GlobalDataDir,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Create a server API key; prints it once, as the only line on stdout.
    Create { name: String },
    /// List keys (names and prefixes, never the keys).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key.
    Revoke { name: String },
}

pub fn keys(args: KeysArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let mut out = std::io::stdout().lock();
    match args.command {
        KeysCommand::Create { name } => {
            let key = engine.create_key(&name).map_err(engine_err)?;
            let _ = writeln!(out, "{key}");
            eprintln!("key {name} created; it is shown only now (only its hash is kept)");
        }
        KeysCommand::List { json } => {
            let keys = engine.keys().map_err(engine_err)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&keys).unwrap_or_default());
            } else {
                for k in &keys {
                    let state = k
                        .revoked_at
                        .as_deref()
                        .map(|t| format!("revoked {t}"))
                        .unwrap_or_else(|| "active".into());
                    let _ = writeln!(out, "{:<24}  {}…  created {}  {state}", k.name, k.prefix, k.created_at);
                }
            }
        }
        KeysCommand::Revoke { name } => {
            engine.revoke_key(&name).map_err(engine_err)?;
            eprintln!("key {name} revoked");
        }
    }
    Ok(Exit::Ok)
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
    #[command(flatten)]
    pub data: GlobalDataDir,
}

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Add or replace a rule, e.g. `rules add "QA review" 'overall_score < 70' --event qa.review_needed`.
    Add {
        name: String,
        expression: String,
        /// The webhook event a matching analysis sends.
        #[arg(long, value_name = "EVENT")]
        event: Option<String>,
    },
    /// List rules.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a rule.
    Remove { name: String },
}

pub fn rules(args: RulesArgs) -> Result<Exit, CliError> {
    let engine = args.data.open()?;
    let mut out = std::io::stdout().lock();
    match args.command {
        RulesCommand::Add { name, expression, event } => {
            let replaced = engine.add_rule(&name, &expression, event.as_deref()).map_err(engine_err)?;
            eprintln!("rule {name:?} {}", if replaced { "replaced" } else { "added" });
        }
        RulesCommand::List { json } => {
            let rules = engine.rules().map_err(engine_err)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&rules).unwrap_or_default());
            } else {
                for r in &rules {
                    let event = r.event.as_deref().map(|e| format!("  → {e}")).unwrap_or_default();
                    let _ = writeln!(out, "{:<28}  {}{event}", r.name, r.expression);
                }
            }
        }
        RulesCommand::Remove { name } => {
            engine.remove_rule(&name).map_err(engine_err)?;
            eprintln!("rule {name:?} removed");
        }
    }
    Ok(Exit::Ok)
}
