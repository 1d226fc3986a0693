//! The command line, declared with clap.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use diagram_convert::{InputKind, OutputFormat};

const EXIT_CODES: &str = "\
Exit status:
  0  every page converted (or, for validate, the request is valid)
  1  usage error, or a file or folder that cannot be read or written
  2  the request was refused (it breaks the contract; every violation is printed)
  3  the job completed, but some files or pages failed (see job.json)
  4  the job failed as a whole (pdfium asked for but not found, results not stored)";

/// Converts engineering diagrams (PDF, PNG, JPEG, TIFF) and their detected tag
/// annotations into a PNG and an interactive SVG per page, offline.
#[derive(Debug, Parser)]
#[command(name = "diagram-convert", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert every file of a request (the hosted service's JSON shape).
    #[command(after_help = EXIT_CODES, long_about = job_about())]
    Job(JobArgs),
    /// Convert files given by path, with annotations from a JSON list or a request.
    #[command(after_help = EXIT_CODES, long_about = render_about())]
    Render(RenderArgs),
    /// Check a request against the contract without converting anything.
    ///
    /// Prints `ok`, or every violation on its own line, JSON path first.
    #[command(after_help = EXIT_CODES)]
    Validate(ValidateArgs),
    /// Write (or rewrite) the offline viewer, OUT/index.html, over a finished job's
    /// output folder.
    Viewer(ViewerArgs),
    /// Serve the hosted convert API over HTTP (jobs in SQLite under --store).
    #[command(long_about = serve_about())]
    Serve(ServeArgs),
    /// Run as a worker process of `job` and `render` (started by them, over pipes; not
    /// for use by hand).
    #[command(hide = true)]
    Worker,
}

/// `job --help`: how files are found and what is written.
fn job_about() -> String {
    let exts: Vec<&str> = InputKind::all_extensions().collect();
    format!(
        "Convert every file of a request (the hosted service's JSON shape).\n\n\
         A file is found as: fileExternalId X at DIR/X, else DIR/X.<ext>; fileId N at \
         DIR/N.<ext>; fileInstanceId at DIR/<space>/<externalId>[.<ext>]; <ext> one of {}. \
         Nothing outside DIR is read. Writes OUT/<key>/page-<n>.png and .svg (one file per \
         --format; dzi: page-<n>.dzi and its tiles in page-<n>_files/) and OUT/job.json \
         (URLs relative to OUT; the .dzi's in each page's otherUrls); an OUT holding an earlier run \
         has its files replaced atomically.",
        exts.join(", ")
    )
}

/// `serve --help`.
fn serve_about() -> String {
    "Serve the hosted convert API over HTTP, so that code written for the hosted service \
     (such as the Python SDK's client.diagrams.convert) runs against this machine by changing \
     only its base URL.\n\n\
     Routes: POST /api/v1/projects/{project}/context/diagram/convert, GET \
     /api/v1/projects/{project}/context/diagram/convert/{jobId}, GET …/{jobId}/viewer (a signed \
     link to the job's viewer), the signed file URLs the jobs hand out (/files/...) and viewer \
     links (/viewer/...), GET /healthz and GET /openapi.json. Files are found in --files \
     exactly as `job` finds them. Jobs are kept in --store/jobs.sqlite and survive a restart; \
     SIGTERM or Ctrl-C stops gracefully (running jobs go back in the queue)."
        .to_string()
}

/// `render --help`.
fn render_about() -> String {
    format!(
        "Convert files given by path, with annotations from a JSON list or a request.\n\n\
         Each FILE is a {} file, recognised by its content.",
        InputKind::accepted()
    )
}

/// `--isolation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IsolationArg {
    /// Worker processes, one per thread.
    Workers,
    /// This process's threads.
    InProcess,
}

/// `job`'s arguments.
#[derive(Debug, Args)]
pub struct JobArgs {
    /// The request, a JSON file in the hosted shape.
    #[arg(value_name = "REQUEST.json")]
    pub request: PathBuf,
    /// The folder that holds the request's files.
    #[arg(long, value_name = "DIR")]
    pub files: PathBuf,
    /// The output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Convert one shard of the request's items: shard K of N (K from 0) is every N-th
    /// item from item K, so N jobs cover every file once (each shard at most 50 items; the
    /// whole request may have more). `N` alone takes K from $JOB_COMPLETION_INDEX, as set
    /// in each pod of a Kubernetes Indexed Job.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::ShardArg>,
    /// Also write OUT/index.html: an offline viewer of the results (open it in a browser;
    /// no network needed). Needs the svg format, which holds the annotations it shows.
    #[arg(long)]
    pub viewer: bool,
    #[command(flatten)]
    pub convert: ConvertArgs,
}

/// `render`'s arguments.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The files to convert, recognised by content (see --help).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Annotations: a JSON file (or inline JSON) holding either a list of annotations,
    /// given to every FILE, or a whole request, whose items are matched to the FILEs by
    /// file name (fileExternalId), or taken as they are for a single FILE and item.
    #[arg(long, value_name = "JSON")]
    pub annotations: Option<String>,
    /// Keep colours (the default is grayscale, as in the hosted service).
    #[arg(long)]
    pub color: bool,
    /// Also write OUT/index.html: an offline viewer of the results (open it in a browser;
    /// no network needed). Needs the svg format, which holds the annotations it shows.
    #[arg(long)]
    pub viewer: bool,
    #[command(flatten)]
    pub convert: ConvertArgs,
}

