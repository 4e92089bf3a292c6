//! Spec settings that parse but cannot work: a temperature the provider refuses, an output
//! budget of zero tokens, a sampling rate that skips every conversation. Each is an error at the
//! JSON pointer of the key in the spec file (`/temperature`, `/policy/sample_rate`), so
//! `debrief lint --spec` fails before a run is paid for — or silently analyses nothing.
//! What a particular model accepts (reasoning effort, thinking, penalties) is `settings`.

use super::{Finding, Severity};
use crate::core::spec::{AnalysisSpec, ProviderKind};

fn error(code: &'static str, pointer: &str, message: String) -> Finding {
    Finding::new(code, Severity::Error, pointer, message)
}

/// Findings about `spec`'s generation settings and policy (not its schema).
pub fn check_settings(spec: &AnalysisSpec) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(t) = spec.temperature {
        // Anthropic documents 0–1; OpenAI and Gemini 0–2.
        let max = if spec.provider == ProviderKind::Anthropic { 1.0 } else { 2.0 };
        if !(0.0..=max).contains(&t) {
            out.push(error(
                "bad-temperature",
                "/temperature",
                format!("temperature {t} is outside 0–{max}, which {} refuses; use 0–{max} (0 to 0.3 for extraction)", spec.provider),
            ));
        }
    }
    if spec.max_output_tokens == Some(0) {
        out.push(error(
            "bad-max-output-tokens",
            "/max_output_tokens",
            "max_output_tokens is 0, so no answer fits; remove it for the default or give a budget such as 800".to_string(),
        ));
    }
    if let Some(rate) = spec.policy.sample_rate
        && !(rate > 0.0 && rate <= 1.0)
    {
        out.push(error(
            "bad-sample-rate",
            "/policy/sample_rate",
            format!("sample_rate {rate} must be above 0 and at most 1 (e.g. 0.2 for one in five); as it is, every conversation is skipped"),
        ));
    }
    if let Some(d) = spec.policy.min_duration_s
        && d < 0.0
    {
        out.push(error(
            "bad-min-duration",
            "/policy/min_duration_s",
            format!("min_duration_s {d} is negative; give seconds (e.g. 30) or remove it"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(spec: &AnalysisSpec) -> Vec<(&'static str, String)> {
        check_settings(spec).into_iter().map(|f| (f.code, f.pointer)).collect()
    }

    #[test]
    fn impossible_settings_are_errors_at_their_keys() {
        let mut spec = AnalysisSpec::template("post_analysis").unwrap();
        assert!(check_settings(&spec).is_empty());
        spec.temperature = Some(-5.0);
        spec.max_output_tokens = Some(0);
        spec.policy.sample_rate = Some(-0.5);
        assert_eq!(
            codes(&spec),
            [
                ("bad-temperature", "/temperature".to_string()),
                ("bad-max-output-tokens", "/max_output_tokens".to_string()),
                ("bad-sample-rate", "/policy/sample_rate".to_string()),
            ]
        );
        assert!(check_settings(&spec).iter().all(|f| f.severity == Severity::Error));
        spec = AnalysisSpec::template("post_analysis").unwrap();
        spec.provider = ProviderKind::Anthropic;
        spec.temperature = Some(1.5);
        assert_eq!(codes(&spec), [("bad-temperature", "/temperature".to_string())]);
        spec.provider = ProviderKind::Openai;
        assert!(codes(&spec).is_empty());
    }
}
