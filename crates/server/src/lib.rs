//! diagram-convert's HTTP service: the hosted "convert a diagram" job API on the user's
//! own machine, so that code written against the hosted service (the official Python SDK's
//! `client.diagrams.convert(...)` among it) runs against it by changing only its base URL.
//!
//! - `POST /api/v1/projects/{project}/context/diagram/convert` takes a request in the
//!   hosted shape (gzip or plain), validates it as the CLI does and answers at once with
//!   the `Queued` job and an `X-Job-Token` header;
//! - `GET /api/v1/projects/{project}/context/diagram/convert/{jobId}` gives the job, its
//!   items and, once done, each page's `pngUrl` and `svgUrl`: absolute URLs on this server,
//!   signed and expiring, fetched with no other credential;
//! - `GET /healthz`, and the OpenAPI document at `GET /openapi.json` (the file
//!   `crates/server/openapi.json`).
//!
//! Jobs live in a SQLite database under the store folder and survive a restart; their
//! outputs are files beside it, written atomically. Pages convert on the engine's pool
//! (in worker processes when [`ConvertOptions::isolation`] says so), never on the HTTP
//! threads. See [`ServeOptions`] for every setting and its default.

#![forbid(unsafe_code)]

mod http;
mod ids;
mod log;
mod runner;
mod sign;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use diagram_convert::ConvertOptions;

pub use ids::assigned_file_id;
pub use store::StoreError;

/// Who may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>` on every API route (not on `/healthz`, the OpenAPI
    /// document and the signed file URLs). An empty token is refused at start.
    Token(String),
    /// No authentication: only allowed on a loopback listen address.
    None,
}

/// The service's settings. Construct with [`ServeOptions::new`] and adjust the fields.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The folder that holds the requests' files, found exactly as the CLI's `--files`
    /// finds them ([`diagram_convert::DirResolver`]).
    pub files: PathBuf,
    /// The store: `jobs.sqlite`, the URL signing key and each job's outputs under
    /// `jobs/<jobId>/`. Created if missing.
    pub store: PathBuf,
    /// Where to listen. Default: `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// Who may call the API. Default: [`Auth::None`] (which only a loopback address takes).
    pub auth: Auth,
    /// The base of the URLs the server hands out (`pngUrl`, `svgUrl`), for use behind a
    /// proxy, e.g. `https://convert.example.com`. Default: none, `http://<Host header>`.
    pub public_url: Option<String>,
    /// How the engine converts pages. Default: [`ConvertOptions::default`].
    pub convert: ConvertOptions,
    /// Refuse `polygon` regions as the hosted service does. Default: `false`.
    ///
    /// Requests are validated against `convert.limits`, the limits the engine checks
    /// again when it runs the job; its `max_request_bytes` (default 64 MiB) bounds the
    /// body before and after gzip decompression.
    pub strict: bool,
    /// How long a signed file URL stays valid. Default: 10 minutes, as hosted.
    pub url_lifetime: Duration,
    /// How long a finished job and its files are kept after it ended. Default: 24 hours.
    pub retention: Duration,
    /// Jobs waiting to run beyond which a POST gets `429 Too Many Requests`. Default: 64.
    pub queue_capacity: usize,
    /// Jobs run at once, sharing the engine's pool (so that one-file jobs keep every core
    /// busy). Default: 0, one per engine thread.
    pub concurrent_jobs: usize,
    /// The one origin allowed by CORS. Default: none (no CORS headers).
    pub cors_origin: Option<String>,
    /// Log one line per request and per job transition on stderr. Default: `true`.
    pub log: bool,
}

impl ServeOptions {
    /// The defaults, with the files and store folders.
    pub fn new(files: impl Into<PathBuf>, store: impl Into<PathBuf>) -> Self {
        Self {
            files: files.into(),
            store: store.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            auth: Auth::None,
            public_url: None,
            convert: ConvertOptions::default(),
            strict: false,
            url_lifetime: Duration::from_secs(600),
            retention: Duration::from_secs(24 * 3600),
            queue_capacity: 64,
            concurrent_jobs: 0,
            cors_origin: None,
            log: true,
        }
    }

