//! Which webhook events a result sends: `conversation.analyzed` always, plus one event per rule
//! with an event name that matches an `ok` analysis (the seed's CRM routing and QA alerting).
//!
//! Built once per run or intake worker ([`Announcer::load`]), so rules are compiled once; the
//! events are then written in the result's own transaction (see `store::deliveries`).

use super::{Engine, EngineError};
use crate::core::outcome::{Outcome, Status};
use crate::core::rules::{CompiledRule, Rule, Verdict, matches};
use crate::core::webhook::{AnalyzedEvent, RuleEvent};
use crate::store::OutgoingEvent;

/// A new `webhook-id`: `msg_` and 32 hex digits from the operating system's CSPRNG (a clock
/// and counter would do, but would repeat across data folders restored from a backup).
pub fn new_msg_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Unique enough without the OS generator: time and a random seed from fastrand.
        bytes[..8].copy_from_slice(&crate::store::now_unix_ms().to_le_bytes());
        bytes[8..].copy_from_slice(&fastrand::u64(..).to_le_bytes());
    }
    format!("msg_{}", hex::encode(bytes))
}

/// The time of an event: now, RFC 3339 UTC to the second, as in the seed's example.
pub fn event_timestamp() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Makes the events for results of one agent (or of no agent, for workbench and batch runs).
#[derive(Debug, Clone)]
pub struct Announcer {
    agent_id: Option<String>,
    rules: Vec<(CompiledRule, String)>,
    /// Put the evidence quotes into `conversation.analyzed`.
    evidence: bool,
}

impl Announcer {
    /// The rules that carry an event, compiled; a stored rule that no longer parses is left out
    /// (it was checked when added, so this only happens to a hand-edited history).
    pub fn load(engine: &Engine, agent_id: Option<String>) -> Result<Announcer, EngineError> {
        Ok(Announcer::from_rules(engine.rules()?, agent_id))
    }

    /// The same from rules already read.
    pub fn from_rules(rules: Vec<crate::store::StoredRule>, agent_id: Option<String>) -> Announcer {
        let rules = rules
            .into_iter()
            .filter_map(|r| {
                let event = r.event?;
                Rule::new(r.name, r.expression).compile().ok().map(|c| (c, event))
            })
            .collect();
        Announcer { agent_id, rules, evidence: false }
    }

    /// Send the outcomes' evidence in `conversation.analyzed` (the spec's `webhook_evidence`).
    pub fn with_evidence(mut self, on: bool) -> Announcer {
        self.evidence = on;
        self
    }

    /// The agent the events are for.
    pub fn agent_id(&self) -> Option<&str> {
        self.agent_id.as_deref()
    }

    /// The events `outcome` sends.
    pub fn events(&self, outcome: &Outcome, spec_version: &str) -> Vec<OutgoingEvent> {
        let timestamp = event_timestamp();
        let agent = self.agent_id.as_deref();
        let mut events = vec![OutgoingEvent {
            msg_id: new_msg_id(),
            event: crate::core::webhook::ANALYZED.to_string(),
            conversation_id: Some(outcome.conversation_id.clone()),
            agent_id: self.agent_id.clone(),
            payload: {
                let event = AnalyzedEvent::new(outcome, agent, spec_version, &timestamp);
                if self.evidence { event.with_evidence(outcome) } else { event }.to_body()
            },
        }];
        let (Status::Ok, Some(analysis)) = (outcome.status, outcome.analysis.as_ref()) else {
            return events;
        };
        let compiled: Vec<CompiledRule> = self.rules.iter().map(|(c, _)| c.clone()).collect();
        for (verdict, (rule, event)) in matches(&compiled, analysis).into_iter().zip(&self.rules) {
            if verdict.verdict == Verdict::Matched {
                let payload =
                    RuleEvent::new(event, rule.rule(), outcome, analysis, agent, spec_version, &timestamp)
                        .to_body();
                events.push(OutgoingEvent {
                    msg_id: new_msg_id(),
                    event: event.clone(),
                    conversation_id: Some(outcome.conversation_id.clone()),
                    agent_id: self.agent_id.clone(),
                    payload,
                });
            }
        }
        events
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn matching_rules_fire_their_events_beside_the_analysis() {
        let engine = Engine::open_memory().unwrap();
        engine
            .add_rule(
                "QA review needed",
                "overall_score < 70 || len(compliance_issues) > 0",
                Some("qa.review_needed"),
            )
            .unwrap();
        engine.add_rule("hot lead", "lead_quality == \"hot\" && decision_maker", Some("lead.hot")).unwrap();
        engine.add_rule("no event", "true", None).unwrap();
        let announcer = Announcer::load(&engine, Some("agt".into())).unwrap();
        let mut o = Outcome::skeleton("c1", "api", "offline", "baseline");
        o.status = Status::Ok;
        o.analysis = Some(
            json!({"overall_score": 55, "compliance_issues": [], "lead_quality": "cold", "decision_maker": true}),
        );
        let events = announcer.events(&o, &"0".repeat(64));
        let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["conversation.analyzed", "qa.review_needed"]);
        assert_ne!(events[0].msg_id, events[1].msg_id);
        let v: Value = serde_json::from_str(&events[1].payload).unwrap();
        assert_eq!(v["rule"]["name"], "QA review needed");
        assert_eq!(v["agent_id"], "agt");

        o.status = Status::Invalid;
        assert_eq!(announcer.events(&o, &"0".repeat(64)).len(), 1, "rules fire on ok analyses only");
    }

    #[test]
    fn ids_and_timestamps_have_their_documented_shapes() {
        let id = new_msg_id();
        assert!(id.starts_with("msg_") && id.len() == 36, "{id}");
        assert_ne!(id, new_msg_id());
        let t = event_timestamp();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z'));
    }
}

/// What to replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    Run(crate::store::RunId),
    Result(i64),
}

impl Engine {
    /// Queue `conversation.analyzed` again for stored results — every result of a run, or one —
    /// to every endpoint that wants it, or only to `endpoint`. Each replay is a new message (a new
    /// `webhook-id`), stamped with the time the result was recorded. Returns how many deliveries
    /// were queued.
    pub fn replay(&self, what: Replay, endpoint: Option<i64>) -> Result<usize, EngineError> {
        if let Some(id) = endpoint {
            self.webhook(id)?;
        }
        let results = match what {
            Replay::Run(run) => {
                let results = self.run_results(run)?;
                if results.is_empty() {
                    return Err(EngineError::EmptyRun(run));
                }
                results
            }
            Replay::Result(id) => vec![
                self.with(|s| s.result(id))?
                    .ok_or_else(|| {
                        EngineError::not_found(
                            format!("result {id}"),
                            "`debrief runs show RUN_ID` lists a run's results",
                        )
                    })?
                    .0,
            ],
        };
        let mut queued = 0;
        for r in results {
            let agent = self.with(|s| s.intake_agent_of(r.id))?;
            let timestamp = r.created_at.get(..19).map(|t| format!("{t}Z")).unwrap_or_else(event_timestamp);
            let payload =
                AnalyzedEvent::new(&r.outcome, agent.as_deref(), &r.spec_hash, &timestamp).to_body();
            let event = OutgoingEvent {
                msg_id: new_msg_id(),
                event: crate::core::webhook::ANALYZED.to_string(),
                conversation_id: Some(r.outcome.conversation_id.clone()),
                agent_id: agent,
                payload,
            };
            queued += self.with(|s| s.enqueue(&[event], Some(r.id), endpoint))?;
        }
        Ok(queued)
    }
}
