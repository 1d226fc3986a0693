//! Running a job from the command line: options, progress bar, summary, exit status.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diagram_convert::{
    ConvertOptions, Converter, DirResolver, DirSink, FileResolver, Isolation, JobHandle, Limits,
    OutputFormat, PageLayerMode, RenderOptions, Renderer, SvgOptions, WorkerOptions,
};
use diagram_core::{
    escape_controls, read_request, ConvertRequest, Job, JobStatus, ValidateOptions,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::args::{ConvertArgs, IsolationArg, JobArgs, RendererArg, SvgPageArg};
use crate::{exit, shard};

/// `diagram-convert job`.
pub fn job(args: JobArgs) -> u8 {
    let mut validate = ValidateOptions { strict: args.convert.strict, ..Default::default() };
    let shard =
        match args.shard.map(|s| s.resolve(std::env::var(shard::INDEX_VARIABLE).ok().as_deref())) {
            None => None,
            Some(Ok(shard)) => Some(shard),
            Some(Err(e)) => {
                eprintln!("diagram-convert: {e}");
                return exit::USAGE_OR_IO;
            }
        };
    if shard.is_some() {
        validate.limits = shard::whole_request_limits();
    }
    let request = match read_request(&args.request, &validate) {
        Ok(r) => r,
        Err(e) => return crate::refused(&e),
    };
    let request = match shard {
        None => request,
        Some(s) => match shard::split(request, s, Limits::default().max_items) {
            Ok(r) => r,
            Err(e) => return crate::refused(&e),
        },
    };
    let resolver = match DirResolver::new(&args.files) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("diagram-convert: cannot use the files folder {}: {e}", args.files.display());
            return exit::USAGE_OR_IO;
        }
    };
    execute(request, &resolver, &args.out, &args.convert, None, args.viewer)
}

/// The engine options from the command line.
pub fn options(args: &ConvertArgs, grayscale: Option<bool>) -> ConvertOptions {
    ConvertOptions {
        render: RenderOptions {
            dpi: args.dpi,
            renderer: match args.renderer {
                RendererArg::Hayro => Renderer::Hayro,
                RendererArg::Pdfium => Renderer::Pdfium,
            },
            ..RenderOptions::default()
        },
        threads: args.threads.map_or(0, usize::from),
        isolation: match args.isolation {
            IsolationArg::InProcess => Isolation::InProcess,
            IsolationArg::Workers => match std::env::current_exe() {
                Ok(exe) => Isolation::Workers(
                    WorkerOptions::new(exe, ["worker"]).with_memory_limit(
                        (args.worker_memory > 0)
                            .then(|| args.worker_memory.saturating_mul(1 << 20)),
                    ),
                ),
                // Without a path to itself the CLI cannot start workers: convert in
                // process, as before isolation existed, rather than not at all.
                Err(e) => {
                    eprintln!("diagram-convert: warning: converting in process: {e}");
                    Isolation::InProcess
                }
            },
        },
        formats: args.format.iter().map(|f| f.format()).collect(),
        annotate_png: args.annotate_png,
        svg: SvgOptions {
            page_layer: match args.svg_page {
                SvgPageArg::Auto => PageLayerMode::Auto,
                SvgPageArg::Vector => PageLayerMode::Vector,
                SvgPageArg::Raster => PageLayerMode::Raster,
            },
            ..SvgOptions::default()
        },
        grayscale,
        limits: Limits {
            page_time_limit: (args.page_timeout > 0.0)
                .then(|| Duration::from_secs_f64(args.page_timeout)),
            ..Limits::default()
        },
        ..ConvertOptions::default()
    }
}

/// Runs a request into `out` and reports; returns the exit status.
pub fn execute(
    request: ConvertRequest,
    resolver: &dyn FileResolver,
    out: &std::path::Path,
    args: &ConvertArgs,
    grayscale: Option<bool>,
    viewer: bool,
) -> u8 {
    if viewer && !args.format.iter().any(|f| f.format() == OutputFormat::Svg) {
        eprintln!(
            "diagram-convert: --viewer needs the svg format (its annotation groups are what \
             the viewer shows); add svg to --format"
        );
        return exit::USAGE_OR_IO;
    }
    let sink = match DirSink::new(out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("diagram-convert: cannot create the output folder {}: {e}", out.display());
            return exit::USAGE_OR_IO;
        }
    };
    let converter = Converter::new(options(args, grayscale));
    let job = converter.job(request);
    let started = Instant::now();
    let finished = std::thread::scope(|scope| {
        let done = Arc::new(AtomicBool::new(false));
        if !args.quiet {
            let (job, done) = (job.clone(), done.clone());
            scope.spawn(move || show_progress(&job, &done));
        }
        let finished = converter.run(&job, resolver, &sink);
        done.store(true, Ordering::Relaxed);
        finished
    });
    let status = report(&finished, out, started.elapsed(), args.quiet);
    if !viewer || status == exit::FAILED {
        return status;
    }
    match write_viewer(out, args.quiet) {
        true => status,
        false => exit::USAGE_OR_IO,
    }
}