    /// How requests are validated, on POST and again when a stored job starts.
    pub fn validate_options(&self) -> diagram_core::ValidateOptions {
        diagram_core::ValidateOptions { strict: self.strict, limits: self.convert.limits.clone() }
    }

    /// The largest request body, before and after decompression.
    pub fn max_request_bytes(&self) -> u64 {
        self.convert.limits.max_request_bytes
    }

    /// The number of jobs run at once.
    pub fn job_slots(&self) -> usize {
        match self.concurrent_jobs {
            0 => self.convert.worker_threads(),
            n => n,
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The settings cannot work.
    #[error("{0}")]
    Config(String),
    /// The files folder cannot be used.
    #[error("cannot use the files folder {path}: {source}")]
    Files {
        /// The folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The store cannot be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listen address cannot be bound, or the HTTP server failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Runs the service until SIGTERM or Ctrl-C, then shuts down gracefully: it stops
/// accepting connections, finishes the requests in flight, cancels the running jobs
/// and puts them back in the queue (they run again on the next start), and returns.
pub fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("diagram-serve http")
        .enable_io()
        .enable_time()
        .build()
        .map_err(|source| ServeError::Listen { addr: options.listen, source })?;
    runtime.block_on(async move {
        let server = Server::start(options).await?;
        shutdown_signal().await;
        server.shutdown().await;
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = term.recv() => {},
            _ = tokio::signal::ctrl_c() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A running server, for embedding and tests: [`Server::start`] binds and returns at
/// once, [`Server::shutdown`] stops it as SIGTERM does.
pub struct Server {
    addr: SocketAddr,
    state: Arc<http::State>,
    stop: tokio::sync::watch::Sender<bool>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    runner: runner::Runner,
}

impl Server {
    /// Opens the store (recovering the jobs a previous run left), binds the address and
    /// starts serving on the current tokio runtime.
    pub async fn start(options: ServeOptions) -> Result<Server, ServeError> {
        if let Auth::Token(t) = &options.auth {
            if t.is_empty() {
                return Err(ServeError::Config("the API token is empty".into()));
            }
        } else if !options.listen.ip().is_loopback() {
            return Err(ServeError::Config(format!(
                "refusing to serve {} without authentication: give a token (--token-file or \
                 DIAGRAM_CONVERT_TOKEN), or listen on a loopback address with --no-auth",
                options.listen
            )));
        }
        if let Some(url) = &options.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ServeError::Config(format!(
                    "--public-url {url:?} is not an http:// or https:// URL"
                )));
            }
        }
        let resolver = diagram_convert::DirResolver::new(&options.files).map_err(|source| {
            ServeError::Files { path: options.files.display().to_string(), source }
        })?;
        let store = Arc::new(store::Store::open(&options.store)?);
        let signer = sign::Signer::load_or_create(&options.store.join("signing-key"))?;
        let recovered = store.recover(store::now_ms())?;
        for line in &recovered.log {
            log::log(&options, format_args!("{line}"));
        }
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| ServeError::Listen { addr: options.listen, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServeError::Listen { addr: options.listen, source })?;
        // Printed before a job can start: tests read the port from it.
        if options.log {
            eprintln!("diagram-convert serve: listening on http://{addr}");
        }
        let options = Arc::new(options);
        let runner = runner::Runner::start(
            options.clone(),
            store.clone(),
            Arc::new(resolver),
            recovered.queued,
        );
        let state = Arc::new(http::State {
            options: options.clone(),
            store: store.clone(),
            signer,
            queue: runner.queue(),
            running: runner.running(),
        });
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let app = http::router(state.clone());
        let http = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        });
        Ok(Server { addr, state, stop, http, runner })
    }

    /// The address it listens on (with the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets the requests in flight finish, cancels the running jobs and
    /// puts them back in the queue, and waits for the job threads to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.http.await;
        let runner = self.runner;
        let _ = tokio::task::spawn_blocking(move || runner.stop()).await;
        if self.state.options.log {
            eprintln!("diagram-convert serve: stopped");
        }
    }
}
