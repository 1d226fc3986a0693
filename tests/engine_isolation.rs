//! Worker processes: a page that kills, exhausts or hangs its worker fails alone, with a
//! message that says why; the worker is replaced and the job goes on. The worker program
//! is this package's `diagram-convert-worker`, built with the tests' fault injection.

mod engine_support;

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use diagram_convert::{
    ConvertOptions, Converter, DirResolver, Fault, Isolation, JobError, Limits, MemorySink,
    OutputFormat, WorkerOptions,
};
use diagram_core::{FileRef, Job, JobStatus};
use engine_support::*;

fn worker() -> WorkerOptions {
    WorkerOptions::new(env!("CARGO_BIN_EXE_diagram-convert-worker"), Vec::<String>::new())
}

fn isolated(threads: usize, workers: WorkerOptions) -> ConvertOptions {
    ConvertOptions { isolation: Isolation::Workers(workers), ..options(threads) }
}

fn files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("four.pdf"), make_pdf(&[(150.0, 100.0); 4])).unwrap();
    fs::write(dir.path().join("good.pdf"), make_pdf(&[(200.0, 100.0), (100.0, 200.0)])).unwrap();
    fs::write(dir.path().join("photo.png"), make_png(40, 30)).unwrap();
    let pdf = make_pdf(&[(200.0, 100.0)]);
    fs::write(dir.path().join("cut.pdf"), &pdf[..pdf.len() / 2]).unwrap();
    dir
}

fn page_errors(job: &Job, item: usize) -> Vec<Option<String>> {
    job.items[item].results.as_ref().unwrap().iter().map(|r| r.error_message.clone()).collect()
}

fn run(options: ConvertOptions, faults: &[(&str, u32, Fault)]) -> (Job, MemorySink) {
    let dir = files();
    let resolver = FaultyResolver {
        inner: DirResolver::new(dir.path()).unwrap(),
        faults: faults
            .iter()
            .map(|&(file, page, fault)| ((FileRef::ExternalId(file.into()), page), fault))
            .collect::<HashMap<_, _>>(),
    };
    let req = request(&format!(
        r#"{{"items": [
            {{"fileExternalId": "four.pdf", "annotations": [{}]}},
            {{"fileExternalId": "cut.pdf", "annotations": []}},
            {{"fileExternalId": "good.pdf", "annotations": []}},
            {{"fileExternalId": "photo.png", "annotations": []}}]}}"#,
        annotation("21-PT-1019", 3, 0.1, 0.1, 0.3, 0.2)
    ));
    let sink = MemorySink::new();
    let job = Converter::new(options).convert(req, &resolver, &sink);
    (job, sink)
}

#[test]
fn isolated_and_in_process_jobs_give_the_same_results_and_bytes() {
    let (a, a_sink) = run(isolated(2, worker()), &[]);
    let (b, b_sink) = run(options(2), &[]);
    assert_eq!(a.status, JobStatus::Completed);
    assert_eq!(a.items, b.items, "the same results and messages, the damaged file's too");
    assert!(a.items[1].error_message.as_deref().unwrap().contains("damaged"), "{:?}", a.items[1]);
    let pages = |s: &MemorySink| {
        s.pages()
            .into_iter()
            .map(|p| (p.item, p.page, p.bytes(OutputFormat::Png).map(<[u8]>::to_vec)))
            .collect::<Vec<_>>()
    };
    let (pa, pb) = (pages(&a_sink), pages(&b_sink));
    assert_eq!(pa.len(), 7);
    assert!(pa == pb, "the PNG bytes differ between isolated and in-process");
}

