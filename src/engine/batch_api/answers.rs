//! What a finished batch answered, served to the normal run as if it were the provider.
//!
//! [`Answered`] wraps the real provider. The first call for a conversation the batch answered
//! returns that reply — so it is parsed, validated against the user's schema, repaired,
//! costed and committed by exactly the code a normal call goes through, into the same results
//! table. A conversation the batch failed (errored, expired, a failed job) finds no answer
//! and is sent as a normal call; one the user cancelled ends as an error without a call.
//! Repairs of a batch answer are normal calls too.

use crate::core::cost::{Price, PriceTable};
use crate::core::prompt::PromptOptions;
use crate::core::schema::dialect::Transformed;
use crate::core::spec::ProviderKind;
use crate::llm::{BoxFuture, Completion, CompletionRequest, LlmError, Provider};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What the batch says about one conversation (by content hash).
#[derive(Debug, Clone)]
pub enum Answer {
    /// The batch's reply, served once.
    Reply(Box<Completion>),
    /// No call is made; the outcome is an error with this text.
    Report(String),
}

/// The real provider, answering first calls from a finished batch.
pub struct Answered {
    inner: Arc<dyn Provider>,
    answers: Mutex<HashMap<String, Answer>>,
}

impl Answered {
    pub fn new(inner: Arc<dyn Provider>, answers: HashMap<String, Answer>) -> Answered {
        Answered { inner, answers: Mutex::new(answers) }
    }

    /// Take the batch's answer for a conversation, if it has one left.
    fn take(&self, conversation_hash: &str) -> Option<Answer> {
        let mut answers = self.answers.lock().ok()?;
        // A report stays (every call for the conversation gets it); a reply is served once, so
        // repairs go to the provider.
        if matches!(answers.get(conversation_hash), Some(Answer::Report(_))) {
            answers.get(conversation_hash).cloned()
        } else {
            answers.remove(conversation_hash)
        }
    }
}

impl Provider for Answered {
    fn kind(&self) -> ProviderKind {
        self.inner.kind()
    }
    fn label(&self) -> String {
        self.inner.label()
    }
    fn base_url(&self) -> Option<String> {
        self.inner.base_url()
    }
    fn deterministic(&self) -> bool {
        self.inner.deterministic()
    }
    fn free(&self) -> bool {
        self.inner.free()
    }
    fn result_note(&self) -> Option<&'static str> {
        Some("via the provider's batch API, at the batch price")
    }
    fn may_ignore_schema(&self) -> bool {
        self.inner.may_ignore_schema()
    }
    fn prompt_options(&self) -> PromptOptions {
        self.inner.prompt_options()
    }
    fn sent_schema(&self, schema: &Value, max_text_length: Option<u32>) -> Transformed {
        self.inner.sent_schema(schema, max_text_length)
    }
    fn complete<'a>(&'a self, request: CompletionRequest<'a>) -> BoxFuture<'a, Result<Completion, LlmError>> {
        match self.take(&request.conversation.content_hash()) {
            Some(Answer::Reply(mut completion)) => {
                // The body that went into the batch file, for the history.
                completion.request_body = crate::llm::request_body(self.inner.kind(), &request);
                Box::pin(async move { Ok(*completion) })
            }
            Some(Answer::Report(text)) => Box::pin(async move { Err(LlmError::BatchItem(text)) }),
            None => self.inner.complete(request),
        }
    }
}

/// `table` with `model` priced at its batch rates: the listed batch prices, else half the list
/// price (what all three providers charge).
pub fn at_batch_price(table: &PriceTable, model: &str) -> PriceTable {
    let mut table = table.clone();
    if let Some(p) = table.price(model).cloned() {
        table.set(batch_price(p));
    }
    table
}

fn batch_price(p: Price) -> Price {
    let ratio = p.batch_input.map(|b| if p.input > 0.0 { b / p.input } else { 0.5 }).unwrap_or(0.5);
    Price {
        input: p.batch_input.unwrap_or(p.input * 0.5),
        output: p.batch_output.unwrap_or(p.output * 0.5),
        cached_input: p.cached_input * ratio,
        cache_write: p.cache_write.map(|w| w * ratio),
        note: Some("batch price".into()),
        ..p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_price_is_the_listed_one_else_half() {
        let table = PriceTable::bundled();
        let list = table.price("gpt-4o-mini").cloned().unwrap();
        let batched = at_batch_price(&table, "gpt-4o-mini");
        let b = batched.price("gpt-4o-mini").unwrap();
        assert_eq!((b.input, b.output), (list.batch_input.unwrap(), list.batch_output.unwrap()));
        let half = batch_price(Price::new("m", "p", 2.0, 1.0, 8.0));
        assert_eq!((half.input, half.cached_input, half.output), (1.0, 0.5, 4.0));
    }
}
