//! The messages between the engine and its worker processes, over the worker's stdin and
//! stdout: a frame is a 4-byte little-endian header length, the header as JSON (the
//! message and the lengths of the blobs that follow), then the blobs' raw bytes (a file's
//! contents, a page's output files). Both sides bound what they accept before allocating.

use std::io::{self, Read, Write};
use std::sync::Arc;

use diagram_core::{Annotation, Limits};
use serde::{Deserialize, Serialize};

use crate::output::OutputFormat;
use crate::page::PageSettings;
use crate::resolve::read_shared;

/// The protocol's version: a worker program of another version is refused at the
/// handshake, so a stale binary is reported instead of misread.
pub(crate) const VERSION: u32 = 2;

/// The largest header either side reads: messages carry a page's annotations (at most
/// 1000, each with at most 5 entities of at most 16 KiB), so 256 MiB is far beyond any
/// valid one.
const MAX_HEADER_BYTES: u32 = 256 << 20;

/// The largest blob either side reads: a file's contents are at most
/// [`Limits::max_file_bytes`] (2 GiB by default); a page's outputs are smaller.
const MAX_BLOB_BYTES: u64 = 16 << 30;

/// From the engine to a worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToWorker {
    /// The first message: the protocol version and the memory limit the worker sets on
    /// itself before it reads anything else.
    Hello { version: u32, memory_limit: Option<u64> },
    /// Open a file (its bytes are the one blob) as file `file`, replacing the one held.
    Open { file: u64, limits: Limits },
    /// Convert page `index` (from 0) of the file held as `file`.
    Convert {
        file: u64,
        index: usize,
        /// [`diagram_raster::PagePlan::helper_threads`] for the page.
        helper_threads: u16,
        annotations: Vec<Annotation>,
        settings: Box<PageSettings>,
        #[cfg(feature = "fault-injection")]
        fault: Option<crate::Fault>,
    },
}

/// From a worker to the engine.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromWorker {
    /// The answer to [`ToWorker::Hello`].
    Ready { version: u32 },
    /// The file opened; it has one page per area, each page's
    /// [`Document::page_area`](diagram_raster::Document::page_area).
    Opened { areas: Vec<f64> },
    /// The file could not be opened: the message of its
    /// [`FileError`](crate::FileError).
    OpenFailed { message: String },
    /// The page converted: its warnings and, for each artifact, its format and its files'
    /// paths, whose bytes are the blobs in that order.
    Converted { warnings: Vec<String>, artifacts: Vec<(OutputFormat, Vec<String>)> },
    /// The page failed: the message of its [`PageError`](crate::PageError).
    PageFailed { message: String },
    /// The message could not be understood (a bug, reported rather than hidden).
    Refused { message: String },
}

/// A message with the blobs that came with it.
pub(crate) type Frame<M> = (M, Vec<Arc<[u8]>>);

#[derive(Serialize)]
struct HeaderOut<'a, M> {
    message: &'a M,
    blobs: Vec<u64>,
}

#[derive(Deserialize)]
struct HeaderIn<M> {
    message: M,
    blobs: Vec<u64>,
}

/// Writes one frame.
pub(crate) fn write_frame<M: Serialize>(
    out: &mut impl Write,
    message: &M,
    blobs: &[&[u8]],
) -> io::Result<()> {
    let header = HeaderOut { message, blobs: blobs.iter().map(|b| b.len() as u64).collect() };
    let header = serde_json::to_vec(&header).map_err(io::Error::other)?;
    let len = u32::try_from(header.len())
        .ok()
        .filter(|&n| n <= MAX_HEADER_BYTES)
        .ok_or_else(|| io::Error::other("message header too large"))?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&header)?;
    for blob in blobs {
        out.write_all(blob)?;
    }
    out.flush()
}

/// Reads one frame; `None` at the end of the stream before a frame starts.
pub(crate) fn read_frame<M: for<'de> Deserialize<'de>>(
    input: &mut impl Read,
) -> io::Result<Option<Frame<M>>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_le_bytes(len);
    if len > MAX_HEADER_BYTES {
        return Err(invalid(format!("a message header of {len} bytes")));
    }
    let mut header = vec![0u8; len as usize];
    input.read_exact(&mut header)?;
    let header: HeaderIn<M> =
        serde_json::from_slice(&header).map_err(|e| invalid(format!("a bad message: {e}")))?;
    let mut blobs = Vec::with_capacity(header.blobs.len().min(64));
    for &n in &header.blobs {
        if n > MAX_BLOB_BYTES {
            return Err(invalid(format!("a blob of {n} bytes")));
        }
        blobs.push(read_shared(input, n as usize)?);
    }
    Ok(Some((header.message, blobs)))
}

fn invalid(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("the other side sent {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_with_their_blobs() {
        let mut buf = Vec::new();
        let message = FromWorker::Converted {
            warnings: vec!["w".into()],
            artifacts: vec![(OutputFormat::Png, vec!["page-1.png".into()])],
        };
        write_frame(&mut buf, &message, &[b"abc", b""]).unwrap();
        write_frame(&mut buf, &FromWorker::Opened { areas: vec![1.0, 2.5, 0.0] }, &[]).unwrap();
        let mut input = buf.as_slice();
        let (got, blobs) = read_frame::<FromWorker>(&mut input).unwrap().unwrap();
        assert!(matches!(got, FromWorker::Converted { ref warnings, .. } if warnings == &["w"]));
        assert_eq!(blobs.iter().map(|b| &b[..]).collect::<Vec<_>>(), [&b"abc"[..], b""]);
        let (got, blobs) = read_frame::<FromWorker>(&mut input).unwrap().unwrap();
        assert!(matches!(&got, FromWorker::Opened { areas } if areas == &[1.0, 2.5, 0.0]));
        assert!(blobs.is_empty());
        assert!(read_frame::<FromWorker>(&mut input).unwrap().is_none());
    }

    #[test]
    fn refuses_oversized_frames_before_allocating() {
        let mut input: &[u8] = &(MAX_HEADER_BYTES + 1).to_le_bytes();
        let e = read_frame::<FromWorker>(&mut input).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let header =
            format!(r#"{{"message":{{"Opened":{{"areas":[1.0]}}}},"blobs":[{}]}}"#, u64::MAX);
        let mut buf = (header.len() as u32).to_le_bytes().to_vec();
        buf.extend_from_slice(header.as_bytes());
        let e = read_frame::<FromWorker>(&mut buf.as_slice()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
    }

    #[test]
    fn a_cut_frame_is_an_error_not_the_end() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &FromWorker::Opened { areas: vec![1.0] }, &[b"abcdef"]).unwrap();
        buf.truncate(buf.len() - 2);
        let e = read_frame::<FromWorker>(&mut buf.as_slice()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }
}
