//! `diagram-convert serve`: the HTTP service, with the engine options of `job`.

use std::time::Duration;

use diagram_server::{Auth, ServeOptions};

use crate::args::ServeArgs;
use crate::exit;

/// Runs the service until SIGTERM or Ctrl-C; returns the exit status.
pub fn serve(args: ServeArgs) -> u8 {
    let auth = match token(&args) {
        Ok(Some(token)) => Auth::Token(token),
        Ok(None) if args.no_auth => Auth::None,
        Ok(None) => {
            eprintln!(
                "diagram-convert serve: no API token: give --token-file FILE or set \
                 DIAGRAM_CONVERT_TOKEN (or --no-auth, on a loopback address only)"
            );
            return exit::USAGE_OR_IO;
        }
        Err(e) => {
            eprintln!("diagram-convert serve: {e}");
            return exit::USAGE_OR_IO;
        }
    };
    let mut options = ServeOptions::new(&args.files, &args.store);
    options.listen = args.listen;
    options.auth = auth;
    options.public_url = args.public_url.clone();
    options.cors_origin = args.cors_origin.clone();
    options.convert = crate::run::options(&args.convert, None);
    options.strict = args.convert.strict;
    options.convert.limits.max_request_bytes = args.max_request << 20;
    options.url_lifetime = Duration::from_secs(args.url_lifetime);
    options.retention = Duration::from_secs_f64(args.retention * 3600.0);
    options.queue_capacity = args.queue as usize;
    options.concurrent_jobs = args.concurrent_jobs.map_or(0, usize::from);
    options.log = !args.convert.quiet;
    match diagram_server::serve(options) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("diagram-convert serve: {e}");
            exit::USAGE_OR_IO
        }
    }
}

/// The token from --token-file (trimmed) or DIAGRAM_CONVERT_TOKEN; an empty one is an error.
fn token(args: &ServeArgs) -> Result<Option<String>, String> {
    let token = match &args.token_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?,
        None => match std::env::var("DIAGRAM_CONVERT_TOKEN") {
            Ok(t) if !args.no_auth => t,
            _ => return Ok(None),
        },
    };
    let token = token.trim();
    if token.is_empty() {
        return Err("the API token is empty".into());
    }
    if token.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
        return Err("the API token must be printable ASCII without spaces".into());
    }
    Ok(Some(token.to_string()))
}
