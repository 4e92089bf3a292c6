//! What individual models accept, where it differs within one provider: which Claude models have
//! structured outputs, which OpenAI models reason and with which `reasoning_effort` values, how
//! each Gemini generation is told how much to think.
//!
//! Kept as data and small parsers, apart from the request builders, so lint, previews, estimates
//! and the requests agree. Names are matched by family and version, not exact strings, so dated
//! snapshots (`claude-sonnet-4-5-20250929`) and `-latest` aliases resolve like their base model.

use crate::core::spec::ProviderKind;

/// The `(major, minor)` of a Claude model name: `claude-sonnet-4-5-20250929` → (4, 5),
/// `claude-opus-4-20250514` → (4, 0), `claude-3-7-sonnet-latest` → (3, 7).
pub fn claude_version(model: &str) -> Option<(u32, u32)> {
    let m = model.trim().to_ascii_lowercase();
    let rest = m.strip_prefix("anthropic/").unwrap_or(&m).strip_prefix("claude-")?;
    let numbers: Vec<u32> = rest
        .split(['-', '.', '@'])
        .filter(|p| !p.is_empty() && p.len() <= 2)
        .map_while(|p| p.parse().ok())
        .collect();
    // Newer names put the family first (`opus-4-5`), older ones the version (`3-7-sonnet`);
    // either way the one- and two-digit parts are the version and a date is longer.
    let major = *numbers.first()?;
    Some((major, numbers.get(1).copied().unwrap_or(0)))
}

/// Whether a Claude model has structured outputs (`output_config.format`, generally available
/// from the 4.5 family on); older ones get the forced tool.
pub fn anthropic_structured_outputs(model: &str) -> bool {
    claude_version(model).is_some_and(|v| v >= (4, 5))
}

/// The `reasoning_effort` values an OpenAI model accepts, or `None` for a model that does not
/// reason (and so takes no such setting).
pub fn openai_reasoning_efforts(model: &str) -> Option<&'static [&'static str]> {
    let m = model.trim().to_ascii_lowercase();
    let m = m.strip_prefix("openai/").unwrap_or(&m);
    if m.starts_with("gpt-5") {
        if m.contains("chat") {
            return None;
        }
        let minor: u32 = m
            .strip_prefix("gpt-5.")
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        let pro = m.contains("-pro");
        return Some(match (minor, pro) {
            (0, true) => &["high"],
            (0, false) => &["minimal", "low", "medium", "high"],
            (1, _) => &["none", "low", "medium", "high"],
            (_, true) => &["medium", "high", "xhigh"],
            (_, false) => &["none", "low", "medium", "high", "xhigh"],
        });
    }
    let o_series = ["o1", "o3", "o4"].iter().any(|p| m.starts_with(p));
    if o_series && !m.starts_with("o1-mini") && !m.starts_with("o1-preview") {
        return Some(&["low", "medium", "high"]);
    }
    None
}

/// The effort a reasoning model uses when none is sent.
pub fn openai_default_effort(model: &str) -> Option<&'static str> {
    let efforts = openai_reasoning_efforts(model)?;
    Some(if efforts.contains(&"none") {
        "none"
    } else if efforts == ["high"] {
        "high"
    } else {
        "medium"
    })
}

/// Tokens a reasoning model is expected to think for one extraction at an effort: an allowance
/// for estimates (reasoning is billed as output), not a measurement.
pub fn reasoning_allowance(provider: ProviderKind, model: &str, effort: Option<&str>) -> u64 {
    if provider != ProviderKind::Openai || openai_reasoning_efforts(model).is_none() {
        return 0;
    }
    let Some(effort) = effort.or_else(|| openai_default_effort(model)) else { return 0 };
    match effort {
        "none" => 0,
        "minimal" => 128,
        "low" => 512,
        "medium" => 2_048,
        "high" => 8_192,
        _ => 16_384,
    }
}

/// How a Gemini model is told how much to think.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeminiThinking {
    /// Gemini 2.5: `thinkingBudget` in tokens; `min` is the smallest accepted (Pro cannot turn
    /// thinking off), `default` what Debrief sends for extraction when the spec says nothing.
    Budget { min: i64, default: i64 },
    /// Gemini 3 and later: `thinkingLevel`; `default` is sent when the spec says nothing.
    Level { levels: &'static [&'static str], default: &'static str },
    /// Older models: no thinking configuration.
    None,
}