/// `viewer`'s arguments.
#[derive(Debug, Args)]
pub struct ViewerArgs {
    /// The job's output folder (the --out of `job` or `render`), holding job.json.
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
}

/// `serve`'s arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The folder that holds the requests' files (found as `job --files` finds them).
    #[arg(long, value_name = "DIR")]
    pub files: PathBuf,
    /// The store: the job database, the URL signing key and the outputs (created if
    /// missing).
    #[arg(long, value_name = "DIR")]
    pub store: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// A file holding the API token (surrounding whitespace trimmed); else the environment
    /// variable DIAGRAM_CONVERT_TOKEN. Clients send `Authorization: Bearer <token>`.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Serve without authentication (only on a loopback address).
    #[arg(long, conflicts_with = "token_file")]
    pub no_auth: bool,
    /// The base of the URLs handed out, when behind a proxy (e.g. https://convert.example.com).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Allow browser calls from this origin (CORS); none by default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors_origin: Option<String>,
    /// How long the signed file URLs stay valid, in seconds.
    #[arg(long, default_value_t = 600, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub url_lifetime: u64,
    /// How long finished jobs and their files are kept, in hours.
    #[arg(long, default_value_t = 24.0, value_name = "HOURS", value_parser = positive_f64)]
    pub retention: f64,
    /// Jobs waiting beyond which a POST is answered 429 with Retry-After.
    #[arg(long, default_value_t = 64, value_name = "JOBS", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub queue: u64,
    /// Jobs run at once on the shared pool [default: one per thread].
    #[arg(long, value_name = "JOBS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrent_jobs: Option<u16>,
    /// The largest request body in MiB, before and after gzip decompression.
    #[arg(long, default_value_t = 64, value_name = "MiB", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_request: u64,
    #[command(flatten)]
    pub convert: ConvertArgs,
}

/// `validate`'s arguments.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The request, a JSON file in the hosted shape.
    #[arg(value_name = "REQUEST.json")]
    pub request: PathBuf,
    /// Accept exactly what the hosted service accepts (no polygon regions).
    #[arg(long)]
    pub strict: bool,
}

/// The conversion options shared by `job` and `render`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Resolution of PDF pages, in pixels per inch.
    #[arg(long, default_value_t = 150.0, value_parser = positive_f64)]
    pub dpi: f64,
    /// Worker threads, each with its worker process unless --isolation in-process [default:
    /// one per available core; at most 256].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,
    /// Where pages are converted: in worker processes, which no input can take down (a
    /// page that crashes its worker or passes its memory limit fails alone), or in this
    /// process (a little faster; a hostile file can end the job).
    #[arg(long, value_enum, default_value_t = IsolationArg::Workers)]
    pub isolation: IsolationArg,
    /// Memory limit of each worker process in MiB; a page needing more fails (0: no
    /// limit; Unix only).
    #[arg(long, default_value_t = 1024, value_name = "MiB")]
    pub worker_memory: u64,
    /// The PDF renderer.
    #[arg(long, value_enum, default_value_t = RendererArg::Hayro)]
    pub renderer: RendererArg,
    /// Which outputs to write, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "png,svg")]
    pub format: Vec<FormatArg>,
    /// Draw the highlights on the PNG too (the hosted service's PNG has none).
    #[arg(long)]
    pub annotate_png: bool,
    /// The SVG's page layer: vector where reasonable (auto), always vector, or always
    /// the embedded page PNG.
    #[arg(long, value_enum, default_value_t = SvgPageArg::Auto)]
    pub svg_page: SvgPageArg,
    /// Accept exactly what the hosted service accepts (no polygon regions).
    #[arg(long)]
    pub strict: bool,
    /// Page time limit in seconds; a page taking longer fails (0: no limit).
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS", value_parser = non_negative_f64)]
    pub page_timeout: f64,
    /// No progress bar and no summary (for serve: no log lines); errors are still printed.
    #[arg(long, short)]
    pub quiet: bool,
}

fn positive_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

fn non_negative_f64(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..1e9).contains(&v) => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds")),
    }
}

/// `--renderer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RendererArg {
    /// hayro, built in.
    Hayro,
    /// pdfium, found at run time (pip install pypdfium2==5.15.2).
    Pdfium,
}

/// `--format`: one value per [`OutputFormat`], named by [`OutputFormat::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(OutputFormat);

impl FormatArg {
    /// The engine's format.
    pub fn format(self) -> OutputFormat {
        self.0
    }
}

impl ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [FormatArg; OutputFormat::ALL.len()] = {
            let mut all = [FormatArg(OutputFormat::Png); OutputFormat::ALL.len()];
            let mut i = 0;
            while i < all.len() {
                all[i] = FormatArg(OutputFormat::ALL[i]);
                i += 1;
            }
            all
        };
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self.0 {
            OutputFormat::Png => "The page PNG",
            OutputFormat::Svg => "The interactive page SVG",
            OutputFormat::Dzi => {
                "A Deep Zoom tile pyramid for huge sheets: page-<n>.dzi and \
                 page-<n>_files/<level>/<col>_<row>.png (254-pixel PNG tiles, overlap 1)"
            }
            _ => "",
        };
        Some(PossibleValue::new(self.0.name()).help(help))
    }
}

/// `--svg-page`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SvgPageArg {
    /// Vector for vector pages within the size budget, raster otherwise.
    Auto,
    /// Always vector for PDF pages.
    Vector,
    /// Always the embedded page PNG.
    Raster,
}
