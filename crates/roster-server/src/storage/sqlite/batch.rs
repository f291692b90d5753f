//! Group commit: ops that arrive while another batch is being written wait, then go to disk
//! together in one transaction (one fsync), each in a savepoint of its own so a refused or
//! failed op leaves the others untouched. Nobody hears "applied" before the commit.

use std::sync::{Arc, Mutex, PoisonError};

use roster_core::Envelope;

use crate::storage::{Applied, Caller, Result, SideEffect, StorageError};

/// One op waiting for its batch.
#[derive(Debug)]
pub(super) struct Job {
    pub envelope: Envelope,
    pub caller: Caller,
    pub effects: Vec<SideEffect>,
    slot: Arc<Slot>,
}

impl Job {
    pub fn answer(&self, result: Result<Applied>) {
        *self.slot.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
    }
}

#[derive(Debug, Default)]
struct Slot(Mutex<Option<Result<Applied>>>);

impl Slot {
    fn take(&self) -> Option<Result<Applied>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The ops waiting, and the right to write the next batch.
#[derive(Debug, Default)]
pub(super) struct Queue {
    pending: Mutex<Vec<Job>>,
    leader: Mutex<()>,
}

impl Queue {
    /// Queues the op and waits for its batch. Whoever gets to write next writes every op
    /// queued by then (its own included); the others find their answer already there.
    pub fn submit(
        &self,
        envelope: Envelope,
        caller: Caller,
        effects: Vec<SideEffect>,
        write: impl FnOnce(&[Job]),
    ) -> Result<Applied> {
        let slot = Arc::new(Slot::default());
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Job {
                envelope,
                caller,
                effects,
                slot: Arc::clone(&slot),
            });
        let _leader = self.leader.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(result) = slot.take() {
            return result;
        }
        let jobs =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        write(&jobs);
        slot.take().unwrap_or_else(|| {
            Err(StorageError::Task(
                "the batch gave this op no answer".into(),
            ))
        })
    }
}
