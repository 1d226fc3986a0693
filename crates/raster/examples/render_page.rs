//! Renders one page of a PDF, PNG, JPEG or TIFF file to a PNG.
//!
//! ```text
//! cargo run -p diagram-raster --example render_page -- INPUT PAGE OUTPUT.png [DPI] [colour]
//! ```
//! `PAGE` counts from 1. Prints the page size, the time taken and any warnings.

use std::sync::Arc;
use std::time::Instant;

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_raster::{encode_png, Document, PngOptions, RenderOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, page, output, rest @ ..] = args.as_slice() else {
        return Err("usage: render_page INPUT PAGE OUTPUT.png [DPI] [colour]".into());
    };
    let page: usize = page.parse()?;
    let dpi: f64 = rest.first().map(|d| d.parse()).transpose()?.unwrap_or(150.0);
    let colors = ColorMode::from_grayscale(rest.get(1).map(String::as_str) != Some("colour"));

    let limits = Limits::default();
    let doc = Document::open(Arc::from(std::fs::read(input)?), &limits)?;
    let options = RenderOptions { dpi, ..Default::default() };
    let start = Instant::now();
    let plan = doc.plan(page.checked_sub(1).ok_or("pages count from 1")?, &options, &limits)?;
    let rendered = doc.render(&plan, colors, Deadline::NONE)?;
    let rendered_in = start.elapsed();
    let png = encode_png(&rendered.image, &PngOptions::default())?;
    std::fs::write(output, &png)?;
    println!(
        "{} page {page} of {}: {} px in {rendered_in:.2?}, {} PNG bytes",
        doc.kind(),
        doc.page_count(),
        rendered.frame.size(),
        png.len()
    );
    for w in &rendered.warnings {
        println!("warning: {w}");
    }
    Ok(())
}
