//! Where a run's conversations come from: a list in memory (the workbench, `analyze`, tests), or
//! a stream read from disk as the run goes (`debrief batch`), so a million conversations never
//! sit in memory at once.
//!
//! A stream is an ordinary blocking iterator (core code, no tokio); the engine pumps it on a
//! blocking thread into a small bounded channel, so reading and parsing never block an async
//! worker and at most [`AHEAD`] conversations are read ahead of the calls.

use crate::core::transcript::Conversation;
use tokio::sync::mpsc;

/// Conversations read ahead of the run at most.
const AHEAD: usize = 64;

/// A run's conversations.
pub enum Conversations {
    List(Vec<Conversation>),
    Stream(ConversationStream),
}

/// Conversations produced lazily, with how many are expected (for the run row and progress).
pub struct ConversationStream {
    planned: usize,
    items: Box<dyn Iterator<Item = Conversation> + Send>,
}

impl ConversationStream {
    /// `planned`: how many `items` should yield (an estimate is fine; it is shown, not trusted).
    pub fn new(
        planned: usize,
        items: impl Iterator<Item = Conversation> + Send + 'static,
    ) -> ConversationStream {
        ConversationStream { planned, items: Box::new(items) }
    }
}

impl Conversations {
    /// How many conversations the run expects.
    pub fn len(&self) -> usize {
        match self {
            Conversations::List(list) => list.len(),
            Conversations::Stream(s) => s.planned,
        }
    }

    /// Whether none are expected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Start handing them out; a stream starts reading on a blocking thread.
    pub(super) fn feed(self) -> Feed {
        match self {
            Conversations::List(list) => Feed { next: 0, from: Origin::List(list.into_iter()) },
            Conversations::Stream(stream) => {
                let (tx, rx) = mpsc::channel(AHEAD);
                let items = stream.items;
                tokio::task::spawn_blocking(move || {
                    for conversation in items {
                        // The run ended (or was cancelled): stop reading.
                        if tx.blocking_send(conversation).is_err() {
                            break;
                        }
                    }
                });
                Feed { next: 0, from: Origin::Stream(rx) }
            }
        }
    }
}

impl From<Vec<Conversation>> for Conversations {
    fn from(list: Vec<Conversation>) -> Conversations {
        Conversations::List(list)
    }
}

impl std::fmt::Debug for Conversations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Conversations::List(list) => write!(f, "List({} conversations)", list.len()),
            Conversations::Stream(s) => write!(f, "Stream(~{} conversations)", s.planned),
        }
    }
}

/// The run's side of [`Conversations::feed`].
pub(super) struct Feed {
    next: usize,
    from: Origin,
}

enum Origin {
    List(std::vec::IntoIter<Conversation>),
    Stream(mpsc::Receiver<Conversation>),
}

impl Feed {
    /// The next conversation with its index in the run, or `None` when there are no more.
    pub(super) async fn next(&mut self) -> Option<(usize, Conversation)> {
        let conversation = match &mut self.from {
            Origin::List(list) => list.next(),
            Origin::Stream(rx) => rx.recv().await,
        }?;
        self.next += 1;
        Some((self.next - 1, conversation))
    }
}
