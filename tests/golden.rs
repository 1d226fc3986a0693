//! The golden-image regression suite: one test per folder of `fixtures/golden/`.
//!
//! Each case folder holds an input, its `request.json`, an optional `case.json` (see
//! `golden/case.rs`) and the expected outputs `page-<n>.png` and `page-<n>.svg`. A case
//! passes when the engine, run through its library API on the input, gives
//!
//! - PNGs equal to the references per channel within the case's tolerance (1 by default),
//! - SVGs equal to the references as text,
//! - SVGs that, rasterised with resvg, match the PNG with the highlights drawn on it,
//!
//! and when the committed inputs are exactly what `golden/generate.rs` makes for the cases
//! it knows. On a failure, `target/golden-failures/<case>/` gets `expected | diff | actual`
//! pictures and the actual outputs. `UPDATE_GOLDENS=1` rewrites inputs and references, and
//! still fails the run so that it cannot pass by accident. pdfium cases are skipped when
//! pdfium cannot be bound, unless `DIAGRAM_CONVERT_REQUIRE_PDFIUM=1`.
//!
//! Run: `cargo test --test golden [-- FILTER...]`; `-- --list` lists the cases.

#[path = "golden/case.rs"]
mod case;
#[path = "golden/compare.rs"]
mod compare;
#[path = "golden/engine.rs"]
mod engine;
#[path = "golden/generate.rs"]
mod generate;
#[path = "golden/marks.rs"]
mod marks;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use case::{CaseConfig, RendererName};
use compare::Tolerance;

/// How one case ended.
enum Outcome {
    Passed,
    Failed(Vec<String>),
    /// `UPDATE_GOLDENS=1` rewrote these files.
    Updated(Vec<String>),
    Skipped(String),
}

/// The run's switches, from the environment.
struct Run {
    update: bool,
    require_pdfium: bool,
    /// `GOLDEN_VERBOSE=1`: print every comparison's numbers, to set tolerances by.
    verbose: bool,
    failures_dir: PathBuf,
}

/// What the checks of one case found.
#[derive(Default)]
struct Report {
    problems: Vec<String>,
    updated: Vec<String>,
}

impl Report {
    fn problem(&mut self, p: impl Into<String>) {
        self.problems.push(p.into());
    }
}

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden")
}

fn env_flag(name: &str) -> bool {
    // One meaning for every switch of the project: on exactly when set to `1`.
    std::env::var(name).is_ok_and(|v| v == "1")
}

