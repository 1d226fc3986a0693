//! Runs the engine's library API on a case folder.

use std::path::Path;

use diagram_convert::{ConvertOptions, Converter, DirResolver, MemorySink, OutputFormat};
use diagram_core::{JobStatus, ValidateOptions};
use diagram_raster::{RenderOptions, Renderer};
use diagram_svg_writer::{PageLayerMode, SvgOptions};

use crate::case::{CaseConfig, RendererName, SvgPage};

/// One converted page of a case.
pub struct Page {
    /// The page, from 1.
    pub page: u32,
    /// The PNG bytes.
    pub png: Vec<u8>,
    /// The SVG bytes.
    pub svg: Vec<u8>,
}

/// Whether pdfium can be bound in this process.
pub fn pdfium_available() -> Result<(), String> {
    diagram_raster::pdfium_available().map_err(|e| e.to_string())
}

/// Converts the case's request (one item) with the files of its folder, PNG and SVG.
pub fn convert(dir: &Path, cfg: &CaseConfig, annotate_png: bool) -> Result<Vec<Page>, String> {
    let request =
        diagram_core::read_request(&dir.join("request.json"), &ValidateOptions::default())
            .map_err(|e| format!("request.json: {e}"))?;
    if request.items.len() != 1 {
        return Err(format!(
            "request.json has {} items; a golden case converts exactly one file",
            request.items.len()
        ));
    }
    let options = ConvertOptions {
        render: RenderOptions {
            dpi: cfg.dpi,
            renderer: match cfg.renderer {
                RendererName::Hayro => Renderer::Hayro,
                RendererName::Pdfium => Renderer::Pdfium,
            },
            ..RenderOptions::default()
        },
        // Two workers, so the suite also runs the engine's parallel path; the outputs are
        // the same whatever the thread count.
        threads: 2,
        formats: vec![OutputFormat::Png, OutputFormat::Svg],
        annotate_png,
        svg: SvgOptions {
            page_layer: match cfg.svg_page {
                SvgPage::Auto => PageLayerMode::Auto,
                SvgPage::Vector => PageLayerMode::Vector,
                SvgPage::Raster => PageLayerMode::Raster,
            },
            ..SvgOptions::default()
        },
        ..ConvertOptions::default()
    };
    let resolver =
        DirResolver::new(dir).map_err(|e| format!("cannot read the case folder: {e}"))?;
    let sink = MemorySink::new();
    let job = Converter::new(options).convert(request, &resolver, &sink);
    if job.status != JobStatus::Completed {
        return Err(format!(
            "the job ended {:?}: {}",
            job.status,
            job.error_message.as_deref().unwrap_or("no message")
        ));
    }
    let item = &job.items[0];
    if let Some(e) = &item.error_message {
        return Err(format!("the file failed: {e}"));
    }
    let mut problems: Vec<String> =
        item.warnings.iter().map(|w| format!("file warning: {w}")).collect();
    for r in item.results.iter().flatten() {
        if let Some(e) = &r.error_message {
            problems.push(format!("page {} failed: {e}", r.page));
        }
        problems.extend(r.warnings.iter().map(|w| format!("page {} warning: {w}", r.page)));
    }
    if !problems.is_empty() {
        // Golden inputs are small and clean: any warning is a change worth looking at.
        return Err(problems.join("; "));
    }
    let mut pages = Vec::new();
    for p in sink.pages() {
        let (Some(png), Some(svg)) = (p.bytes(OutputFormat::Png), p.bytes(OutputFormat::Svg))
        else {
            return Err(format!("page {} came without a PNG or an SVG", p.page));
        };
        pages.push(Page { page: p.page, png: png.to_vec(), svg: svg.to_vec() });
    }
    if pages.is_empty() {
        return Err("the file produced no page".into());
    }
    Ok(pages)
}
