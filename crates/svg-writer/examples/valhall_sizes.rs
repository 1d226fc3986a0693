//! Writes the SVG of every page of the Valhall fixtures with grayscale on and off and
//! prints a Markdown table of page layer, size and time per page (the time includes
//! rendering and encoding the page PNG when the raster layer is used), and the size of
//! the vector layer when it is forced.
//!
//! `cargo run --release -p diagram-svg-writer --example valhall_sizes [FIXTURES_DIR]`

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use diagram_core::read_request;
use diagram_overlay::{OverlayOptions, Scene};
use diagram_raster::{encode_png, Document, OpenOptions, PngOptions, RenderOptions};
use diagram_svg_writer::{write_svg, LayerKind, PageLayerMode, PageSource, SvgOptions};

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
    let mut sizes = [Vec::new(), Vec::new()];
    for name in FILES {
        let bytes: Arc<[u8]> = std::fs::read(dir.join(format!("{name}.pdf")))?.into();
        let request =
            read_request(&dir.join("requests").join(format!("{name}.json")), &Default::default())?;
        let annotations = &request.items[0].annotations;
        let doc = Document::open(bytes, &OpenOptions::default())?;
        for index in 0..doc.page_count() {
            let mut row = format!("| {name} p{} |", index + 1);
            for (g, grayscale) in [true, false].into_iter().enumerate() {
                let render = RenderOptions { grayscale, ..Default::default() };
                let plan = doc.plan(index, &render)?;
                let page = index as u32 + 1;
                let scene = Scene::build(
                    annotations,
                    page,
                    plan.size,
                    grayscale,
                    &OverlayOptions::default(),
                );
                let options = SvgOptions { grayscale, ..Default::default() };
                let source = PageSource::Pdf {
                    pdf: doc.pdf().expect("a PDF"),
                    index,
                    geometry: plan.geometry,
                };
                let mut png = || {
                    let page = doc.render(index, &render).map_err(|e| e.to_string())?;
                    encode_png(&page.image, &PngOptions::default()).map_err(|e| e.to_string())
                };
                let start = Instant::now();
                let svg = write_svg(source, &mut png, &scene, annotations, page, &options)?;
                let ms = start.elapsed().as_secs_f64() * 1e3;
                let layer = match svg.layer {
                    LayerKind::Vector => "vector",
                    LayerKind::Raster => "raster",
                };
                sizes[g].push(svg.svg.len());
                row += &format!(" {layer} | {:.2} | {ms:.0} |", svg.svg.len() as f64 / 1e6);
                for w in &svg.warnings {
                    eprintln!(
                        "{name} p{} ({}): {w}",
                        index + 1,
                        if grayscale { "gray" } else { "colour" }
                    );
                }
            }
            // The vector layer whatever its size, for the record.
            let plan = doc.plan(index, &RenderOptions::default())?;
            let page = index as u32 + 1;
            let scene =
                Scene::build(annotations, page, plan.size, true, &OverlayOptions::default());
            let forced = SvgOptions { page_layer: PageLayerMode::Vector, ..Default::default() };
            let source =
                PageSource::Pdf { pdf: doc.pdf().expect("a PDF"), index, geometry: plan.geometry };
            let svg = write_svg(
                source,
                &mut || Err("unused".into()),
                &scene,
                annotations,
                page,
                &forced,
            )?;
            row += &format!(" {:.2} |", svg.svg.len() as f64 / 1e6);
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