fn main() -> ExitCode {
    let args = Args::parse();
    let run = Run {
        update: env_flag("UPDATE_GOLDENS"),
        require_pdfium: env_flag("DIAGRAM_CONVERT_REQUIRE_PDFIUM"),
        verbose: env_flag("GOLDEN_VERBOSE"),
        failures_dir: Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .expect("the target tmp dir is inside the target dir")
            .join("golden-failures"),
    };
    let root = golden_root();
    let generated: BTreeMap<String, generate::GeneratedCase> =
        generate::cases().into_iter().map(|c| (c.name.clone(), c)).collect();

    // Cases are the folders on disk plus any the generator makes, so that a generated case
    // whose folder was lost fails instead of vanishing.
    let mut names: Vec<String> = generated.keys().cloned().collect();
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    let selected: Vec<&String> = names.iter().filter(|n| args.selects(n)).collect();

    if args.list {
        for name in &selected {
            println!("golden::{name}: test");
        }
        return ExitCode::SUCCESS;
    }

    println!("\nrunning {} golden cases", selected.len());
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for name in selected {
        let dir = root.join(name);
        let outcome = std::panic::catch_unwind(|| run_case(&run, name, &dir, generated.get(name)))
            .unwrap_or_else(|panic| {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into());
                Outcome::Failed(vec![format!("panicked: {msg}")])
            });
        match outcome {
            Outcome::Passed => {
                passed += 1;
                println!("test golden::{name} ... ok");
            }
            Outcome::Updated(files) => {
                // Counted as a failure: a rewritten reference has not been reviewed.
                failed += 1;
                println!("test golden::{name} ... updated ({})", files.join(", "));
            }
            Outcome::Skipped(why) => {
                skipped += 1;
                println!("test golden::{name} ... skipped ({why})");
            }
            Outcome::Failed(reasons) => {
                failed += 1;
                println!("test golden::{name} ... FAILED");
                failures.push((name.clone(), reasons));
            }
        }
    }
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, reasons) in &failures {
            println!("\n---- golden::{name} ----");
            for r in reasons {
                println!("  {r}");
            }
        }
        println!(
            "\npictures (expected | diff | actual) and actual outputs are in {}",
            run.failures_dir.display()
        );
    }
    if run.update {
        println!(
            "\nUPDATE_GOLDENS is set: inputs and references were rewritten; review them with \
             `git diff fixtures/golden` and run again without it. This run fails on purpose."
        );
    }
    let summary = format!("{passed} passed, {failed} failed, {skipped} skipped");
    println!("\ngolden: {summary}");
    if failed > 0 || run.update {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The command line a test binary gets from `cargo test`: filters, `--exact`, `--skip`,
/// `--list`; the flags of the standard harness that do not apply here are accepted and
/// ignored.
#[derive(Default)]
struct Args {
    filters: Vec<String>,
    skips: Vec<String>,
    exact: bool,
    list: bool,
}

impl Args {
    fn parse() -> Self {
        let mut args = Args::default();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            match a.as_str() {
                "--list" => args.list = true,
                "--exact" => args.exact = true,
                "--skip" => args.skips.extend(it.next()),
                // Standard harness options with a value.
                "--test-threads" | "--color" | "--format" | "--logfile" | "-Z" => {
                    it.next();
                }
                s if s.starts_with('-') => {}
                _ => args.filters.push(a),
            }
        }
        args
    }

    fn selects(&self, name: &str) -> bool {
        let full = format!("golden::{name}");
        let hit = |f: &String| {
            if self.exact {
                f == name || *f == full
            } else {
                full.contains(f.as_str())
            }
        };
        (self.filters.is_empty() || self.filters.iter().any(hit))
            && !self.skips.iter().any(|s| full.contains(s.as_str()))
    }
}

