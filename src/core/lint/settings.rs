//! Findings about a spec's model settings, checked against what the chosen model accepts
//! (`core::models`): reasoning effort values per OpenAI model, Gemini's thinking configuration
//! and temperature advice, and the penalties and text bound local servers take.
//!
//! Pointers here point into the spec file (`/reasoning_effort`), not into its schema.

use super::{Finding, Severity};
use crate::core::models::{self, GeminiThinking};
use crate::core::spec::{AnalysisSpec, ProviderKind};

/// The settings findings for `spec`.
pub fn check(spec: &AnalysisSpec) -> Vec<Finding> {
    let mut out = Vec::new();
    let model = spec.model.as_str();
    let kind = spec.provider;
    if let Some(effort) = &spec.reasoning_effort {
        match (kind, models::openai_reasoning_efforts(model)) {
            (ProviderKind::Openai, Some(accepted)) if !accepted.contains(&effort.as_str()) => {
                out.push(Finding::new(
                    "reasoning-effort-invalid",
                    Severity::Error,
                    "/reasoning_effort",
                    format!(
                        "{model} accepts reasoning_effort {}; {effort:?} would be refused",
                        accepted.join(", ")
                    ),
                ))
            }
            (ProviderKind::Openai, Some(_)) => {}
            _ => out.push(Finding::new(
                "reasoning-effort-unused",
                Severity::Warning,
                "/reasoning_effort",
                format!("{kind}: {model} is not an OpenAI reasoning model, so reasoning_effort is not sent"),
            )),
        }
    }
    if kind == ProviderKind::Gemini {
        gemini(spec, &mut out);
    } else if spec.thinking_budget.is_some() || spec.thinking_level.is_some() {
        out.push(Finding::new(
            "thinking-unused",
            Severity::Warning,
            "/thinking_budget",
            format!("{kind}: thinking_budget and thinking_level are Gemini settings and are not sent"),
        ));
    }
    if let Some(p) = spec.repeat_penalty {
        if p <= 0.0 {
            out.push(Finding::new(
                "repeat-penalty-range",
                Severity::Error,
                "/repeat_penalty",
                format!("repeat_penalty must be above 0 (1.0 is off, 1.1–1.3 discourages loops); it is {p}"),
            ));
        } else if !kind.is_local() {
            out.push(Finding::new(
                "repeat-penalty-unused",
                Severity::Info,
                "/repeat_penalty",
                format!("{kind} has no repeat_penalty; it is sent only to local servers"),
            ));
        }
    }
    if let Some(p) = spec.frequency_penalty
        && !(-2.0..=2.0).contains(&p)
    {
        out.push(Finding::new(
            "frequency-penalty-range",
            Severity::Error,
            "/frequency_penalty",
            format!("frequency_penalty must be between -2.0 and 2.0; it is {p}"),
        ));
    }
    if spec.max_text_length == Some(0) {
        out.push(Finding::new("max-text-length-zero", Severity::Error, "/max_text_length", "max_text_length 0 would allow only empty strings; leave it out for the default (1000) or give a length".into()));
    }
    out
}

fn gemini(spec: &AnalysisSpec, out: &mut Vec<Finding>) {
    let model = spec.model.as_str();
    match models::gemini_thinking(model) {
        GeminiThinking::Budget { min, .. } => {
            if spec.thinking_level.is_some() {
                out.push(Finding::new("thinking-level-unused", Severity::Warning, "/thinking_level", format!("{model} takes thinking_budget, not thinking_level; the level is not sent (both at once is a 400)")));
            }
            if let Some(b) = spec.thinking_budget
                && b < min
                && b != -1
            {
                out.push(Finding::new(
                    "thinking-budget-range",
                    Severity::Error,
                    "/thinking_budget",
                    format!(
                        "{model} needs a thinking_budget of at least {min} (or -1 for dynamic); it is {b}"
                    ),
                ));
            }
        }
        GeminiThinking::Level { levels, .. } => {
            if spec.thinking_budget.is_some() {
                out.push(Finding::new("thinking-budget-unused", Severity::Warning, "/thinking_budget", format!("{model} takes thinking_level, not thinking_budget; the budget is not sent (both at once is a 400)")));
            }
            if let Some(level) = &spec.thinking_level
                && !levels.contains(&level.as_str())
            {
                out.push(Finding::new(
                    "thinking-level-invalid",
                    Severity::Error,
                    "/thinking_level",
                    format!(
                        "{model} accepts thinking_level {}; {level:?} would be refused",
                        levels.join(", ")
                    ),
                ));
            }
        }
        GeminiThinking::None => {}
    }
    if let Some(t) = spec.temperature
        && t < 1.0
        && models::gemini_prefers_default_temperature(model)
    {
        let message = if spec.keep_temperature {
            format!(
                "Google advises keeping {model} at temperature 1.0: lower values can loop or degrade answers; {t} is sent because keep_temperature is set"
            )
        } else {
            format!(
                "Google advises keeping {model} at temperature 1.0, so {t} is not sent; set keep_temperature to send it anyway"
            )
        };
        out.push(Finding::new("gemini-3-temperature", Severity::Warning, "/temperature", message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(provider: ProviderKind, model: &str) -> AnalysisSpec {
        let mut s = AnalysisSpec::template("post_analysis").unwrap();
        s.provider = provider;
        s.model = model.into();
        s
    }

    fn codes(s: &AnalysisSpec) -> Vec<&'static str> {
        check(s).iter().map(|f| f.code).collect()
    }

    #[test]
    fn each_model_gets_only_what_it_accepts() {
        let mut s = spec(ProviderKind::Openai, "gpt-5-mini");
        s.reasoning_effort = Some("minimal".into());
        assert!(codes(&s).is_empty());
        s.reasoning_effort = Some("xhigh".into());
        assert_eq!(codes(&s), ["reasoning-effort-invalid"]);
        s.model = "gpt-4o-mini".into();
        assert_eq!(codes(&s), ["reasoning-effort-unused"]);

        let mut g = spec(ProviderKind::Gemini, "gemini-3-pro-preview");
        assert_eq!(codes(&g), ["gemini-3-temperature"], "the template's temperature 0");
        g.thinking_budget = Some(512);
        g.thinking_level = Some("medium".into());
        assert_eq!(codes(&g), ["thinking-budget-unused", "thinking-level-invalid", "gemini-3-temperature"]);
        let mut pro = spec(ProviderKind::Gemini, "gemini-2.5-pro");
        pro.thinking_budget = Some(0);
        assert_eq!(codes(&pro), ["thinking-budget-range"], "2.5 Pro cannot turn thinking off");

        let mut local = spec(ProviderKind::OpenaiCompatible, "gemma3");
        local.repeat_penalty = Some(1.3);
        local.max_text_length = Some(0);
        assert_eq!(codes(&local), ["max-text-length-zero"]);
        local.provider = ProviderKind::Openai;
        local.max_text_length = None;
        assert_eq!(codes(&local), ["repeat-penalty-unused"]);
    }
}
