//! What a webhook event says.
//!
//! `conversation.analyzed` carries exactly the seed's fields — `event`, `conversation_id`,
//! `agent_id`, `timestamp` (RFC 3339 UTC), `analysis` — plus `status`, `spec_version`, `model`
//! and `cost_usd`; when the status is not `ok`, `analysis` is null and `errors` says why (a
//! skipped conversation carries its reason there). Rule events (`qa.review_needed`, `lead.hot`,
//! …) carry the rule that matched and the analysis, so a CRM router or a QA alert needs no code
//! of its own to decide. The payload's JSON Schema ships in `assets/` and every test checks sent
//! payloads against it.

use crate::core::outcome::{FieldError, Outcome, Status};
use serde::Serialize;
use serde_json::Value;

/// The event every finished analysis sends.
pub const ANALYZED: &str = "conversation.analyzed";

/// The event `debrief webhooks test` sends.
pub const TEST_EVENT: &str = "webhook.test";

/// The JSON Schema of every payload Debrief sends.
pub const PAYLOAD_SCHEMA: &str = include_str!("../../../assets/webhook_payload.schema.json");

/// Event names are dotted lower-case words (`qa.review_needed`, `lead.hot`): receivers switch on
/// them, so a typo with a space or a capital would be a silent miss.
pub fn is_valid_event_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// The `conversation.analyzed` payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalyzedEvent<'a> {
    pub event: &'static str,
    pub conversation_id: &'a str,
    pub agent_id: Option<&'a str>,
    /// When the analysis finished, RFC 3339 UTC (`2025-01-18T15:30:00Z`).
    pub timestamp: &'a str,
    /// The validated analysis; null unless `status` is `ok`.
    pub analysis: Option<&'a Value>,
    pub status: Status,
    /// The spec version hash the analysis was made with.
    pub spec_version: &'a str,
    pub model: &'a str,
    pub cost_usd: Option<f64>,
    /// Present when the status is not `ok`: what went wrong, or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The evidence quotes, only when the spec sends them (`"webhook_evidence": true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<&'a crate::core::evidence::Evidence>,
}

impl<'a> AnalyzedEvent<'a> {
    /// The event for one outcome.
    pub fn new(
        outcome: &'a Outcome,
        agent_id: Option<&'a str>,
        spec_version: &'a str,
        timestamp: &'a str,
    ) -> AnalyzedEvent<'a> {
        let ok = outcome.status == Status::Ok;
        AnalyzedEvent {
            event: ANALYZED,
            conversation_id: &outcome.conversation_id,
            agent_id,
            timestamp,
            analysis: if ok { outcome.analysis.as_ref() } else { None },
            status: outcome.status,
            spec_version,
            model: &outcome.model,
            cost_usd: outcome.cost_usd,
            errors: (!ok).then(|| errors_of(outcome)),
            evidence: None,
        }
    }

    /// The same event carrying the outcome's evidence.
    pub fn with_evidence(mut self, outcome: &'a Outcome) -> AnalyzedEvent<'a> {
        self.evidence = outcome.evidence.as_ref();
        self
    }

    /// The exact bytes sent (and signed).
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The errors an event reports: the outcome's own, or for a skipped conversation its reason.
fn errors_of(outcome: &Outcome) -> Vec<FieldError> {
    if outcome.errors.is_empty() {
        let message = outcome.note.clone().unwrap_or_else(|| format!("status {}", outcome.status));
        vec![FieldError { pointer: String::new(), message }]
    } else {
        outcome.errors.clone()
    }
}

/// The payload of an event fired by a rule that matched an analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleEvent<'a> {
    pub event: &'a str,
    pub conversation_id: &'a str,
    pub agent_id: Option<&'a str>,
    pub timestamp: &'a str,
    /// The rule's name and expression, so the receiver can say why it was alerted.
    pub rule: RuleRef<'a>,
    pub analysis: &'a Value,
    pub status: Status,
    pub spec_version: &'a str,
    pub model: &'a str,
    pub cost_usd: Option<f64>,
}