#[test]
fn a_worker_killed_mid_page_fails_that_page_and_the_job_goes_on() {
    // Two kills in one file: the worker is replaced each time.
    let (job, sink) =
        run(isolated(2, worker()), &[("four.pdf", 2, Fault::Kill), ("four.pdf", 4, Fault::Kill)]);
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    let errors = page_errors(&job, 0);
    let killed = "the page was stopped: its worker process was killed (signal 9, SIGKILL)";
    assert_eq!(errors, [None, Some(killed.into()), None, Some(killed.into())]);
    assert_eq!(page_errors(&job, 2), [None, None]);
    assert_eq!(page_errors(&job, 3), [None]);
    let stored: Vec<(usize, u32)> = sink.pages().iter().map(|p| (p.item, p.page)).collect();
    assert_eq!(stored, [(0, 1), (0, 3), (2, 1), (2, 2), (3, 1)]);
}

#[test]
fn a_page_past_the_memory_limit_fails_with_the_limit_in_its_message() {
    let workers = worker().with_memory_limit(Some(256 << 20));
    let (job, _) = run(isolated(1, workers), &[("four.pdf", 1, Fault::Allocate(1 << 30))]);
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    assert_eq!(
        page_errors(&job, 0),
        [
            Some("the page needed more than 256 MiB of memory and was stopped".into()),
            None,
            None,
            None
        ]
    );
    // Under the default limit of 1 GiB, 512 MiB for the page fits.
    let (job, _) = run(isolated(1, worker()), &[("four.pdf", 1, Fault::Allocate(512 << 20))]);
    assert_eq!(page_errors(&job, 0), [None, None, None, None]);
}

#[test]
fn a_hung_worker_is_killed_at_the_time_limit_and_replaced() {
    let workers = WorkerOptions { kill_grace: Duration::from_millis(200), ..worker() };
    let options = ConvertOptions {
        limits: Limits { page_time_limit: Some(Duration::from_secs(1)), ..Limits::default() },
        ..isolated(1, workers)
    };
    let (job, _) = run(options, &[("four.pdf", 2, Fault::Hang)]);
    assert_eq!(job.status, JobStatus::Completed, "{job:?}");
    let timed_out = "the page took longer than the time limit of 1 s and was stopped";
    assert_eq!(page_errors(&job, 0), [None, Some(timed_out.into()), None, None]);
    assert_eq!(page_errors(&job, 2), [None, None]);
}

#[test]
fn a_panic_in_a_worker_reads_as_it_does_in_process() {
    let faults = [("good.pdf", 2, Fault::Panic)];
    let (a, _) = run(isolated(2, worker()), &faults);
    let (b, _) = run(options(2), &faults);
    assert_eq!(
        page_errors(&a, 2),
        [None, Some("the renderer crashed on this page: injected renderer panic".into())]
    );
    assert_eq!(a.items, b.items);
}

#[test]
fn a_missing_or_wrong_worker_program_fails_the_job_once() {
    let missing = WorkerOptions::new("/nonexistent/diagram-convert-worker", Vec::<String>::new());
    let (job, sink) = run(isolated(2, missing), &[]);
    assert_eq!(job.status, JobStatus::Failed);
    let message = job.error_message.unwrap();
    assert!(
        message.starts_with(
            "cannot start a worker process: cannot run /nonexistent/diagram-convert-worker:"
        ),
        "{message}"
    );
    assert!(sink.pages().is_empty());

    // A program that runs but is not a worker: `true` exits at once.
    let not_a_worker = WorkerOptions::new("true", Vec::<String>::new());
    let (job, _) = run(isolated(1, not_a_worker), &[]);
    assert_eq!(job.status, JobStatus::Failed);
    let message = job.error_message.unwrap();
    assert!(message.contains("true did not answer as a diagram-convert worker"), "{message}");
}

#[test]
fn too_many_threads_fail_the_job_up_front() {
    let options = ConvertOptions { threads: ConvertOptions::MAX_THREADS + 1, ..options(1) };
    let (job, _) = run(options, &[]);
    assert_eq!(job.status, JobStatus::Failed);
    let want = JobError::TooManyThreads { threads: 257, max: 256 }.to_string();
    assert_eq!(job.error_message.as_deref(), Some(want.as_str()));
    assert_eq!(want, "257 worker threads were asked for; the most is 256");
}
