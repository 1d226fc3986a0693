//! Converts one request with the diagram-convert library and prints the finished job.
//!
//! ```text
//! embedder REQUEST.json FILES_DIR
//! ```
//!
//! It uses only the library's entry point (`Converter::convert` with a `DirResolver` and
//! a `MemorySink`) and request parsing, as a program of yours would. The pages stay in
//! memory; the finished job is printed as JSON. The exit status is 0 when the job's
//! status is `Completed` (single files or pages in it may still have failed: see the
//! job), 1 otherwise.
//!
//! It is a crate outside the repository's workspace, depending on `diagram-convert` by
//! path with default features off; `scripts/check-embedder.sh` checks that it gets the
//! vendored hayro and no pdfium, and runs it. Build it with `CARGO_TARGET_DIR` set to the
//! repository's `target/` to share its compiled dependencies.

use std::process::ExitCode;

use diagram_convert::core::{parse_request, ValidateOptions};
use diagram_convert::{ConvertOptions, Converter, DirResolver, MemorySink};

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("embedder: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the conversion; `Ok(false)` when the job did not complete.
fn run() -> Result<bool, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, request, files] = args.as_slice() else {
        return Err("usage: embedder REQUEST.json FILES_DIR".into());
    };
    let bytes = std::fs::read(request).map_err(|e| format!("{request}: {e}"))?;
    let request = parse_request(&bytes, &ValidateOptions::default())?;
    let resolver = DirResolver::new(files).map_err(|e| format!("{files}: {e}"))?;
    let sink = MemorySink::new();

    let converter = Converter::new(ConvertOptions::default());
    let job = converter.convert(request, &resolver, &sink);

    let json = serde_json::to_value(&job)?;
    println!("{}", serde_json::to_string_pretty(&json)?);
    eprintln!("embedder: {} page(s) converted", sink.pages().len());
    // The status as the hosted contract writes it, so that only the items above are used.
    Ok(json["status"] == "Completed")
}