/// Runs one case and says how it went.
fn run_case(
    run: &Run,
    name: &str,
    dir: &Path,
    generated: Option<&generate::GeneratedCase>,
) -> Outcome {
    let mut report = Report::default();
    let out_dir = run.failures_dir.join(name);
    // Pictures of an earlier failure would mislead.
    let _ = std::fs::remove_dir_all(&out_dir);

    if let Some(case) = generated {
        for (file, bytes) in &case.files {
            let path = dir.join(file);
            match std::fs::read(&path) {
                Ok(committed) if committed == *bytes => {}
                _ if run.update => write_file(&path, bytes, &mut report),
                Ok(_) => report.problem(format!(
                    "{file} differs from what tests/golden/generate.rs makes; run with \
                     UPDATE_GOLDENS=1 and commit the result"
                )),
                Err(e) => report.problem(format!(
                    "{file}: {e}; run with UPDATE_GOLDENS=1 to generate the case"
                )),
            }
        }
        if !report.problems.is_empty() {
            return Outcome::Failed(report.problems);
        }
    }

    let cfg = match CaseConfig::load(&dir.join("case.json")) {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(vec![e]),
    };
    if cfg.renderer == RendererName::Pdfium {
        if let Err(e) = engine::pdfium_available() {
            if run.require_pdfium {
                return Outcome::Failed(vec![format!("DIAGRAM_CONVERT_REQUIRE_PDFIUM=1: {e}")]);
            }
            return Outcome::Skipped(e);
        }
    }

    let pages = match engine::convert(dir, &cfg, cfg.annotate_png) {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(vec![e]),
    };
    // The SVG carries the highlights, so it is compared with the PNG that has them too.
    let annotated = if cfg.annotate_png {
        None
    } else {
        match engine::convert(dir, &cfg, true) {
            Ok(p) => Some(p),
            Err(e) => return Outcome::Failed(vec![format!("with annotate_png: {e}")]),
        }
    };

    // The annotations sit on the marks the generator drew, on the page without highlights.
    if generated.is_some() {
        let converted;
        let bare = if cfg.annotate_png {
            converted = match engine::convert(dir, &cfg, false) {
                Ok(p) => p,
                Err(e) => return Outcome::Failed(vec![format!("without annotate_png: {e}")]),
            };
            &converted
        } else {
            &pages
        };
        let request = std::fs::read(dir.join("request.json")).unwrap_or_default();
        for page in bare {
            match compare::decode(&page.png) {
                Ok(png) => report.problems.extend(marks::check(&request, page.page, &png)),
                Err(e) => report.problem(format!("page-{}.png: {e}", page.page)),
            }
        }
    }

    let png_tol = Tolerance { channel: cfg.png_tolerance, max_pixels: cfg.png_max_pixels };
    let mut produced = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let n = page.page;
        let (png_name, svg_name) = (format!("page-{n}.png"), format!("page-{n}.svg"));
        check_png(run, dir, &out_dir, &png_name, &page.png, png_tol, &mut report);
        check_svg(run, dir, &out_dir, &svg_name, &page.svg, &mut report);
        let with_highlights = match &annotated {
            Some(a) => a.get(i).map(|p| &p.png),
            None => Some(&page.png),
        };
        match with_highlights {
            Some(png) => {
                let case = (name, dir);
                if let Err(e) = check_svg_raster(run, case, &out_dir, n, &page.svg, png, &cfg) {
                    report.problem(format!("page-{n}.svg rasterised with resvg: {e}"));
                }
            }
            None => report.problem(format!("page {n} is missing from the annotated run")),
        }
        produced.push(png_name);
        produced.push(svg_name);
    }
    check_extra_references(run, dir, &produced, &mut report);

    if !report.problems.is_empty() {
        Outcome::Failed(report.problems)
    } else if !report.updated.is_empty() {
        Outcome::Updated(report.updated)
    } else {
        Outcome::Passed
    }
}

/// References must stay small (resvg and typst cap them near 20 KiB).
const MAX_REFERENCE_BYTES: usize = 20 * 1024;

fn write_file(path: &Path, bytes: &[u8], report: &mut Report) {
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|_| std::fs::write(path, bytes));
    match written {
        Ok(()) => report
            .updated
            .push(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()),
        Err(e) => report.problem(format!("cannot write {}: {e}", path.display())),
    }
}

fn save_actual(out_dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = out_dir.join(format!("actual-{name}"));
    let _ = std::fs::create_dir_all(out_dir);
    let _ = std::fs::write(&path, bytes);
    path
}

/// The reference's bytes, or `None` after handling update mode or a missing reference.
fn reference(
    run: &Run,
    dir: &Path,
    out_dir: &Path,
    name: &str,
    actual: &[u8],
    report: &mut Report,
) -> Option<Vec<u8>> {
    if actual.len() > MAX_REFERENCE_BYTES {
        report.problem(format!(
            "{name} is {} bytes, more than the {MAX_REFERENCE_BYTES} a reference may take; \
             use a smaller page or a lower dpi",
            actual.len()
        ));
    }
    let path = dir.join(name);
    let expected = std::fs::read(&path);
    if run.update {
        if expected.as_deref().ok() != Some(actual) {
            write_file(&path, actual, report);
        }
        return None;
    }
    match expected {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            save_actual(out_dir, name, actual);
            report.problem(format!("{name}: missing reference ({e}); run with UPDATE_GOLDENS=1"));
            None
        }
    }
}

