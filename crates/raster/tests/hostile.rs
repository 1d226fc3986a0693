//! Hostile inputs of every class of issue 10, over ranges of values, opened and rendered
//! in-process at 30 DPI under a 256 MiB page budget: each gives its typed error or
//! warning, and (in a child process per sample, measured by its peak resident size,
//! `VmHWM`) none takes memory far beyond the budget.

mod common;
#[path = "common/hostile.rs"]
mod hostile;

use std::sync::Arc;
use std::time::Duration;

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_raster::{Document, PageImage, RasterError, RenderOptions, RenderedPage};
use hostile::*;
use proptest::prelude::*;

const BUDGET: u64 = 256 << 20;

fn limits() -> Limits {
    Limits {
        max_page_bytes: BUDGET,
        max_image_bytes: BUDGET,
        page_time_limit: Some(Duration::from_secs(2)),
        ..Default::default()
    }
}

/// Opens `bytes` and renders its first page at 30 DPI under [`limits`].
fn convert(bytes: Vec<u8>) -> Result<RenderedPage, RasterError> {
    let limits = limits();
    let doc = Document::open(Arc::from(bytes), &limits)?;
    let options = RenderOptions { dpi: 30.0, image_scale: 0.05, ..Default::default() };
    let plan = doc.plan(0, &options, &limits)?;
    doc.render(&plan, ColorMode::Gray, Deadline::after(limits.page_time_limit))
}

fn over_budget(r: Result<RenderedPage, RasterError>, what: &str) {
    match r {
        Err(RasterError::OverBudget { what: w, budget, bytes, .. }) => {
            assert!(w.contains(what), "{w:?} is not about {what:?}");
            assert_eq!(budget, BUDGET);
            assert!(bytes > BUDGET);
        }
        other => panic!("expected an over-budget error for {what}, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..Default::default() })]

    #[test]
    fn predictor_rows_past_the_data_decode_to_nothing(
        columns in (1_u64 << 28)..(1_u64 << 33),
        colors in 1_u8..=255,
    ) {
        // The content stream has no complete row: the page draws nothing, and fails as
        // a page whose content stream decodes to nothing would not; either way typed.
        let r = convert(predictor_content(columns, colors));
        prop_assert!(r.is_ok() || matches!(r, Err(RasterError::BrokenPage { .. })), "{r:?}");
        let r = convert(predictor_image(columns, colors));
        prop_assert!(r.is_ok() || matches!(r, Err(RasterError::BrokenPage { .. })), "{r:?}");
    }

    #[test]
    fn a_huge_width_in_a_real_scan_is_over_budget(width in (1_u32 << 27)..=u32::MAX) {
        over_budget(convert(scan_with_width(width)), "image");
    }

    #[test]
    fn sub_micro_point_dashes_are_over_budget(exp in -9.0_f64..-5.5) {
        over_budget(convert(dashed_line(10_f64.powf(exp))), "dashes");
    }

    #[test]
    fn a_huge_inline_ccitt_image_is_over_budget(width in (1_u32 << 29)..=u32::MAX) {
        // Refused by the image size check before the CCITT decoder is reached.
        over_budget(convert(inline_ccitt(width)), "image");
    }

    #[test]
    fn a_png_declaring_huge_dimensions_fails_where_its_data_ends(
        w in 12_000_u32..70_000, h in 12_000_u32..70_000,
    ) {
        // A PNG streams a row at a time, so nothing is sized from the header: the page
        // fails where the data runs out (no_sample_takes_memory_far_beyond_the_budget
        // measures that it allocated nothing like the declared size).
        let r = convert(png_huge(w, h));
        prop_assert!(
            matches!(&r, Err(RasterError::ImageDecode { message, .. }) if message.contains("not have enough data")),
            "{r:?}"
        );
    }

    #[test]
    fn a_jpeg_2000_codestream_declaring_huge_dimensions_is_over_budget(
        w in 20_000_u32..=1 << 24, h in 20_000_u32..=1 << 24,
    ) {
        over_budget(convert(jpx_huge(w, h)), "JPEG 2000");
    }

    #[test]
    fn a_jbig2_page_declaring_huge_dimensions_is_over_budget(
        // hayro-jbig2 refuses sides over 65535 itself.
        w in 20_000_u32..=65_535, h in 20_000_u32..=65_535,
    ) {
        over_budget(convert(jbig2_huge(w, h)), "JBIG2");
    }

    #[test]
    fn a_huge_curve_is_drawn_where_it_crosses_the_page(exp in 6_u32..=18, stroke in any::<bool>()) {
        // Pieces off the page are not flattened (vendor/hayro/PATCHES.md, patch 4).
        let page = convert(huge_curve(exp, stroke)).expect("renders");
        let PageImage::Gray(g) = page.image else { panic!("gray") };
        let (w, h) = g.dimensions();
        let at = |x: u32, y: u32| g.get_pixel(x, y)[0];
        for x in [1, w / 4, w / 2 + 2, w - 2] {
            match stroke {
                // The line runs from the centre to the right edge, on the middle row.
                true => {
                    let dark = (h / 2 - 1..=h / 2 + 1).any(|y| at(x, y) < 128);
                    prop_assert_eq!(dark, x > w / 2, "column {} of {}", x, w);
                    prop_assert!(at(x, 2) > 250 && at(x, h - 3) > 250);
                }
                // The upper half is filled.
                false => prop_assert!(at(x, 2) < 10 && at(x, h / 2 - 2) < 10 && at(x, h / 2 + 2) > 245 && at(x, h - 3) > 245, "column {}", x),
            }
        }
    }

    #[test]
    fn a_jpeg_declaring_huge_dimensions_is_over_budget(
        w in 12_000_u16..=u16::MAX, h in 12_000_u16..=u16::MAX,
    ) {
        over_budget(convert(jpeg_huge(w, h)), "image");
    }

    #[test]
    fn a_degenerate_media_box_is_a_letter_page_with_a_warning(which in 0_usize..DEGENERATE_BOXES.len()) {
        let page = convert(degenerate_media_box(which)).expect("renders");
        // 612 x 792 pt at 30 DPI.
        prop_assert_eq!(page.image.size().map(|s| (s.width(), s.height())), Some((255, 330)));
        prop_assert!(page.warnings.iter().any(|w| w.contains("Letter")), "{:?}", page.warnings);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, failure_persistence: None, ..Default::default() })]

    #[test]
    fn a_fan_out_of_forms_stops_at_the_deadline(depth in 8_u32..12, fan in 8_u32..12) {
        let r = convert(fan_out(depth, fan));
        prop_assert!(matches!(r, Err(RasterError::TimedOut { .. })), "{r:?}");
    }

    // hayro-font draws the text with a substitute font, as poppler does, and the patched
    // interpreter says so (vendor/hayro-font/PATCHES.md).
    #[test]
    fn a_garbage_truetype_font_is_a_page_warning(seed in any::<u64>(), sfnt in any::<bool>()) {
        let page = convert(garbage_truetype(seed, 4096, sfnt)).expect("renders");
        prop_assert!(
            page.warnings.iter().any(|w| w.contains("substitute font")),
            "{:?}",
            page.warnings
        );
    }
}

