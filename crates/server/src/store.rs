//! The job store: one SQLite database (`jobs.sqlite`, in WAL mode) with a row per job, and
//! each job's outputs as files under `jobs/<jobId>/`, written atomically by the engine's
//! [`diagram_convert::DirSink`].
//!
//! A row is written before the POST is answered, and every status change is committed
//! before it is reported, so a job is never lost to a crash of the server: on the next
//! start [`Store::recover`] puts a job that was running back in the queue (once; a job
//! that was running at two crashes is marked `Failed` with the reason, so one input that
//! brings the server down cannot do so forever) and re-queues the queued ones.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use diagram_core::JobStatus;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// How many times a job may be started; one that was running at that many server crashes
/// is failed rather than run again.
pub const MAX_ATTEMPTS: i64 = 2;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or folder of the store could not be read or written.
    #[error("cannot use {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database failed.
    #[error("the job database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The store holds something this version cannot use.
    #[error("{0}")]
    Corrupt(String),
}

/// One job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// The job id.
    pub id: i64,
    /// The project it was posted to.
    pub project: String,
    /// Its status.
    pub status: JobStatus,
    /// Milliseconds since the Unix epoch.
    pub created_time: i64,
    /// When it last started; `None` while queued.
    pub start_time: Option<i64>,
    /// When its status last changed.
    pub status_time: i64,
    /// The request as posted (decompressed JSON), validated.
    pub request: String,
    /// SHA-256 (hex) of the job's `X-Job-Token`.
    pub token_hash: String,
    /// How many times it was started.
    pub attempts: i64,
    /// The finished job in the hosted shape (URLs relative to its folder), once ended.
    pub result: Option<String>,
    /// Why it failed as a whole.
    pub error_message: Option<String>,
}

/// What [`Store::recover`] found.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The jobs to run, oldest first.
    pub queued: Vec<i64>,
    /// One log line per job it changed.
    pub log: Vec<String>,
}

/// The store.
pub struct Store {
    root: PathBuf,
    conn: Mutex<Connection>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The status as the hosted shape and the database spell it.
pub fn status_name(s: JobStatus) -> &'static str {
    match s {
        JobStatus::Queued => "Queued",
        JobStatus::Running => "Running",
        JobStatus::Completed => "Completed",
        JobStatus::Failed => "Failed",
    }
}

fn parse_status(s: &str) -> rusqlite::Result<JobStatus> {
    Ok(match s {
        "Queued" => JobStatus::Queued,
        "Running" => JobStatus::Running,
        "Completed" => JobStatus::Completed,
        "Failed" => JobStatus::Failed,
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown job status {other:?}").into(),
            ))
        }
    })
}

const COLUMNS: &str = "id, project, status, created_time, start_time, status_time, request, \
                       token_hash, attempts, result, error_message";

fn row(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    Ok(JobRow {
        id: r.get(0)?,
        project: r.get(1)?,
        status: parse_status(&r.get::<_, String>(2)?)?,
        created_time: r.get(3)?,
        start_time: r.get(4)?,
        status_time: r.get(5)?,
        request: r.get(6)?,
        token_hash: r.get(7)?,
        attempts: r.get(8)?,
        result: r.get(9)?,
        error_message: r.get(10)?,
    })
}

/// The schema version this code writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