fn check_png(
    run: &Run,
    dir: &Path,
    out_dir: &Path,
    name: &str,
    actual: &[u8],
    tol: Tolerance,
    report: &mut Report,
) {
    let Some(expected) = reference(run, dir, out_dir, name, actual, report) else { return };
    if expected == actual {
        return;
    }
    let (exp, act) = match (compare::decode(&expected), compare::decode(actual)) {
        (Ok(e), Ok(a)) => (e, a),
        (Err(e), _) => return report.problem(format!("{name} (reference): {e}")),
        (_, Err(e)) => return report.problem(format!("{name} (actual): {e}")),
    };
    let picture = out_dir.join(name);
    match compare::compare(&exp, &act, tol) {
        Ok(cmp) if compare::within(&cmp, tol) => {
            if run.verbose {
                println!(
                    "  {name}: bytes differ, pixels within tolerance: {} of {} beyond {}, \
                     largest difference {}",
                    cmp.differing, cmp.total, tol.channel, cmp.max_channel_diff
                );
            }
        }
        Ok(cmp) => {
            save_actual(out_dir, name, actual);
            let written = compare::write_diff(&picture, &exp, &act, tol.channel)
                .map(|_| format!("see {}", picture.display()))
                .unwrap_or_else(|e| e);
            report.problem(format!(
                "{name}: {} of {} pixels differ by more than {} (largest difference {}); {written}",
                cmp.differing, cmp.total, tol.channel, cmp.max_channel_diff
            ));
        }
        Err(why) => {
            save_actual(out_dir, name, actual);
            let _ = compare::write_diff(&picture, &exp, &act, tol.channel);
            report.problem(format!("{name}: {why}; see {}", picture.display()));
        }
    }
}

fn check_svg(
    run: &Run,
    dir: &Path,
    out_dir: &Path,
    name: &str,
    actual: &[u8],
    report: &mut Report,
) {
    let Some(expected) = reference(run, dir, out_dir, name, actual, report) else { return };
    if expected == actual {
        return;
    }
    let saved = save_actual(out_dir, name, actual);
    let (e, a) = (String::from_utf8_lossy(&expected), String::from_utf8_lossy(actual));
    let line = e
        .lines()
        .zip(a.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| e.lines().count().min(a.lines().count()));
    let show = |s: &str| -> String {
        s.lines().nth(line).unwrap_or("<end of file>").chars().take(160).collect()
    };
    report.problem(format!(
        "{name}: the SVG text differs from line {}:\n    expected: {}\n    actual:   {}\n    \
         (actual written to {})",
        line + 1,
        show(&e),
        show(&a),
        saved.display()
    ));
}

/// Rasterises the SVG with resvg at the PNG's size and compares it with the PNG that
/// carries the same highlights. A gray PNG is compared in RGB, so a grayscale SVG with
/// colour left in it fails.
fn check_svg_raster(
    run: &Run,
    (case, dir): (&str, &Path),
    out_dir: &Path,
    page: u32,
    svg: &[u8],
    png: &[u8],
    cfg: &CaseConfig,
) -> Result<(), String> {
    let png = compare::decode(png)?;
    let raster = compare::rasterise_svg(svg, png.width(), png.height())?;
    let expected = image::DynamicImage::ImageRgb8(png.to_rgb8());
    let area = png.width() as f64 * png.height() as f64;
    let raster_layer = String::from_utf8_lossy(svg).contains("data-layer=\"raster\"");
    let tol = Tolerance {
        channel: cfg.svg_raster_tolerance,
        max_pixels: (cfg.svg_raster_max_share(raster_layer) * area) as u64,
    };
    let cmp = compare::compare(&expected, &raster, tol)?;
    // Each highlight on its own: the whole-page share above would let a small highlight
    // vanish from the SVG.
    let mut highlights = Vec::new();
    for (text, region) in highlight_regions(dir, page, png.width(), png.height())? {
        let (differing, total) = compare::compare_region(&expected, &raster, tol.channel, region);
        let share = differing as f64 / total.max(1) as f64;
        if run.verbose {
            println!(
                "  {case} page-{page}.svg vs PNG, highlight {text}: {differing} of {total} \
                 pixels beyond {} ({:.2}%)",
                tol.channel,
                100.0 * share
            );
        }
        if share > HIGHLIGHT_SHARE {
            highlights.push(format!(
                "highlight {text}: {differing} of {total} pixels around it differ by more than \
                 {} (allowed {:.0}%)",
                tol.channel,
                100.0 * HIGHLIGHT_SHARE
            ));
        }
    }
    if !highlights.is_empty() {
        return Err(highlights.join("; "));
    }
    if run.verbose {
        let _ = std::fs::create_dir_all(out_dir);
        let _ = raster.save(out_dir.join(format!("page-{page}-svg-resvg.png")));
        println!(
            "  {case} page-{page}.svg vs PNG: {} of {} pixels beyond {} ({:.3}%), largest \
             difference {}",
            cmp.differing,
            cmp.total,
            tol.channel,
            100.0 * cmp.differing as f64 / area,
            cmp.max_channel_diff
        );
    }
    if compare::within(&cmp, tol) {
        return Ok(());
    }
    let picture = out_dir.join(format!("page-{page}-svg-vs-png.png"));
    let written = compare::write_diff(&picture, &expected, &raster, tol.channel)
        .map(|_| format!("see {} (PNG | diff | SVG)", picture.display()))
        .unwrap_or_else(|e| e);
    Err(format!(
        "{} of {} pixels differ from the PNG by more than {} (allowed {}, largest difference \
         {}); {written}",
        cmp.differing, cmp.total, tol.channel, tol.max_pixels, cmp.max_channel_diff
    ))
}

