//! `diagram_convert._native`: the engine of the `diagram-convert` Python package. The
//! Python layer (`python/diagram_convert/`) turns its arguments into the calls here and
//! the answers into result objects; everything that converts is the Rust engine's.
//!
//! What crosses the boundary is deliberately plain: a request as its JSON bytes, files as
//! a folder or a mapping of references to bytes or paths, and back the job as its JSON
//! (job.json's shape) plus each page's bytes when they are kept in memory. The GIL is
//! released while the engine runs (see [`converter`]).

mod converter;
mod resolver;
mod sink;

use std::process::ExitCode;

use diagram_core::{parse_request, RequestError, ValidateOptions};
use pyo3::prelude::*;

/// The problems of a request as `(path, message)` pairs, empty when it is valid. JSON
/// that does not parse and a request above the size limit are one problem at path `$`.
pub(crate) fn violations(request: &[u8], strict: bool) -> Vec<(String, String)> {
    let options = ValidateOptions { strict, ..Default::default() };
    match parse_request(request, &options) {
        Ok(_) => Vec::new(),
        Err(RequestError::Invalid(list)) => list.into_iter().map(|v| (v.path, v.reason)).collect(),
        Err(other) => vec![("$".to_string(), other.to_string())],
    }
}

/// validate(request: bytes, strict: bool) -> list[tuple[str, str]]
///
/// Every violation of the request (its JSON bytes) as `(path, message)`.
#[pyfunction]
#[pyo3(signature = (request, strict = false))]
fn validate(py: Python<'_>, request: &[u8], strict: bool) -> Vec<(String, String)> {
    py.detach(|| violations(request, strict))
}

/// worker_main() -> int
///
/// Runs this process as a worker of the engine's worker pool, on its stdin and stdout,
/// until stdin ends; returns the exit status. Only `diagram_convert._worker` calls it.
#[pyfunction]
fn worker_main(py: Python<'_>) -> i32 {
    // The worker never calls back into Python; without the GIL held, nothing in it can
    // wait on the interpreter.
    let code = py.detach(diagram_convert::worker::main);
    if code == ExitCode::SUCCESS {
        0
    } else {
        1
    }
}

/// write_viewer(out: str) -> tuple[str, int, int, list[str]]
///
/// Writes the offline viewer (`index.html` and its scripts) over the finished job in `out`
/// (which holds its job.json); returns the index's path, the pages and annotations shown,
/// and what the viewer cannot show. Raises `OSError` or `ValueError` when it cannot.
#[pyfunction]
fn write_viewer(
    py: Python<'_>,
    out: std::path::PathBuf,
) -> PyResult<(String, usize, usize, Vec<String>)> {
    match py.detach(|| diagram_viewer::write_viewer(&out)) {
        Ok(s) => Ok((s.index.display().to_string(), s.pages, s.annotations, s.notes)),
        Err(e @ diagram_viewer::ViewerError::Io { .. }) => {
            Err(pyo3::exceptions::PyOSError::new_err(e.to_string()))
        }
        Err(e) => Err(pyo3::exceptions::PyValueError::new_err(e.to_string())),
    }
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(worker_main, m)?)?;
    m.add_function(wrap_pyfunction!(write_viewer, m)?)?;
    m.add_class::<converter::Converter>()?;
    m.add("MemoryBudgetExceeded", m.py().get_type::<sink::MemoryBudgetExceeded>())?;
    m.add("ENGINE_VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
