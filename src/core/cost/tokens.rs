//! Token counts with OpenAI's own tokenizers (tiktoken), built once per process.
//!
//! Counting locally lets the app show what a run will cost before anything is sent. For OpenAI
//! models the count is the tokenizer the model really uses; every other model gets an o200k/cl100k
//! count that is close but not exact, and says so (`TokenCount::exact == false`) so the UI can mark
//! the number as approximate instead of pretending.

use std::sync::OnceLock;

use tiktoken_rs::CoreBPE;

use crate::core::prompt::ChatMessage;
use crate::core::spec::ProviderKind;

/// Tokens OpenAI adds around every chat message (`<|start|>{role}\n … <|end|>\n`).
const TOKENS_PER_MESSAGE: u64 = 3;
/// Tokens priming the assistant's reply (`<|start|>assistant<|message|>`).
const TOKENS_REPLY_PRIMING: u64 = 3;

/// A tiktoken byte-pair encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// GPT-4o, GPT-4.1, GPT-5 and the o-series.
    O200kBase,
    /// GPT-4, GPT-3.5, and the fallback for every non-OpenAI model.
    Cl100kBase,
}

impl Encoding {
    /// tiktoken's name for the encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::O200kBase => "o200k_base",
            Encoding::Cl100kBase => "cl100k_base",
        }
    }

    /// The BPE, built on first use (about 100 ms) and shared afterwards. `None` only if the
    /// tables embedded in tiktoken-rs fail to load, in which case counts fall back to an estimate.
    fn bpe(self) -> Option<&'static CoreBPE> {
        match self {
            Encoding::O200kBase => O200K.get_or_init(|| tiktoken_rs::o200k_base().ok()),
            Encoding::Cl100kBase => CL100K.get_or_init(|| tiktoken_rs::cl100k_base().ok()),
        }
        .as_ref()
    }

    /// Tokens of `text` as plain text (special-token markers in user content count as text).
    fn count(self, text: &str) -> u64 {
        match self.bpe() {
            Some(bpe) => bpe.count_ordinary(text) as u64,
            // About four characters per token for English text.
            None => text.chars().count().div_ceil(4) as u64,
        }
    }
}

/// A number of tokens, and whether it is the model's real tokenizer count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenCount {
    pub tokens: u64,
    /// `false` for non-OpenAI providers and models: the count is an approximation.
    pub exact: bool,
}

/// tiktoken encoding for a model: `o200k_base` for `gpt-4o*`, `gpt-4.1*`, `gpt-5*`, `o1*`/`o3*`/
/// `o4*`, `chatgpt-4o*` (and `gpt-oss*`, whose o200k_harmony encoding counts ordinary text the
/// same); `cl100k_base` for `gpt-4*`, `gpt-3.5*`, and everything else (non-OpenAI models get an
/// approximate count).
pub fn encoding_for(model: &str) -> Encoding {
    let model = model.trim().to_ascii_lowercase();
    let o_series = ["o1", "o3", "o4"].iter().any(|o| model == *o || model.starts_with(&format!("{o}-")));
    let o200k_prefix =
        ["gpt-4o", "gpt-4.1", "gpt-5", "chatgpt-4o", "gpt-oss"].iter().any(|p| model.starts_with(p));
    if o_series || o200k_prefix { Encoding::O200kBase } else { Encoding::Cl100kBase }
}

/// Whether the model is one of OpenAI's API models, i.e. one whose tokenizer tiktoken really is.
/// `gpt-oss` is excluded: it is an open-weights model served elsewhere, with its own chat format.
fn is_openai_model(model: &str) -> bool {
    let model = model.trim().to_ascii_lowercase();
    !model.starts_with("gpt-oss")
        && (model.starts_with("gpt-3.5")
            || model.starts_with("gpt-4")
            || model.starts_with("gpt-5")
            || model.starts_with("chatgpt-")
            || encoding_for(&model) == Encoding::O200kBase)
}

/// Count tokens of text. The BPE is built once per encoding (`std::sync::OnceLock`), since
/// constructing it costs about 100 ms. Exact only for OpenAI models on the OpenAI provider; the
/// offline baseline and local servers still get a (labelled approximate) count.
pub fn count_tokens(provider: ProviderKind, model: &str, text: &str) -> TokenCount {
    TokenCount {
        tokens: encoding_for(model).count(text),
        exact: provider == ProviderKind::Openai && is_openai_model(model),
    }
}

static O200K: OnceLock<Option<CoreBPE>> = OnceLock::new();
static CL100K: OnceLock<Option<CoreBPE>> = OnceLock::new();

/// Whether both tokenizers are built, so counting will not stall (the GUI waits for this rather
/// than freezing a frame while they build).
pub fn tokenizers_ready() -> bool {
    O200K.get().is_some() && CL100K.get().is_some()
}

/// Build both tokenizers now (about 100 ms each, once per process), so the first estimate a
/// user waits for does not pay for it. Front ends call this on a background thread at start.
pub fn warm_up() {
    let _ = Encoding::O200kBase.count("warm up");
    let _ = Encoding::Cl100kBase.count("warm up");
}

/// Anthropic's hidden tool-use system prompt for `tool_choice: {type: "tool"}`.
pub(super) const ANTHROPIC_FORCED_TOOL_TOKENS: u64 = 313;

