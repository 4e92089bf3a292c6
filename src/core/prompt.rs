//! Spec + conversation → provider-neutral chat messages.
//!
//! Every provider receives the same content: the spec's prompt as the system message and the
//! transcript as the user message. Providers only change the envelope (where the system prompt
//! goes, how the schema is attached), so token estimates made here hold for all of them.

use serde::{Deserialize, Serialize};

/// Role of a chat message, in the OpenAI vocabulary every provider maps from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One provider-neutral message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

use super::outcome::FieldError;
use super::schema::{display_pointer, summary};
use super::spec::AnalysisSpec;
use super::transcript::Conversation;

/// How the prompt is assembled for a provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PromptOptions {
    /// Append a plain-language summary of the schema to the system prompt (local servers, which
    /// may never show the schema's descriptions to the model).
    pub schema_summary: bool,
}

impl PromptOptions {
    /// The options a provider's requests use.
    pub fn for_provider(kind: super::spec::ProviderKind) -> PromptOptions {
        PromptOptions { schema_summary: kind.is_local() }
    }
}

/// The messages of the first attempt: the spec's prompt as system message, the transcript as
/// user message — redacted first when the spec's `redact` asks for it (`core::redact`), so
/// nothing built here can carry what the spec keeps on the machine.
pub fn build(spec: &AnalysisSpec, conversation: &Conversation, options: PromptOptions) -> Vec<ChatMessage> {
    messages(spec, &crate::core::redact::apply(spec, conversation), options)
}

/// [`build`] for a conversation that is already as it will be sent (redacted by
/// [`crate::core::redact::apply`] when the spec asks): the engine redacts once and checks the
/// evidence against that same text.
pub fn messages(
    spec: &AnalysisSpec,
    conversation: &Conversation,
    options: PromptOptions,
) -> Vec<ChatMessage> {
    let mut system = spec.prompt.trim().to_string();
    if options.schema_summary {
        system.push_str("\n\n");
        system.push_str(&summary::describe(&spec.schema));
    }
    vec![
        ChatMessage { role: Role::System, content: system },
        ChatMessage { role: Role::User, content: user_message(spec, conversation) },
    ]
}

/// The transcript with the facts a reviewer would want the model to know. A redacting spec
/// leaves out an id that holds something it redacts (a file named after a phone number).
fn user_message(spec: &AnalysisSpec, conversation: &Conversation) -> String {
    // Header values are free text too: one that holds anything the spec redacts is left out.
    // Ids join words with `_`, `-` or `.` ("jane_doe_call"), so those count as spaces here.
    // One redactor for the header (a setting that does not compile hides every value).
    let redactor = (!spec.redact.is_empty()).then(|| crate::core::redact::Redactor::new(&spec.redact).ok());
    let shown = |value: &str| {
        let spaced: String =
            value.chars().map(|c| if matches!(c, '_' | '-' | '.') { ' ' } else { c }).collect();
        let hidden = match &redactor {
            None => false,
            Some(None) => true,
            Some(Some(r)) => r.finds_any(value) || r.finds_any(&spaced),
        };
        if hidden { "(redacted)".to_string() } else { value.to_string() }
    };
    let mut header = vec![format!("Conversation {}", shown(&conversation.id))];
    let m = &conversation.metadata;
    if let Some(channel) = &m.channel {
        header.push(format!("channel: {}", shown(channel)));
    }
    if let Some(d) = m.duration_s {
        header.push(format!("duration: {d:.0} s"));
    }
    if let Some(r) = &m.ended_reason {
        header.push(format!("ended: {}", shown(r)));
    }
    format!("{}\n\nTranscript:\n{}", header.join(" · "), conversation.render())
}

/// Messages for a repair attempt: the previous messages, the model's reply, and what was wrong.
pub fn repair(previous: &[ChatMessage], reply: &str, problems: &RepairReason) -> Vec<ChatMessage> {
    let mut messages = previous.to_vec();
    messages.push(ChatMessage { role: Role::Assistant, content: reply.to_string() });
    messages.push(ChatMessage { role: Role::User, content: problems.instructions() });
    messages
}

/// Why the previous reply needs repairing.
#[derive(Debug, Clone, PartialEq)]
pub enum RepairReason {
    /// Not parseable as JSON.
    NotJson(String),
    /// Parsed, but failed the schema.
    Invalid(Vec<FieldError>),
}

impl RepairReason {
    /// The message fed back to the model.
    pub fn instructions(&self) -> String {
        match self {
            RepairReason::NotJson(err) => format!(
                "Your reply was not valid JSON ({err}). Reply again with only the JSON object, no prose and no code fences."
            ),
            RepairReason::Invalid(errors) => {
                let list: Vec<String> = errors
                    .iter()
                    .map(|e| format!("- {}: {}", display_pointer(&e.pointer), e.message))
                    .collect();
                format!(
                    "Your JSON does not match the required schema:\n{}\nReply again with the corrected JSON object only.",
                    list.join("\n")
                )
            }
        }
    }
}