/// `diagram-convert viewer`.
pub fn viewer(args: crate::args::ViewerArgs) -> u8 {
    match write_viewer(&args.out, false) {
        true => exit::OK,
        false => exit::USAGE_OR_IO,
    }
}

/// Writes OUT/index.html and reports; false when it could not be written.
fn write_viewer(out: &std::path::Path, quiet: bool) -> bool {
    match diagram_viewer::write_viewer(out) {
        Ok(summary) => {
            for note in &summary.notes {
                eprintln!("viewer: {}", escape_controls(note));
            }
            if !quiet {
                eprintln!(
                    "viewer: {} pages, {} annotations: open {}",
                    summary.pages,
                    summary.annotations,
                    summary.index.display()
                );
            }
            true
        }
        Err(e) => {
            eprintln!("diagram-convert: cannot write the viewer: {e}");
            false
        }
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
fn show_progress(job: &JobHandle, done: &AtomicBool) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if bar.is_hidden() {
        return;
    }
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} pages {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    while !done.load(Ordering::Relaxed) {
        let p = job.progress();
        bar.set_length(p.estimated_total() as u64);
        bar.set_position(p.pages_done as u64);
        bar.set_message(format!("({} of {} files opened)", p.files_started, p.files_total));
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

/// Prints the failures (always) and a summary (unless quiet); gives the exit status.
fn report(job: &Job, out: &std::path::Path, elapsed: Duration, quiet: bool) -> u8 {
    let (mut pages_ok, mut pages_failed, mut files_failed) = (0usize, 0usize, 0usize);
    for item in &job.items {
        if let Some(e) = &item.error_message {
            files_failed += 1;
            eprintln!("{}: {}", item.file, escape_controls(e));
        }
        for w in &item.warnings {
            if !quiet {
                eprintln!("{}: warning: {}", item.file, escape_controls(w));
            }
        }
        for page in item.results.iter().flatten() {
            match &page.error_message {
                Some(e) => {
                    pages_failed += 1;
                    eprintln!("{}: {}", item.file, page_message(page.page, e));
                }
                None => pages_ok += 1,
            }
        }
    }
    if job.status == JobStatus::Failed {
        let message = job.error_message.as_deref().unwrap_or("no reason given");
        eprintln!("diagram-convert: the job failed: {}", escape_controls(message));
        return exit::FAILED;
    }
    if !quiet {
        eprintln!(
            "job {}: {pages_ok} pages converted, {pages_failed} pages and {files_failed} files \
             failed, in {:.1} s; results in {}",
            job.job_id,
            elapsed.as_secs_f64(),
            out.join("job.json").display()
        );
    }
    if pages_failed + files_failed > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    }
}

/// `page 2: why`, without naming the page twice when the message already starts with it
/// (the renderer's messages do: "page 2: rendering stopped at the time limit").
fn page_message(page: u32, message: &str) -> String {
    let message = escape_controls(message);
    let named = format!("page {page}");
    match message.strip_prefix(named.as_str()) {
        Some(rest) if rest.starts_with(':') || rest.starts_with(' ') => message.into_owned(),
        _ => format!("{named}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::page_message;

    #[test]
    fn a_page_error_names_its_page_once() {
        assert_eq!(page_message(2, "the page is empty"), "page 2: the page is empty");
        assert_eq!(
            page_message(2, "page 2: rendering stopped at the time limit"),
            "page 2: rendering stopped at the time limit"
        );
        assert_eq!(page_message(2, "page 2 is damaged: x"), "page 2 is damaged: x");
        // Another page's number, or a longer number, is not this page's prefix.
        assert_eq!(page_message(2, "page 21: x"), "page 2: page 21: x");
        assert_eq!(page_message(1, "page 3: x"), "page 1: page 3: x");
        assert_eq!(page_message(1, "bad\x1b[31m"), "page 1: bad\\u{1b}[31m");
    }
}