impl Store {
    /// Opens (or creates) the store in `root`.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| StoreError::Io { path, source }
        };
        std::fs::create_dir_all(root.join("jobs")).map_err(io(root))?;
        let conn = Connection::open(root.join("jobs.sqlite"))?;
        // WAL: readers (GET) never wait for the writer; NORMAL sync is durable against a
        // crash of this process (not of the machine's power), which is what is promised.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        match version {
            0 => {
                conn.execute_batch(
                    "BEGIN;
                     CREATE TABLE jobs (
                         id INTEGER PRIMARY KEY AUTOINCREMENT,
                         project TEXT NOT NULL,
                         status TEXT NOT NULL,
                         created_time INTEGER NOT NULL,
                         start_time INTEGER,
                         status_time INTEGER NOT NULL,
                         request TEXT NOT NULL,
                         token_hash TEXT NOT NULL,
                         attempts INTEGER NOT NULL DEFAULT 0,
                         result TEXT,
                         error_message TEXT
                     );
                     CREATE INDEX jobs_by_status ON jobs (status, status_time);
                     PRAGMA user_version = 1;
                     COMMIT;",
                )?;
            }
            SCHEMA_VERSION => {}
            v => {
                return Err(StoreError::Corrupt(format!(
                    "the job database {} has schema version {v}, newer than this server's \
                     {SCHEMA_VERSION}",
                    root.join("jobs.sqlite").display()
                )))
            }
        }
        Ok(Store { root: root.to_path_buf(), conn: Mutex::new(conn) })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The folder of a job's outputs.
    pub fn job_dir(&self, id: i64) -> PathBuf {
        self.root.join("jobs").join(id.to_string())
    }

    /// Adds a queued job.
    pub fn insert(
        &self,
        project: &str,
        request: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<JobRow, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO jobs (project, status, created_time, status_time, request, token_hash)
             VALUES (?1, 'Queued', ?2, ?2, ?3, ?4)",
            params![project, now, request, token_hash],
        )?;
        let id = conn.last_insert_rowid();
        Ok(JobRow {
            id,
            project: project.to_string(),
            status: JobStatus::Queued,
            created_time: now,
            start_time: None,
            status_time: now,
            request: request.to_string(),
            token_hash: token_hash.to_string(),
            attempts: 0,
            result: None,
            error_message: None,
        })
    }

    /// A job by id.
    pub fn get(&self, id: i64) -> Result<Option<JobRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1");
        Ok(self.conn().query_row(&sql, [id], row).optional()?)
    }

    /// Moves a queued job to running; `None` if it is not queued (or gone).
    pub fn start(&self, id: i64, now: i64) -> Result<Option<JobRow>, StoreError> {
        let changed = self.conn().execute(
            "UPDATE jobs SET status = 'Running', start_time = ?2, status_time = ?2,
                 attempts = attempts + 1
             WHERE id = ?1 AND status = 'Queued'",
            params![id, now],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        self.get(id)
    }

    /// Ends a running job.
    pub fn finish(
        &self,
        id: i64,
        status: JobStatus,
        result: Option<&str>,
        error_message: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE jobs SET status = ?2, status_time = MAX(?3, COALESCE(start_time, 0)),
                 result = ?4, error_message = ?5
             WHERE id = ?1",
            params![id, status_name(status), now, result, error_message],
        )?;
        Ok(())
    }

    /// Puts a running job back in the queue (the server is stopping); it does not count
    /// as an attempt.
    pub fn requeue(&self, id: i64, now: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE jobs SET status = 'Queued', start_time = NULL, status_time = ?2,
                 attempts = MAX(attempts - 1, 0)
             WHERE id = ?1 AND status = 'Running'",
            params![id, now],
        )?;
        Ok(())
    }

    /// After a start: the jobs that were running when the server died go back in the
    /// queue, or fail if they already had [`MAX_ATTEMPTS`]; returns every queued job.
    pub fn recover(&self, now: i64) -> Result<Recovered, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut log = Vec::new();
        {
            let mut running =
                tx.prepare("SELECT id, attempts FROM jobs WHERE status = 'Running'")?;
            let rows: Vec<(i64, i64)> = running
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (id, attempts) in rows {
                if attempts >= MAX_ATTEMPTS {
                    let reason = format!(
                        "the server stopped while converting this job, {attempts} times; it is \
                         not run again (one of its files may crash the converter)"
                    );
                    tx.execute(
                        "UPDATE jobs SET status = 'Failed', status_time = ?2, error_message = ?3
                         WHERE id = ?1",
                        params![id, now, reason],
                    )?;
                    log.push(format!("job {id}: Running -> Failed after a restart: {reason}"));
                } else {
                    tx.execute(
                        "UPDATE jobs SET status = 'Queued', start_time = NULL, status_time = ?2
                         WHERE id = ?1",
                        params![id, now],
                    )?;
                    log.push(format!(
                        "job {id}: Running -> Queued: the server stopped while it ran; it runs \
                         again"
                    ));
                }
            }
        }
        let queued: Vec<i64> = tx
            .prepare("SELECT id FROM jobs WHERE status = 'Queued' ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        tx.commit()?;
        Ok(Recovered { queued, log })
    }

    /// Removes the jobs that ended before `before` (milliseconds since the epoch), and
    /// their files, and any job folder without a job; returns the ids removed.
    pub fn sweep(&self, before: i64) -> Result<Vec<i64>, StoreError> {
        let ids: Vec<i64> = {
            let conn = self.conn();
            let ids: Vec<i64> = conn
                .prepare(
                    "SELECT id FROM jobs WHERE status IN ('Completed', 'Failed')
                     AND status_time < ?1",
                )?
                .query_map([before], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            // The rows go first: a crash between leaves folders without a job, which the
            // next sweep removes, never a job whose files are gone.
            for id in &ids {
                conn.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
            }
            ids
        };
        let jobs = self.root.join("jobs");
        let io = |source| StoreError::Io { path: jobs.display().to_string(), source };
        for entry in std::fs::read_dir(&jobs).map_err(io)? {
            let entry = entry.map_err(io)?;
            let Some(id) = entry.file_name().to_str().and_then(|n| n.parse::<i64>().ok()) else {
                continue;
            };
            if ids.contains(&id) || self.get(id)?.is_none() {
                let path = entry.path();
                std::fs::remove_dir_all(&path).map_err(|source| StoreError::Io {
                    path: path.display().to_string(),
                    source,
                })?;
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_moves_through_its_states_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.insert("p", r#"{"items":[]}"#, "h", 1000).unwrap();
        let b = store.insert("p", r#"{"items":[]}"#, "h", 1001).unwrap();
        assert!(b.id > a.id);
        assert_eq!(store.get(a.id).unwrap().unwrap(), a);
        let running = store.start(a.id, 1500).unwrap().unwrap();
        assert_eq!(
            (running.status, running.start_time, running.attempts),
            (JobStatus::Running, Some(1500), 1)
        );
        assert_eq!(store.start(a.id, 1600).unwrap(), None, "a running job does not start twice");
        store.finish(a.id, JobStatus::Completed, Some("{}"), None, 1400).unwrap();
        let done = store.get(a.id).unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Completed);
        assert_eq!(done.status_time, 1500, "the status time never goes before the start");
        assert_eq!(done.result.as_deref(), Some("{}"));
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.get(a.id).unwrap().unwrap(), done);
        assert_eq!(store.get(b.id).unwrap().unwrap().status, JobStatus::Queued);
        assert_eq!(store.get(999).unwrap(), None);
    }

    #[test]
    fn recovery_requeues_a_running_job_once_then_fails_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.insert("p", "{}", "h", 1).unwrap().id;
        let b = store.insert("p", "{}", "h", 2).unwrap().id;
        store.start(a, 3).unwrap().unwrap();
        // The server dies here. On the next start a runs again, b still waits.
        let r = store.recover(10).unwrap();
        assert_eq!(r.queued, vec![a, b]);
        assert_eq!(r.log.len(), 1);
        let row = store.get(a).unwrap().unwrap();
        assert_eq!((row.status, row.start_time, row.status_time), (JobStatus::Queued, None, 10));
        // It dies again while a runs: now a fails with the reason, b is kept.
        store.start(a, 11).unwrap().unwrap();
        let r = store.recover(20).unwrap();
        assert_eq!(r.queued, vec![b]);
        let row = store.get(a).unwrap().unwrap();
        assert_eq!(row.status, JobStatus::Failed);
        assert!(row.error_message.unwrap().contains("2 times"));
    }

    #[test]
    fn a_requeued_job_does_not_use_up_an_attempt() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.insert("p", "{}", "h", 1).unwrap().id;
        for t in 0..3 {
            store.start(a, 10 + t).unwrap().unwrap();
            store.requeue(a, 20 + t).unwrap();
        }
        let row = store.get(a).unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (JobStatus::Queued, 0));
    }

    #[test]
    fn the_sweep_removes_ended_jobs_past_retention_and_stray_folders() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let old = store.insert("p", "{}", "h", 1).unwrap().id;
        let new = store.insert("p", "{}", "h", 2).unwrap().id;
        let queued = store.insert("p", "{}", "h", 3).unwrap().id;
        for (id, t) in [(old, 100), (new, 900)] {
            store.start(id, t).unwrap();
            store.finish(id, JobStatus::Completed, Some("{}"), None, t).unwrap();
            std::fs::create_dir_all(store.job_dir(id).join("k")).unwrap();
            std::fs::write(store.job_dir(id).join("k/page-1.png"), b"png").unwrap();
        }
        std::fs::create_dir_all(store.job_dir(12345)).unwrap();
        std::fs::create_dir_all(dir.path().join("jobs/not-a-job")).unwrap();
        assert_eq!(store.sweep(500).unwrap(), vec![old]);
        assert_eq!(store.get(old).unwrap(), None);
        assert!(!store.job_dir(old).exists());
        assert!(!store.job_dir(12345).exists(), "a folder without a job goes");
        assert!(store.job_dir(new).join("k/page-1.png").exists());
        assert!(dir.path().join("jobs/not-a-job").exists(), "only job folders are touched");
        assert_eq!(store.get(queued).unwrap().unwrap().status, JobStatus::Queued);
        // Ids are never reused, so an old URL or id never names a newer job.
        let next = store.insert("p", "{}", "h", 4).unwrap().id;
        assert!(next > queued);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join("jobs.sqlite")).unwrap();
        conn.pragma_update(None, "user_version", 9).unwrap();
        drop(conn);
        assert!(matches!(Store::open(dir.path()), Err(StoreError::Corrupt(_))));
    }
}
