//! The Deep Zoom output of real pages: the top level is the page PNG cut into tiles, the
//! level below is its 2 x 2 mean, the bytes depend neither on threads nor on band
//! budgets, and `job.json` names the descriptor.

mod engine_support;

use std::fs;

use diagram_convert::{
    Artifact, ConvertOptions, Converter, DirResolver, DirSink, DziLayout, DziOptions, Isolation,
    MemorySink, OutputFormat, RenderOptions, WorkerOptions,
};
use diagram_core::{JobStatus, PixelSize};
use engine_support::*;

const SHEET: &str = "PH-ME-P-0003-001.pdf";

/// A folder holding the A1 sheet and the mixed file.
fn files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in [SHEET, "valhall_mixed_4pages.pdf"] {
        fs::copy(fixtures().join("valhall").join(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn one_file(name: &str, grayscale: bool) -> String {
    format!(
        r#"{{"grayscale": {grayscale}, "items": [{{"fileExternalId": "{name}",
            "annotations": [{}]}}]}}"#,
        annotation("P-101", 1, 0.3, 0.3, 0.45, 0.4)
    )
}

/// Each page's artifacts, in request order, converted with `options`.
fn convert(files: &std::path::Path, json: &str, options: ConvertOptions) -> Vec<Vec<Artifact>> {
    let sink = MemorySink::new();
    let job =
        Converter::new(options).convert(request(json), &DirResolver::new(files).unwrap(), &sink);
    assert_eq!(job.status, JobStatus::Completed);
    for item in &job.items {
        assert_eq!(item.error_message, None);
        for page in item.results.as_ref().unwrap() {
            assert_eq!(page.error_message, None, "page {}", page.page);
        }
    }
    sink.pages().into_iter().map(|p| p.artifacts).collect()
}

fn with_dzi(dpi: f64, threads: usize) -> ConvertOptions {
    ConvertOptions {
        formats: vec![OutputFormat::Png, OutputFormat::Dzi],
        render: RenderOptions { dpi, ..Default::default() },
        ..options(threads)
    }
}

/// (width, height, channels, pixels) of a PNG.
fn decode(bytes: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).unwrap();
    let (w, h) = (image.width(), image.height());
    match image {
        image::DynamicImage::ImageLuma8(gray) => (w, h, 1, gray.into_raw()),
        image::DynamicImage::ImageRgb8(rgb) => (w, h, 3, rgb.into_raw()),
        other => panic!("a {:?} PNG", other.color()),
    }
}

