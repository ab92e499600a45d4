//! Submissions are written in batches: each request queues its report and waits for its answer;
//! a few writer tasks each take what is queued (up to [`MAX_BATCH`]) and store it in one
//! transaction ([`store::insert_batch`]). Under load that turns a statement round trip and a
//! synced commit per report into a few per batch; alone, a report is written at once.
//!
//! A batch the database refuses is written again one report at a time, so one bad report (say, a
//! text the database cannot hold) fails only its own request.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use super::db::{Backend, Db};
use super::store::{self, Item, Stored};
use super::validate::Submission;

/// The most reports written in one transaction.
pub const MAX_BATCH: usize = 64;
/// Reports waiting for a writer before requests wait to queue.
const QUEUE: usize = 4 * MAX_BATCH;

/// What storing one report came to (the error is shared by a batch's requests).
pub type Outcome = Result<Stored, Arc<sqlx::Error>>;

struct Job {
    token_id: String,
    sub: Submission,
    reply: oneshot::Sender<Outcome>,
}

/// The queue to the writer tasks.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Start the writer tasks on the current runtime: one for SQLite (a single writer at a time
    /// anyway), four for PostgreSQL (so a commit's wait overlaps the next batch's statements).
    pub fn start(db: Db) -> Writer {
        let workers = match db.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => 4,
        };
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..workers {
            tokio::spawn(work(db.clone(), rx.clone()));
        }
        Writer { queue }
    }

    /// Store `sub` under token `token_id`, in the next batch.
    pub async fn insert(&self, token_id: &str, sub: Submission) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            token_id: token_id.to_string(),
            sub,
            reply,
        };
        if self.queue.send(job).await.is_err() {
            return Err(Arc::new(sqlx::Error::PoolClosed));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(Arc::new(sqlx::Error::WorkerCrashed)))
    }
}

/// Take what is queued, up to [`MAX_BATCH`] (waiting for the first).
async fn next_batch(rx: &Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Job>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut jobs = vec![first];
    while jobs.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
    Some(jobs)
}

async fn work(db: Db, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    while let Some(jobs) = next_batch(&rx).await {
        let items: Vec<Item> = jobs
            .iter()
            .map(|j| Item {
                token_id: &j.token_id,
                sub: &j.sub,
            })
            .collect();
        let outcomes = write(&db, &items).await;
        for (job, outcome) in jobs.into_iter().zip(outcomes) {
            // A request that went away (client gone) needs no answer; its report is stored.
            let _ = job.reply.send(outcome);
        }
    }
}

/// The batch in one transaction; if that fails, each report on its own. What each item came to,
/// in order.
pub async fn write(db: &Db, items: &[Item<'_>]) -> Vec<Outcome> {
    match store::insert_batch(db, items).await {
        Ok(stored) => stored.into_iter().map(Ok).collect(),
        Err(e) if items.len() == 1 => vec![Err(Arc::new(e))],
        Err(_) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let one = store::insert_batch(db, std::slice::from_ref(item)).await;
                out.push(one.map(|s| s[0]).map_err(Arc::new));
            }
            out
        }
    }
}
