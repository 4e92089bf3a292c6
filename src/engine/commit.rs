//! The run's committer: results that arrive together share one SQLite transaction.
//!
//! Every finished call hands its outcome to one committer task and waits for the answer. The
//! committer takes whatever has queued up while it wrote the previous group (at most
//! [`MAX_GROUP`]) and writes it in one transaction on a blocking thread, then answers each
//! waiter; only then does the waiter report its result. So a result is committed before anyone
//! sees it, exactly as with one transaction per result, but a burst of 256 replies costs a few
//! commits instead of 256 (and the outcome moves through instead of being cloned). No timer is
//! involved: a lone result is written at once; grouping only happens under load.
//!
//! When a group fails as a whole (one bad row), each of its results is retried on its own, so
//! one failure does not take the others with it.

use super::{EngineError, SharedStore, with_store};
use crate::core::outcome::Outcome;
use crate::core::transcript::Conversation;
use crate::store::{OutgoingEvent, RunId, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most results written in one transaction.
pub(super) const MAX_GROUP: usize = 512;

/// One result waiting to be committed.
pub(super) struct Pending {
    /// The conversation, stored with its first result (idempotent).
    pub conversation: Arc<Conversation>,
    pub hash: String,
    pub outcome: Outcome,
    /// Webhook deliveries queued with the result (the outbox).
    pub outgoing: Vec<OutgoingEvent>,
    /// The claim dropped once the result is stored.
    pub claim: Option<i64>,
}

type Reply = oneshot::Sender<Result<Outcome, EngineError>>;

/// Where a run's tasks send their results; cheap to clone.
#[derive(Clone)]
pub(super) struct Committer {
    queue: mpsc::UnboundedSender<(Pending, Reply)>,
}

impl Committer {
    /// Start the committer of `run_id`; it ends when every clone is dropped and the queue is
    /// written out.
    /// The handle's value is the number of transactions written.
    pub fn start(store: SharedStore, run_id: RunId) -> (Committer, tokio::task::JoinHandle<usize>) {
        let (queue, rx) = mpsc::unbounded_channel();
        (Committer { queue }, tokio::spawn(serve(store, run_id, rx)))
    }

    /// Commit `pending`; returns its outcome once it is in the history.
    pub async fn commit(&self, pending: Pending) -> Result<Outcome, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((pending, reply))
            .map_err(|_| EngineError::Join("the run's committer has stopped".into()))?;
        answer.await.map_err(|_| EngineError::Join("the run's committer stopped before answering".into()))?
    }
}

async fn serve(
    store: SharedStore,
    run_id: RunId,
    mut rx: mpsc::UnboundedReceiver<(Pending, Reply)>,
) -> usize {
    let mut groups = 0;
    while let Some(first) = rx.recv().await {
        groups += 1;
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        // The answers are sent from the blocking thread once the group is committed. Should the
        // thread itself fail, the dropped replies tell each waiter so.
        let _ = with_store(&store, move |s| {
            write_group(s, run_id, group);
            Ok(())
        })
        .await;
    }
    groups
}

/// Write `group` in one transaction and answer each; on failure, each on its own.
fn write_group(s: &Store, run_id: RunId, group: Vec<(Pending, Reply)>) {
    let together = group.len() > 1
        && s.in_transaction(|s| group.iter().try_for_each(|(p, _)| write(s, run_id, p))).is_ok();
    for (p, reply) in group {
        let result = if together { Ok(()) } else { s.in_transaction(|s| write(s, run_id, &p)) };
        let _ = reply.send(result.map(|()| p.outcome).map_err(EngineError::from));
    }
}

fn write(s: &Store, run_id: RunId, p: &Pending) -> Result<(), StoreError> {
    s.save_conversation(&p.conversation, &p.hash)?;
    s.record_result_with(run_id, &p.hash, &p.outcome, &p.outgoing, None)?;
    if let Some(id) = p.claim {
        s.release_claim(id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::outcome::Status;
    use crate::store::fixtures;
    use std::sync::Mutex;

    fn pending(id: &str) -> Pending {
        let conversation = fixtures::conversation(id);
        let hash = format!("content-{id}");
        let mut outcome = fixtures::outcome(Status::Ok, 10, 5, Some(0.01));
        outcome.conversation_id = id.to_string();
        Pending { conversation: Arc::new(conversation), hash, outcome, outgoing: Vec::new(), claim: None }
    }

    fn setup() -> (SharedStore, RunId) {
        let store = Store::open_memory().unwrap();
        let (spec_hash, _) = fixtures::seed(&store, "group", "c0");
        let run_id = fixtures::run(&store, &spec_hash, "openai", "gpt-4o-mini");
        (Arc::new(Mutex::new(store)), run_id)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn results_queued_together_share_a_transaction_and_all_are_committed() {
        let (store, run_id) = setup();
        let (committer, served) = Committer::start(Arc::clone(&store), run_id);
        let waits: Vec<_> = (0..100)
            .map(|i| {
                let (committer, p) = (committer.clone(), pending(&format!("c{i}")));
                tokio::spawn(async move { committer.commit(p).await })
            })
            .collect();
        for w in waits {
            let outcome = w.await.unwrap().unwrap();
            assert_eq!(outcome.status, Status::Ok);
        }
        drop(committer);
        let groups = served.await.unwrap();
        // All 100 were queued before the committer first ran: far fewer transactions than results.
        assert!(groups < 10, "{groups} transactions for 100 results");
        assert_eq!(store.lock().unwrap().results(run_id).unwrap().len(), 100);
    }

    #[test]
    fn one_bad_result_does_not_take_its_group_with_it() {
        let (store, run_id) = setup();
        let s = store.lock().unwrap();
        let mut group = Vec::new();
        let mut answers = Vec::new();
        for id in ["c1", "c2", "c3"] {
            let (tx, rx) = oneshot::channel();
            group.push((pending(id), tx));
            answers.push(rx);
        }
        // The history refuses one row; the group is then written one by one, and only that
        // one fails.
        s.execute_for_tests(
            "CREATE TRIGGER refuse BEFORE INSERT ON results WHEN NEW.conversation_id = 'bad'
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        );
        let (tx, mut bad_rx) = oneshot::channel();
        group.insert(1, (pending("bad"), tx));
        write_group(&s, run_id, group);
        drop(s);
        assert!(bad_rx.try_recv().unwrap().is_err());
        for mut rx in answers {
            assert!(rx.try_recv().unwrap().is_ok());
        }
        assert_eq!(store.lock().unwrap().results(run_id).unwrap().len(), 3);
    }
}
