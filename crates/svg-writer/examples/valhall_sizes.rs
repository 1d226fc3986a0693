//! Writes the SVG of every page of the Valhall fixtures with grayscale on and off and
//! prints a Markdown table of page layer, size and time per page (the page is rendered
//! beforehand; the time includes encoding its PNG when the raster layer is used), and the
//! size of the vector layer when it is forced.
//!
//! `cargo run --release -p diagram-svg-writer --example valhall_sizes [FIXTURES_DIR]`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use diagram_core::{read_request, ColorMode, Deadline, Limits};
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{Document, PageContent, PngOptions, RenderOptions};
use diagram_svg_writer::{write_svg, LayerKind, PageLayerMode, SvgOptions};

const FILES: [&str; 11] = [
    "PH-25578-P-4110006-001",
    "PH-25578-P-4110010-001",
    "PH-25578-P-4110119-001",
    "PH-ME-P-0003-001",
    "PH-ME-P-0004-001",
    "PH-ME-P-0152-001",
    "PH-ME-P-0153-001",
    "PH-ME-P-0156-001",
    "PH-ME-P-0156-002",
    "PH-ME-P-0160-001",
    "valhall_mixed_4pages",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/valhall")
    });
    println!(
        "| page | gray: layer | gray: MB | gray: ms | colour: layer | colour: MB | colour: ms \
         | forced vector, gray: MB |"
    );
    println!("|---|---|---:|---:|---|---:|---:|---:|");
    let mut sizes = [Vec::new(), Vec::new(), Vec::new()];
    for name in FILES {
        let bytes: Arc<[u8]> = std::fs::read(dir.join(format!("{name}.pdf")))?.into();
        let request =
            read_request(&dir.join("requests").join(format!("{name}.json")), &Default::default())?;
        let annotations = &request.items[0].annotations;
        let doc = Document::open(bytes, &Limits::default())?;
        for index in 0..doc.page_count() {
            let mut row = format!("| {name} p{} |", index + 1);
            let page = index as u32 + 1;
            let plan = doc.plan(index, &RenderOptions::default(), &Limits::default())?;
            for (g, colors) in [ColorMode::Gray, ColorMode::Rgb].into_iter().enumerate() {
                let rendered = doc.render(&plan, colors, Deadline::NONE)?;
                let content =
                    PageContent::new(&doc, rendered, PngOptions::default(), Deadline::NONE);
                let scene = Scene::build(
                    annotations,
                    page,
                    content.frame(),
                    colors,
                    &OverlayOptions::default(),
                );
                let start = Instant::now();
                let svg = write_svg(&scene, &content, &SvgOptions::default())?;
                let ms = start.elapsed().as_secs_f64() * 1e3;
                let layer = match svg.layer {
                    LayerKind::Vector => "vector",
                    LayerKind::Raster => "raster",
                };
                sizes[g].push(svg.svg.len());
                row += &format!(" {layer} | {:.2} | {ms:.0} |", svg.svg.len() as f64 / 1e6);
                for w in &svg.warnings {
                    let mode = if colors.is_gray() { "gray" } else { "colour" };
                    eprintln!("{name} p{} ({mode}): {w}", index + 1);
                }
                if colors.is_gray() {
                    // The vector layer whatever its size, for the record (last column).
                    let forced =
                        SvgOptions { page_layer: PageLayerMode::Vector, ..Default::default() };
                    let svg = write_svg(&scene, &content, &forced)?;
                    sizes[2].push(svg.svg.len());
                }
            }
            row += &format!(" {:.2} |", *sizes[2].last().unwrap_or(&0) as f64 / 1e6);
            println!("{row}");
        }
    }
    for (g, label) in [(0, "gray"), (1, "colour")] {
        let mut s = sizes[g].clone();
        s.sort_unstable();
        let median = if s.len() % 2 == 1 {
            s[s.len() / 2] as f64
        } else {
            (s[s.len() / 2 - 1] + s[s.len() / 2]) as f64 / 2.0
        };
        println!(
            "{label}: {} pages, median {:.2} MB, largest {:.2} MB",
            s.len(),
            median / 1e6,
            *s.last().unwrap_or(&0) as f64 / 1e6
        );
    }
    Ok(())
}