fn crop(px: &[u8], w: u32, c: usize, [x0, y0, x1, y1]: [u32; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    for y in y0..y1 {
        let start = (y * w + x0) as usize * c;
        out.extend_from_slice(&px[start..start + (x1 - x0) as usize * c]);
    }
    out
}

/// The level below a `w` x `h` level: each pixel the mean of its 2 x 2 block, rounded
/// half up, an odd edge's missing pixels taken from the edge.
fn halved(px: &[u8], w: u32, h: u32, c: usize) -> (u32, u32, Vec<u8>) {
    let (w2, h2) = (w.div_ceil(2), h.div_ceil(2));
    let at = |x: u32, y: u32, ch: usize| px[(y.min(h - 1) * w + x.min(w - 1)) as usize * c + ch];
    let mut out = Vec::with_capacity((w2 * h2) as usize * c);
    for y in 0..h2 {
        for x in 0..w2 {
            for ch in 0..c {
                let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .iter()
                    .map(|&(dx, dy)| at(2 * x + dx, 2 * y + dy, ch) as u32)
                    .sum();
                out.push(((sum as f64) / 4.0).round() as u8);
            }
        }
    }
    (w2, h2, out)
}

/// Checks that the pyramid's levels `top` and `top - 1` are the page PNG's crops and the
/// crops of its 2 x 2 mean.
fn check_against_png(artifacts: &[Artifact], page: u32, expect_channels: usize) -> DziLayout {
    let png = artifacts.iter().find(|a| a.format == OutputFormat::Png).unwrap();
    let dzi = artifacts.iter().find(|a| a.format == OutputFormat::Dzi).unwrap();
    let (w, h, c, px) = decode(&png.main().bytes);
    assert_eq!(c, expect_channels);
    assert_eq!(dzi.main().path, format!("page-{page}.dzi"));
    let descriptor = String::from_utf8(dzi.main().bytes.clone()).unwrap();
    assert!(descriptor.contains(&format!("<Size Width=\"{w}\" Height=\"{h}\"/>")), "{descriptor}");
    let layout = DziLayout::new(PixelSize::new(w, h).unwrap(), &DziOptions::default()).unwrap();
    assert_eq!(dzi.files.len() as u64, layout.tile_count() + 1);
    // A blank page would pass anything.
    assert!(px.iter().filter(|&&v| v < 128).count() > 1000);
    let top = layout.top_level();
    let (w2, h2, half) = halved(&px, w, h, c);
    for (level, lw, plane) in [(top, w, &px), (top - 1, w2, &half)] {
        assert_eq!(layout.level_size(level).0, lw);
        let (cols, rows) = layout.tiles(level);
        for row in 0..rows {
            for col in 0..cols {
                let path = format!("page-{page}_files/{level}/{col}_{row}.png");
                let tile = dzi.files.iter().find(|f| f.path == path).expect(&path);
                let rect = layout.tile_rect(level, col, row);
                let (tw, th, tc, tile_px) = decode(&tile.bytes);
                assert_eq!((tw, th, tc), (rect[2] - rect[0], rect[3] - rect[1], c), "{path}");
                assert!(tile_px == crop(plane, lw, c, rect), "{path} is not its crop");
            }
        }
    }
    assert_eq!(h2, layout.level_size(top - 1).1);
    layout
}

#[test]
fn top_tiles_are_crops_of_the_page_png_and_the_next_level_its_mean() {
    let dir = files();
    // 40 DPI: 1325 x 935, 6 x 4 tiles at the top, 3 x 2 below.
    let pages = convert(dir.path(), &one_file(SHEET, true), with_dzi(40.0, 1));
    let layout = check_against_png(&pages[0], 1, 1);
    let top = layout.top_level();
    assert_eq!((layout.tiles(top), layout.tiles(top - 1)), ((6, 4), (3, 2)));
    // In colour, and with the highlights on both when asked for.
    let annotated = ConvertOptions { annotate_png: true, ..with_dzi(30.0, 1) };
    let pages = convert(dir.path(), &one_file("valhall_mixed_4pages.pdf", false), annotated);
    assert_eq!(pages.len(), 4);
    for (n, page) in pages.iter().enumerate() {
        check_against_png(page, n as u32 + 1, 3);
    }
}

#[test]
fn highlights_are_on_the_tiles_only_with_annotate_png() {
    let dir = files();
    let top_tiles = |annotate_png| {
        let o = ConvertOptions { annotate_png, ..with_dzi(40.0, 1) };
        let pages = convert(dir.path(), &one_file(SHEET, false), o);
        let dzi = pages[0].iter().find(|a| a.format == OutputFormat::Dzi).unwrap().clone();
        dzi.files
    };
    let (plain, annotated) = (top_tiles(false), top_tiles(true));
    assert_eq!(plain.len(), annotated.len());
    let differing = plain.iter().zip(&annotated).filter(|(a, b)| a.bytes != b.bytes).count();
    // The box covers a few tiles of each level, not all of them.
    assert!(differing > 0 && differing < plain.len() / 2, "{differing} of {}", plain.len());
}

#[test]
fn the_pyramid_does_not_depend_on_threads_or_band_budgets() {
    let dir = files();
    let json = format!(
        r#"{{"items": [{{"fileExternalId": "{SHEET}", "annotations": []}},
            {{"fileExternalId": "valhall_mixed_4pages.pdf", "annotations": []}}]}}"#
    );
    let run = |threads, band_bytes| {
        let mut o = with_dzi(30.0, threads);
        o.render.band_bytes = band_bytes;
        o.formats = vec![OutputFormat::Dzi];
        convert(dir.path(), &json, o)
    };
    let first = run(1, diagram_convert::DEFAULT_BAND_BYTES);
    assert_eq!(first.len(), 5);
    for (threads, band_bytes) in
        [(2, diagram_convert::DEFAULT_BAND_BYTES), (1, 1), (2, 1), (1, 3_000_017), (2, 65_536)]
    {
        assert!(
            run(threads, band_bytes) == first,
            "{threads} threads, a band budget of {band_bytes}"
        );
    }
}

#[test]
fn job_json_names_the_descriptor_and_the_tiles_are_written_beside_it() {
    let dir = files();
    let out = tempfile::tempdir().unwrap();
    // Through worker processes, so that the tiles cross the worker protocol too.
    let workers =
        WorkerOptions::new(env!("CARGO_BIN_EXE_diagram-convert-worker"), Vec::<String>::new());
    let o = ConvertOptions {
        formats: vec![OutputFormat::Svg, OutputFormat::Dzi],
        isolation: Isolation::Workers(workers),
        ..with_dzi(20.0, 2)
    };
    let sink = DirSink::new(out.path()).unwrap();
    let job = Converter::new(o).convert(
        request(&one_file(SHEET, true)),
        &DirResolver::new(dir.path()).unwrap(),
        &sink,
    );
    assert_eq!(job.status, JobStatus::Completed);
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.path().join("job.json")).unwrap()).unwrap();
    let page = &json["items"][0]["results"][0];
    assert_eq!(page["otherUrls"], serde_json::json!({"dzi": "PH-ME-P-0003-001/page-1.dzi"}));
    assert_eq!(page["svgUrl"], "PH-ME-P-0003-001/page-1.svg");
    assert!(page.get("pngUrl").is_none());
    let descriptor = fs::read_to_string(out.path().join("PH-ME-P-0003-001/page-1.dzi")).unwrap();
    let size = |name: &str| {
        let at = descriptor.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        descriptor[at..].split('"').next().unwrap().parse::<u32>().unwrap()
    };
    let (w, h) = (size("Width"), size("Height"));
    assert_eq!((w, h), (662, 468));
    let layout = DziLayout::new(PixelSize::new(w, h).unwrap(), &DziOptions::default()).unwrap();
    let mut expected: Vec<String> = (0..=layout.top_level())
        .flat_map(|level| {
            let (cols, rows) = layout.tiles(level);
            (0..cols).flat_map(move |c| {
                (0..rows).map(move |r| format!("PH-ME-P-0003-001/page-1_files/{level}/{c}_{r}.png"))
            })
        })
        .collect();
    expected.extend(
        ["PH-ME-P-0003-001/page-1.dzi", "PH-ME-P-0003-001/page-1.svg", "job.json"]
            .map(String::from),
    );
    expected.sort();
    assert_eq!(tree(out.path()), expected);
}
