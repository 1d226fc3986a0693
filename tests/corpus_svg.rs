//! The public CAD corpus (`corpus/`, see its MANIFEST.md), converted to PNG and SVG: no
//! page is refused, the pages that are drawn as vectors stay vector, and each vector
//! SVG, rasterised with resvg, matches the page's PNG within the golden suite's
//! tolerance for vector layers.

#[path = "golden/compare.rs"]
#[allow(dead_code)]
mod compare;

use std::path::Path;

use diagram_convert::{ConvertOptions, Converter, DirResolver, MemorySink, OutputFormat};
use diagram_core::{JobStatus, ValidateOptions};
use diagram_raster::RenderOptions;

/// A pixel differs when a channel differs by more than this: vello_cpu (the PNG) and
/// resvg (the SVG) anti-alias the same edge differently by up to a few dozen levels
/// (the golden suite's `SVG_RASTER_CHANNEL`).
const CHANNEL: u8 = 48;

/// Share of a page's pixels that may differ by more than [`CHANNEL`]: edge pixels of
/// thin strokes and glyphs. The golden suite allows 1 % (`SVG_VECTOR_SHARE`), which 29 of
/// the 31 vector pages meet at 150 DPI (median 0.3 %); text-dense pages differ on more
/// glyph edges, since the PNG's text is hinted (hayro hints horizontal glyph fills
/// between 4 and 128 pixels per em) and the SVG's outlines are not: measured 1.02 % on
/// the A1 display drawing's page 3 and 1.10 % on the Ghostscript schematic's page 1. A
/// lost or shifted layer differs on far more.
const MAX_SHARE: f64 = 0.015;

/// The pages of the corpus that the SVG draws as vectors (`data-layer="vector"`), by
/// file and page: a page that turns raster is a regression (its SVG loses its paths).
const VECTOR_PAGES: &[(&str, &[u32])] = &[
    ("altium-ender3-pcb.pdf", &[1, 2, 3, 4]),
    ("cad-ender3-power-line.pdf", &[1]),
    ("eagle-bullzip-a10s-micro-a2.pdf", &[1]),
    ("eagle-dramco-uno.pdf", &[1, 2]),
    ("easyeda-open-gamma-detector.pdf", &[1]),
    ("framework-display-a1.pdf", &[1, 2, 3]),
    ("framework-mainboard-2d-a2.pdf", &[1, 2, 3, 4]),
    ("framework-schematic-rotated.pdf", &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
    ("fusion360-waterscope-cartridge.pdf", &[1]),
    ("illustrator-blinky-enclosure.pdf", &[1]),
    ("kicad-eeschema-expansion-card.pdf", &[1]),
    ("kicad-pcbnew-blinky.pdf", &[1]),
    ("kicad5-eeschema-keyboard.pdf", &[1]),
    ("solidworks-ender3-nozzle.pdf", &[1]),
];

#[test]
fn corpus_pages_convert_and_vector_svgs_match_their_pngs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let request =
        diagram_core::read_request(&root.join("requests/corpus.json"), &ValidateOptions::default())
            .unwrap();
    let options = ConvertOptions {
        render: RenderOptions { dpi: 150.0, ..Default::default() },
        formats: vec![OutputFormat::Png, OutputFormat::Svg],
        ..ConvertOptions::default()
    };
    let sink = MemorySink::new();
    let job = Converter::new(options).convert(
        request,
        &DirResolver::new(root.join("pdf")).unwrap(),
        &sink,
    );
    assert_eq!(job.status, JobStatus::Completed);
    let mut problems = Vec::new();
    let mut vector = Vec::new();
    for item in &job.items {
        for r in item.results.as_deref().unwrap_or_default() {
            if let Some(e) = &r.error_message {
                problems.push(format!("{} page {}: {e}", item.file, r.page));
            }
        }
        if item.error_message.is_some() {
            problems.push(format!("{}: {:?}", item.file, item.error_message));
        }
    }
    for page in sink.pages() {
        let name = match &page.file {
            diagram_core::FileRef::ExternalId(n) => n.clone(),
            other => other.to_string(),
        };
        let svg = page.bytes(OutputFormat::Svg).unwrap();
        if !String::from_utf8_lossy(svg).contains("data-layer=\"vector\"") {
            continue;
        }
        vector.push((name.clone(), page.page));
        let png = compare::decode(page.bytes(OutputFormat::Png).unwrap()).unwrap();
        let expected = image::DynamicImage::ImageRgb8(png.to_rgb8());
        let raster = compare::rasterise_svg(svg, png.width(), png.height()).unwrap();
        let tol = compare::Tolerance { channel: CHANNEL, max_pixels: 0 };
        let cmp = compare::compare(&expected, &raster, tol).unwrap();
        let share = cmp.differing as f64 / cmp.total as f64;
        println!("{name} page {}: {:.3} % of pixels beyond {CHANNEL}", page.page, 100.0 * share);
        if share > MAX_SHARE {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-svg-failures");
            let _ = std::fs::create_dir_all(&dir);
            let picture = dir.join(format!("{name}-page-{}.png", page.page));
            let _ = compare::write_diff(&picture, &expected, &raster, CHANNEL);
            problems.push(format!(
                "{name} page {}: {:.2} % of the SVG's pixels differ from the PNG by more than \
                 {CHANNEL} (allowed {:.0} %); expected | diff | actual in {}",
                page.page,
                100.0 * share,
                100.0 * MAX_SHARE,
                picture.display()
            ));
        }
    }
    let want: Vec<(String, u32)> = VECTOR_PAGES
        .iter()
        .flat_map(|(f, pages)| pages.iter().map(move |p| (f.to_string(), *p)))
        .collect();
    for page in &want {
        if !vector.contains(page) {
            problems.push(format!("{} page {} is no longer vector", page.0, page.1));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
