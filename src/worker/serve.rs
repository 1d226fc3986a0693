//! The worker's side: a loop over stdin that opens files and converts pages, answering on
//! stdout. It holds one document at a time, the last one opened.

use std::io::{self, BufReader, BufWriter, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

use diagram_raster::Document;

use super::wire::{read_frame, write_frame, FromWorker, ToWorker, VERSION};
use crate::error::FileError;
use crate::page::{convert_page_guarded, panic_message};

/// The stack of the thread that converts: as deep as the in-process engine's worker
/// threads (a stack overflow aborts the worker, which fails its page only).
const STACK_BYTES: usize = 32 << 20;

/// Runs a worker process on this process's stdin and stdout until stdin ends: the whole
/// `main` of a worker program. The CLI runs it as `diagram-convert worker`; the
/// `diagram-convert-worker` binary of this package is nothing else; an embedder's own
/// program can run it when started with the arguments it gives in
/// [`WorkerOptions::args`](crate::WorkerOptions::args).
///
/// Nothing else may write to stdout in a worker process.
pub fn main() -> ExitCode {
    let serve = std::thread::Builder::new()
        .name("diagram-convert worker".into())
        .stack_size(STACK_BYTES)
        .spawn(|| serve(&mut BufReader::new(io::stdin().lock()), &mut io::stdout().lock()));
    match serve.map(|t| t.join()) {
        Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
        Ok(Ok(Err(e))) => {
            eprintln!("diagram-convert worker: {e}");
            ExitCode::FAILURE
        }
        Ok(Err(_)) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("diagram-convert worker: cannot start: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The held document.
struct Held {
    file: u64,
    doc: Document,
}

fn serve(input: &mut impl io::Read, output: &mut impl Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, output);
    match read_frame::<ToWorker>(input)? {
        Some((ToWorker::Hello { version, memory_limit }, _)) => {
            if version != VERSION {
                let message = format!("this worker speaks version {VERSION}, not {version}");
                write_frame(&mut out, &FromWorker::Refused { message }, &[])?;
                return Ok(());
            }
            if let Some(limit) = memory_limit {
                limit_memory(limit)?;
            }
            write_frame(&mut out, &FromWorker::Ready { version: VERSION }, &[])?;
        }
        Some(_) => {
            let message = "the first message must be Hello".to_string();
            return write_frame(&mut out, &FromWorker::Refused { message }, &[]);
        }
        None => return Ok(()),
    }
    let mut held: Option<Held> = None;
    while let Some((message, mut blobs)) = read_frame::<ToWorker>(input)? {
        match message {
            ToWorker::Hello { .. } => {
                let message = "Hello was already received".to_string();
                write_frame(&mut out, &FromWorker::Refused { message }, &[])?;
            }
            ToWorker::Open { file, limits } => {
                held = None;
                let Some(bytes) = blobs.pop().filter(|_| blobs.is_empty()) else {
                    let message = "Open carries exactly one blob".to_string();
                    write_frame(&mut out, &FromWorker::Refused { message }, &[])?;
                    continue;
                };
                let opened = catch_unwind(AssertUnwindSafe(|| Document::open(bytes, &limits)));
                let reply = match opened {
                    Ok(Ok(doc)) => {
                        let areas = doc.page_areas();
                        held = Some(Held { file, doc });
                        FromWorker::Opened { areas }
                    }
                    Ok(Err(e)) => {
                        FromWorker::OpenFailed { message: FileError::Open(e).to_string() }
                    }
                    Err(p) => FromWorker::OpenFailed {
                        message: FileError::Crashed(panic_message(&p)).to_string(),
                    },
                };
                write_frame(&mut out, &reply, &[])?;
            }
            ToWorker::Convert {
                file,
                index,
                helper_threads,
                annotations,
                settings,
                #[cfg(feature = "fault-injection")]
                fault,
            } => {
                let Some(held) = held.as_ref().filter(|h| h.file == file) else {
                    let message = format!("file {file} is not the one held");
                    write_frame(&mut out, &FromWorker::Refused { message }, &[])?;
                    continue;
                };
                let converted = convert_page_guarded(
                    &held.doc,
                    index,
                    helper_threads,
                    &annotations,
                    &settings,
                    #[cfg(feature = "fault-injection")]
                    fault,
                );
                match converted {
                    Ok(converted) => {
                        let artifacts = converted
                            .artifacts
                            .iter()
                            .map(|a| (a.format, a.files.iter().map(|f| f.path.clone()).collect()))
                            .collect();
                        let blobs: Vec<&[u8]> = converted
                            .artifacts
                            .iter()
                            .flat_map(|a| a.files.iter().map(|f| f.bytes.as_slice()))
                            .collect();
                        let reply =
                            FromWorker::Converted { warnings: converted.warnings, artifacts };
                        write_frame(&mut out, &reply, &blobs)?;
                    }
                    Err(e) => write_frame(
                        &mut out,
                        &FromWorker::PageFailed { message: e.to_string() },
                        &[],
                    )?,
                }
            }
        }
    }
    Ok(())
}

/// Caps this process's data segment (heap and anonymous mappings: what page buffers and
/// decoders allocate) at `bytes`, so that an allocation beyond it fails, which aborts the
/// worker, which fails its page only.
#[cfg(unix)]
fn limit_memory(bytes: u64) -> io::Result<()> {
    use nix::sys::resource::{setrlimit, Resource};
    setrlimit(Resource::RLIMIT_DATA, bytes, bytes).map_err(io::Error::from)
}

/// Other platforms have no `setrlimit`: the worker runs without a memory limit (its time
/// limit still holds, enforced by the engine).
#[cfg(not(unix))]
fn limit_memory(_bytes: u64) -> io::Result<()> {
    Ok(())
}

/// A fault the engine's tests inject inside a worker: kills the worker with SIGKILL, as
/// the kernel or an operator might, in the middle of a page.
#[cfg(all(feature = "fault-injection", unix))]
pub(crate) fn kill_self() -> ! {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    let _ = kill(Pid::this(), Signal::SIGKILL);
    unreachable!("SIGKILL cannot be caught")
}

/// Without signals, the fault ends the process as abruptly as the platform allows.
#[cfg(all(feature = "fault-injection", not(unix)))]
pub(crate) fn kill_self() -> ! {
    std::process::abort()
}