/// The child's side of [`no_sample_takes_memory_far_beyond_the_budget`]: converts the
/// file named by `HOSTILE_FILE`, then prints its peak resident size. Does nothing in a
/// normal run.
#[test]
fn hostile_child() {
    let Ok(path) = std::env::var("HOSTILE_FILE") else { return };
    let bytes = std::fs::read(&path).expect("the sample was written");
    let outcome = match convert(bytes) {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux");
    let hwm = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
    println!("HOSTILE {hwm} | {outcome}");
}

/// Each sample of [`all_classes`] is converted in a child process (this test binary,
/// running [`hostile_child`]), whose peak resident size must stay under twice the page
/// budget. Before the budget, several samples took gigabytes or aborted the process.
#[test]
#[cfg(target_os = "linux")]
fn no_sample_takes_memory_far_beyond_the_budget() {
    let dir = std::env::temp_dir().join(format!("hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (name, bytes) in all_classes() {
        let path = dir.join(&name);
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "hostile_child", "--nocapture", "--test-threads=1"])
            .env("HOSTILE_FILE", &path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        // libtest writes "test hostile_child ... " before the child's line.
        let line = stdout.lines().find_map(|l| l.find("HOSTILE ").map(|at| l[at..].to_string()));
        let kb: Option<u64> = line.as_deref().and_then(|l| {
            l.trim_start_matches("HOSTILE VmHWM:").split_whitespace().next()?.parse().ok()
        });
        eprintln!("{name}: {} bytes -> {}", bytes.len(), line.as_deref().unwrap_or("no report"));
        match kb {
            Some(kb) if kb * 1024 < 2 * BUDGET => {}
            _ => failures.push(format!("{name}: {:?} ({})", line, out.status)),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "over twice the budget or crashed:\n{}", failures.join("\n"));
}
