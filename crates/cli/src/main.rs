//! The diagram-convert command-line tool: `job`, `render`, `validate` and `serve`.
#![forbid(unsafe_code)]

mod args;
mod render;
mod run;
mod serve;
mod shard;

use std::process::ExitCode;

use clap::Parser;
use diagram_core::{escape_controls, read_request, RequestError, ValidateOptions};

use args::{Cli, Command};

/// The exit statuses, as documented in `--help`.
pub mod exit {
    /// Every page converted; the request is valid.
    pub const OK: u8 = 0;
    /// A usage error or an unreadable/unwritable file or folder.
    pub const USAGE_OR_IO: u8 = 1;
    /// The request was refused.
    pub const REFUSED: u8 = 2;
    /// The job completed with per-file or per-page errors.
    pub const PARTIAL: u8 = 3;
    /// The job failed as a whole.
    pub const FAILED: u8 = 4;
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap exits with 2 on usage errors; 2 means "request refused" here.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE_OR_IO } else { exit::OK });
        }
    };
    ExitCode::from(match cli.command {
        Command::Job(args) => run::job(args),
        Command::Render(args) => render::render(args),
        Command::Validate(args) => validate(&args),
        Command::Viewer(args) => run::viewer(args),
        Command::Serve(args) => serve::serve(args),
        Command::Worker => return diagram_convert::worker::main(),
    })
}

fn validate(args: &args::ValidateArgs) -> u8 {
    let options = ValidateOptions { strict: args.strict, ..Default::default() };
    match read_request(&args.request, &options) {
        Ok(_) => {
            println!("ok");
            exit::OK
        }
        Err(e @ RequestError::Io { .. }) => {
            eprintln!("diagram-convert: {e}");
            exit::USAGE_OR_IO
        }
        Err(e) => {
            for line in e.lines() {
                println!("{}", escape_controls(&line));
            }
            exit::REFUSED
        }
    }
}

/// Prints why a request was refused and gives the exit status for it.
pub(crate) fn refused(e: &RequestError) -> u8 {
    if let RequestError::Io { .. } = e {
        eprintln!("diagram-convert: {e}");
        return exit::USAGE_OR_IO;
    }
    eprintln!("diagram-convert: the request was refused:");
    for line in e.lines() {
        eprintln!("  {}", escape_controls(&line));
    }
    exit::REFUSED
}