/// The largest share of the pixels around one highlight (its box grown by
/// [`HIGHLIGHT_MARGIN`]) that may differ between the SVG rasterised by resvg and the PNG
/// by more than the case's channel tolerance. The whole-page share would let a small
/// highlight vanish. Measured on the generated cases (`GOLDEN_VERBOSE=1`): 0 to 3.2 % for
/// the boxes on filled marks, 4.9 to 6.8 % for the box on the text line (glyph edges of
/// the two rasterisers); a highlight missing from the SVG differs on its whole 3-px
/// outline, about 30 % of these pixels for the text's box.
const HIGHLIGHT_SHARE: f64 = 0.10;

/// Pixels added on each side of a highlight's box: half the default 3-px outline and one
/// pixel of anti-aliasing, rounded up.
const HIGHLIGHT_MARGIN: f64 = 3.0;

/// The annotations of `page` in the case's `request.json`, each with its pixel box on a
/// page of `width` x `height` grown by [`HIGHLIGHT_MARGIN`].
#[allow(clippy::type_complexity)]
fn highlight_regions(
    dir: &Path,
    page: u32,
    width: u32,
    height: u32,
) -> Result<Vec<(String, (u32, u32, u32, u32))>, String> {
    let path = dir.join("request.json");
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let request = diagram_core::parse_request(&bytes, &Default::default())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let (w, h) = (width as f64, height as f64);
    let px = |v: f64, side: f64| v.clamp(0.0, side) as u32;
    Ok(request
        .items
        .iter()
        .flat_map(|item| &item.annotations)
        .filter(|a| a.region.page == page)
        .map(|a| {
            let (x0, y0, x1, y1) = a.region.bbox();
            let m = HIGHLIGHT_MARGIN;
            let region = (
                px((x0 * w - m).floor(), w),
                px((y0 * h - m).floor(), h),
                px((x1 * w + m).ceil(), w),
                px((y1 * h + m).ceil(), h),
            );
            (a.text.clone(), region)
        })
        .collect())
}

/// A reference with no page behind it (a page the engine no longer produces) fails; in
/// update mode it is removed.
fn check_extra_references(run: &Run, dir: &Path, produced: &[String], report: &mut Report) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut names: Vec<String> =
        entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    for name in names {
        let is_reference =
            name.starts_with("page-") && (name.ends_with(".png") || name.ends_with(".svg"));
        if !is_reference || produced.contains(&name) {
            continue;
        }
        if run.update {
            match std::fs::remove_file(dir.join(&name)) {
                Ok(()) => report.updated.push(format!("{name} removed")),
                Err(e) => report.problem(format!("cannot remove {name}: {e}")),
            }
        } else {
            report.problem(format!("{name}: a reference for a page the engine did not produce"));
        }
    }
}