/// The thinking configuration a Gemini model takes.
pub fn gemini_thinking(model: &str) -> GeminiThinking {
    let m = model.trim().to_ascii_lowercase();
    let m = m.strip_prefix("models/").unwrap_or(&m);
    let Some(rest) = m.strip_prefix("gemini-") else { return GeminiThinking::None };
    let major: u32 = rest.split(['.', '-']).next().and_then(|d| d.parse().ok()).unwrap_or(0);
    if major >= 3 {
        let levels: &[&str] =
            if rest.contains("flash") { &["minimal", "low", "medium", "high"] } else { &["low", "high"] };
        return GeminiThinking::Level { levels, default: "low" };
    }
    if rest.starts_with("2.5") {
        // 2.5 Pro thinks at least 128 tokens; Flash and Flash-Lite can turn thinking off, which
        // keeps the budget for the answer (Flash thinks by default and runs out of output).
        return if rest.contains("pro") {
            GeminiThinking::Budget { min: 128, default: 128 }
        } else {
            GeminiThinking::Budget { min: 0, default: 0 }
        };
    }
    GeminiThinking::None
}

/// Whether Google advises keeping this model at its default temperature of 1.0 (Gemini 3).
pub fn gemini_prefers_default_temperature(model: &str) -> bool {
    matches!(gemini_thinking(model), GeminiThinking::Level { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_versions_from_every_naming_scheme() {
        assert_eq!(claude_version("claude-sonnet-4-5-20250929"), Some((4, 5)));
        assert_eq!(claude_version("claude-haiku-4-5"), Some((4, 5)));
        assert_eq!(claude_version("claude-opus-4-1"), Some((4, 1)));
        assert_eq!(claude_version("claude-opus-4-20250514"), Some((4, 0)));
        assert_eq!(claude_version("claude-3-7-sonnet-latest"), Some((3, 7)));
        assert_eq!(claude_version("claude-3-5-haiku-20241022"), Some((3, 5)));
        assert_eq!(claude_version("claude-opus-4-6"), Some((4, 6)));
        assert_eq!(claude_version("gpt-4o"), None);
        assert!(anthropic_structured_outputs("claude-opus-4-7"));
        assert!(anthropic_structured_outputs("claude-sonnet-5"));
        assert!(!anthropic_structured_outputs("claude-opus-4-1-20250805"));
        assert!(!anthropic_structured_outputs("claude-3-5-haiku-latest"));
    }

    #[test]
    fn openai_efforts_per_model() {
        assert_eq!(openai_reasoning_efforts("gpt-5-mini"), Some(&["minimal", "low", "medium", "high"][..]));
        assert_eq!(openai_reasoning_efforts("gpt-5.1"), Some(&["none", "low", "medium", "high"][..]));
        assert_eq!(
            openai_reasoning_efforts("gpt-5.2"),
            Some(&["none", "low", "medium", "high", "xhigh"][..])
        );
        assert_eq!(openai_reasoning_efforts("gpt-5-pro"), Some(&["high"][..]));
        assert_eq!(openai_reasoning_efforts("o4-mini"), Some(&["low", "medium", "high"][..]));
        assert_eq!(openai_reasoning_efforts("gpt-5-chat-latest"), None);
        assert_eq!(openai_reasoning_efforts("gpt-4o-mini"), None);
        assert_eq!(reasoning_allowance(ProviderKind::Openai, "gpt-5-mini", None), 2_048);
        assert_eq!(reasoning_allowance(ProviderKind::Openai, "gpt-5-mini", Some("minimal")), 128);
        assert_eq!(reasoning_allowance(ProviderKind::Openai, "gpt-5.1", None), 0, "5.1 defaults to none");
        assert_eq!(reasoning_allowance(ProviderKind::Openai, "gpt-4o", Some("high")), 0);
    }

    #[test]
    fn gemini_generations() {
        assert_eq!(gemini_thinking("gemini-2.5-flash"), GeminiThinking::Budget { min: 0, default: 0 });
        assert_eq!(
            gemini_thinking("models/gemini-2.5-pro"),
            GeminiThinking::Budget { min: 128, default: 128 }
        );
        assert!(matches!(
            gemini_thinking("gemini-3-pro-preview"),
            GeminiThinking::Level { default: "low", .. }
        ));
        assert!(
            matches!(gemini_thinking("gemini-3-flash"), GeminiThinking::Level { levels, .. } if levels.contains(&"minimal"))
        );
        assert_eq!(gemini_thinking("gemini-2.0-flash"), GeminiThinking::None);
        assert!(gemini_prefers_default_temperature("gemini-3-pro"));
        assert!(!gemini_prefers_default_temperature("gemini-2.5-flash"));
    }
}