/// Input tokens of a chat request as OpenAI counts them: per message 3 tokens overhead +
/// tokens(role) + tokens(content), plus 3 for the reply priming; plus the tokens of the
/// JSON-serialised schema attached as `response_format` (pass `None` when not sent).
///
/// `exact` follows [`count_tokens`]: it says the tokenizer is the model's own. The schema term is
/// an approximation even then, as OpenAI renders `response_format` into its own internal form.
pub fn count_messages(
    provider: ProviderKind,
    model: &str,
    messages: &[ChatMessage],
    schema: Option<&serde_json::Value>,
) -> TokenCount {
    let encoding = encoding_for(model);
    let mut tokens = TOKENS_REPLY_PRIMING;
    for message in messages {
        tokens += TOKENS_PER_MESSAGE + encoding.count(role_name(message)) + encoding.count(&message.content);
    }
    if provider == ProviderKind::Anthropic && schema.is_some() {
        // Anthropic adds a tool-use system prompt when tools are sent (313 tokens for a forced
        // tool on current Claude models, per its tool-use pricing table).
        tokens += ANTHROPIC_FORCED_TOOL_TOKENS;
    }
    if let Some(schema) = schema {
        // Serialising a `Value` cannot fail (its map keys are strings); an empty string would only
        // make the estimate low, never crash.
        tokens += encoding.count(&serde_json::to_string(schema).unwrap_or_default());
    }
    TokenCount { tokens, exact: count_tokens(provider, model, "").exact }
}

fn role_name(message: &ChatMessage) -> &'static str {
    use crate::core::prompt::Role;
    match message.role {
        Role::System => "system",
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// Tokens of the JSON-serialised `schema` in `model`'s encoding: the schema's share of
/// [`count_messages`], counted once per run by callers that send the same schema many times.
pub fn count_schema(model: &str, schema: &serde_json::Value) -> u64 {
    encoding_for(model).count(&serde_json::to_string(schema).unwrap_or_default())
}

/// Tokens of `text` in o200k_base, for estimates that are not tied to a model.
pub(super) fn o200k_count(text: &str) -> u64 {
    Encoding::O200kBase.count(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::prompt::Role;

    fn msg(role: Role, content: &str) -> ChatMessage {
        ChatMessage { role, content: content.to_string() }
    }

    #[test]
    fn encodings_by_model() {
        for m in [
            "gpt-4o",
            "gpt-4o-mini-2024-07-18",
            "gpt-4.1-nano",
            "gpt-5",
            "gpt-5-mini",
            "o1",
            "o3-mini",
            "o4-mini",
            "chatgpt-4o-latest",
            "gpt-oss-20b",
        ] {
            assert_eq!(encoding_for(m), Encoding::O200kBase, "{m}");
        }
        for m in ["gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "claude-sonnet-4-5", "llama3.1", "o1x"] {
            assert_eq!(encoding_for(m), Encoding::Cl100kBase, "{m}");
        }
        assert_eq!(Encoding::O200kBase.as_str(), "o200k_base");
    }

    #[test]
    fn known_token_counts() {
        // "hello world" → ["hello", " world"]: 2 tokens in both encodings.
        assert_eq!(count_tokens(ProviderKind::Openai, "gpt-4o", "hello world").tokens, 2);
        assert_eq!(count_tokens(ProviderKind::Openai, "gpt-4", "hello world").tokens, 2);
        assert_eq!(count_tokens(ProviderKind::Openai, "gpt-4o", "").tokens, 0);
        // "tiktoken is great!": cl100k ["t", "ik", "token", " is", " great", "!"],
        // o200k ["t", "ikt", "oken", " is", " great", "!"] — 6 tokens each, split differently.
        let great = |model| count_tokens(ProviderKind::Openai, model, "tiktoken is great!").tokens;
        assert_eq!((great("gpt-4"), great("gpt-4o")), (6, 6));
        // Special-token markers in user text are counted as ordinary text, never as one token.
        assert!(count_tokens(ProviderKind::Openai, "gpt-4o", "<|endoftext|>").tokens > 1);
    }

    #[test]
    fn exactness_by_provider_and_model() {
        assert!(count_tokens(ProviderKind::Openai, "gpt-4o-mini", "hi").exact);
        assert!(count_tokens(ProviderKind::Openai, "gpt-3.5-turbo", "hi").exact);
        assert!(!count_tokens(ProviderKind::Openai, "claude-haiku-4-5", "hi").exact);
        assert!(!count_tokens(ProviderKind::OpenaiCompatible, "gpt-4o", "hi").exact);
        assert!(!count_tokens(ProviderKind::OpenaiCompatible, "gpt-oss-20b", "hi").exact);
        let offline = count_tokens(ProviderKind::Offline, "baseline", "hello world");
        assert_eq!(offline, TokenCount { tokens: 2, exact: false });
    }

    #[test]
    fn count_messages_adds_overhead_roles_and_schema() {
        let messages = [msg(Role::System, "You analyse calls."), msg(Role::User, "hello world")];
        let content: u64 =
            messages.iter().map(|m| count_tokens(ProviderKind::Openai, "gpt-4o", &m.content).tokens).sum();
        let plain = count_messages(ProviderKind::Openai, "gpt-4o", &messages, None);
        // 2 messages × (3 + 1 role token) + 3 priming = 11 on top of the content.
        assert_eq!(plain.tokens, content + 11);
        assert!(plain.exact);
        let schema = serde_json::json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let with_schema = count_messages(ProviderKind::Openai, "gpt-4o", &messages, Some(&schema));
        let schema_tokens = o200k_count(&schema.to_string());
        assert_eq!(with_schema.tokens, plain.tokens + schema_tokens);
        assert_eq!(count_messages(ProviderKind::Openai, "gpt-4o", &[], None).tokens, 3);
        assert!(!count_messages(ProviderKind::Offline, "baseline", &messages, None).exact);
    }
}
