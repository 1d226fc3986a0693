//! The bench corpus: real pages of `../shared/fixtures/` with their real annotations.

#![allow(dead_code)] // each bench uses part of it

use std::path::{Path, PathBuf};
use std::sync::Arc;

use diagram_core::{Annotation, ColorMode, Deadline, Limits, ValidateOptions};
use diagram_raster::{Document, RenderOptions, RenderedPage};

/// One input of the benches.
pub struct Sample {
    /// A short name for the report, e.g. `a0-vector`.
    pub name: &'static str,
    /// The folder that holds the file.
    pub dir: PathBuf,
    /// The file name, also its `fileExternalId`.
    pub file: &'static str,
    /// The request whose first item's annotations belong to this drawing.
    pub request: PathBuf,
}

/// `../shared/fixtures`, beside the repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

/// The four pages the issue names: a vector A0 sheet, the dense vector A4, an A1 scan
/// and the 9934 x 7016 RGBA TIFF (whose boxes are those of PH-ME-P-0004-001).
pub fn samples() -> Vec<Sample> {
    let v = fixtures().join("valhall");
    let req = |name: &str| v.join("requests").join(format!("{name}.json"));
    vec![
        Sample {
            name: "a0-vector",
            dir: v.clone(),
            file: "PH-25578-P-4110010-001.pdf",
            request: req("PH-25578-P-4110010-001"),
        },
        Sample {
            name: "a4-dense",
            dir: v.clone(),
            file: "PH-25578-P-4110006-001.pdf",
            request: req("PH-25578-P-4110006-001"),
        },
        Sample {
            name: "a1-scan",
            dir: v.clone(),
            file: "PH-ME-P-0156-002.pdf",
            request: req("PH-ME-P-0156-002"),
        },
        Sample {
            name: "tiff-rgba",
            dir: fixtures().join("scans"),
            file: "pnid.tiff",
            request: req("PH-ME-P-0004-001"),
        },
    ]
}

impl Sample {
    /// The annotations of the drawing, from its request.
    pub fn annotations(&self) -> Vec<Annotation> {
        let request = diagram_core::read_request(&self.request, &ValidateOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", self.request.display()));
        request.items.into_iter().next().map(|i| i.annotations).unwrap_or_default()
    }

    /// The file's bytes.
    pub fn bytes(&self) -> Arc<[u8]> {
        let path = self.dir.join(self.file);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).into()
    }

    /// The file opened with hayro.
    pub fn open(&self) -> Document {
        Document::open(self.bytes(), &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", self.file))
    }

    /// Its first page rendered at 150 DPI.
    pub fn render(&self, doc: &Document, colors: ColorMode) -> RenderedPage {
        let plan = doc
            .plan(0, &RenderOptions::default(), &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", self.file));
        doc.render(&plan, colors, Deadline::NONE).unwrap_or_else(|e| panic!("{}: {e}", self.file))
    }
}