/// Which rule fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleRef<'a> {
    pub name: &'a str,
    pub expression: &'a str,
}

impl<'a> RuleEvent<'a> {
    /// The event `rule` fires for an ok outcome.
    pub fn new(
        event: &'a str,
        rule: &'a crate::core::rules::Rule,
        outcome: &'a Outcome,
        analysis: &'a Value,
        agent_id: Option<&'a str>,
        spec_version: &'a str,
        timestamp: &'a str,
    ) -> RuleEvent<'a> {
        RuleEvent {
            event,
            conversation_id: &outcome.conversation_id,
            agent_id,
            timestamp,
            rule: RuleRef { name: &rule.name, expression: &rule.expression },
            analysis,
            status: outcome.status,
            spec_version,
            model: &outcome.model,
            cost_usd: outcome.cost_usd,
        }
    }

    /// The exact bytes sent (and signed).
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::outcome::Outcome;
    use serde_json::json;

    fn outcome(status: Status) -> Outcome {
        let mut o = Outcome::skeleton("conv_abc123", "api", "openai", "gpt-4o-mini");
        o.status = status;
        o.analysis = Some(json!({"summary": "Billing discrepancy resolved.", "topic": "billing"}));
        o.cost_usd = Some(0.0002);
        o
    }

    fn schema() -> jsonschema::Validator {
        jsonschema::validator_for(&serde_json::from_str(PAYLOAD_SCHEMA).unwrap()).unwrap()
    }

    #[test]
    fn analyzed_ok_has_the_seed_fields_and_validates() {
        let o = outcome(Status::Ok);
        let body = AnalyzedEvent::new(&o, Some("agt_xyz"), &"a".repeat(64), "2025-01-18T15:30:00Z").to_body();
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["event"], "conversation.analyzed");
        assert_eq!(v["conversation_id"], "conv_abc123");
        assert_eq!(v["agent_id"], "agt_xyz");
        assert_eq!(v["timestamp"], "2025-01-18T15:30:00Z");
        assert_eq!(v["analysis"]["topic"], "billing");
        assert_eq!(v["status"], "ok");
        assert!(v.get("errors").is_none());
        assert!(schema().is_valid(&v), "{v}");
    }

    #[test]
    fn a_failed_or_skipped_analysis_sends_null_and_the_reason() {
        let mut o = outcome(Status::Skipped);
        o.note = Some("skipped by policy: end_reason voicemail".into());
        let body = AnalyzedEvent::new(&o, None, &"a".repeat(64), "2025-01-18T15:30:00Z").to_body();
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(v["analysis"].is_null());
        assert_eq!(v["status"], "skipped");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("voicemail"));
        assert!(schema().is_valid(&v), "{v}");
    }

    #[test]
    fn rule_events_name_the_rule_and_validate() {
        let o = outcome(Status::Ok);
        let rule = crate::core::rules::Rule::new("hot lead", "lead_quality == \"hot\"");
        let analysis = o.analysis.clone().unwrap();
        let body = RuleEvent::new(
            "lead.hot",
            &rule,
            &o,
            &analysis,
            Some("agt"),
            &"a".repeat(64),
            "2025-01-18T15:30:00Z",
        )
        .to_body();
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["event"], "lead.hot");
        assert_eq!(v["rule"]["name"], "hot lead");
        assert!(schema().is_valid(&v), "{v}");
    }

    #[test]
    fn event_names_are_dotted_lower_case() {
        assert!(is_valid_event_name("qa.review_needed"));
        assert!(is_valid_event_name("lead.hot"));
        for bad in ["", "Lead.hot", "lead hot", "lead..hot", ".x", "x."] {
            assert!(!is_valid_event_name(bad), "{bad:?}");
        }
    }
}
