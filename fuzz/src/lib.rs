//! The bodies of diagram-convert's fuzz targets, one function per target, shared by the
//! libFuzzer binaries in `fuzz_targets/` (built and run by `scripts/fuzz.sh`).
//!
//! Each function takes the fuzzer's bytes and must return without panicking, without
//! aborting and within [`ALLOC_LIMIT`] of memory, whatever the bytes are. Each also checks
//! a few properties that must hold for any input (a request that parses also validates;
//! a rendered page has its plan's size), so that wrong answers count as findings too.
#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use cap::Cap;
use diagram_core::{
    parse_request, Annotation, ColorMode, ConvertRequest, Deadline, FileRef, InstanceId, Limits,
    Region, RequestItem, ShapeKind, ValidateOptions, Vertex,
};
use diagram_raster::{sniff, Document, InputKind, RenderOptions};

/// The most memory the code under test may hold at once, in bytes: 1 GiB, the default
/// memory limit of a conversion worker (issue 10). An input that needs more makes an
/// allocation fail, which aborts the process ("memory allocation of N bytes failed"), as
/// it would abort a worker: libFuzzer reports it as a crash and keeps the input.
pub const ALLOC_LIMIT: usize = 1 << 30;

#[global_allocator]
static ALLOCATOR: Cap<std::alloc::System> = Cap::new(std::alloc::System, ALLOC_LIMIT);

/// The limits every page target runs under: small, so that a well-behaved input stays a
/// few megabytes, and so that the checks at the limits are reached by small inputs.
pub fn page_limits() -> Limits {
    Limits {
        max_pages: 8,
        // 512 x 512: a Letter page at the targets' 12 DPI is 102 x 132 pixels.
        max_pixels: 1 << 18,
        max_image_bytes: 64 << 20,
        // A wall-clock deadline makes a run depend on the machine, but without one a
        // form-XObject fan-out would stall the fuzzer until libFuzzer's -timeout. Inputs
        // that hit it are not findings; inputs that overrun it many times over are.
        page_time_limit: Some(Duration::from_secs(2)),
        ..Limits::default()
    }
}

/// The DPI of the PDF target: low, so that the time goes to parsing and interpreting.
pub const PDF_DPI: f64 = 12.0;

/// Target `request`: the bytes as a request file, through [`parse_request`], in both the
/// lenient and the strict mode.
///
/// Properties: a request that parses passes [`ConvertRequest::validate`] with the same
/// options; one that parses in strict mode parses in lenient mode; written back as JSON it
/// parses again, to a request with the same items; every refusal has at least one line.
pub fn request(data: &[u8]) {
    let lenient = ValidateOptions::default();
    let strict = ValidateOptions { strict: true, ..ValidateOptions::default() };
    let parsed = check_parse(data, &lenient);
    if check_parse(data, &strict).is_some() {
        assert!(parsed.is_some(), "accepted in strict mode but refused in lenient mode");
    }
}

fn check_parse(data: &[u8], options: &ValidateOptions) -> Option<ConvertRequest> {
    match parse_request(data, options) {
        Ok(request) => {
            if let Err(e) = request.validate(options) {
                panic!("parse_request accepted what validate refuses: {:?}", e.lines());
            }
            let again = serde_json::to_vec(&request).expect("a parsed request serialises");
            match parse_request(&again, options) {
                Ok(back) => assert_eq!(back.items.len(), request.items.len()),
                Err(e) => panic!("a parsed request, written back, is refused: {:?}", e.lines()),
            }
            Some(request)
        }
        Err(e) => {
            assert!(!e.lines().is_empty(), "a refusal without a reason");
            None
        }
    }
}

/// Target `request_model`: a [`ConvertRequest`] built in Rust from the bytes (with
/// non-finite coordinates, empty lists and limits as small as 0), through
/// [`ConvertRequest::validate`].
///
/// Property: `validate` and [`parse_request`] of the request's JSON agree, except where
/// JSON cannot hold the request (a coordinate or confidence that is not finite), which
/// `validate` must refuse.
pub fn request_model(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((options, request)) = model_request(&mut u) else { return };
    let verdict = request.validate(&options);
    let non_finite = request.items.iter().flat_map(|i| &i.annotations).any(|a| {
        a.confidence.is_some_and(|c| !c.is_finite())
            || a.region.vertices.iter().any(|v| !(v.x.is_finite() && v.y.is_finite()))
    });
    if non_finite {
        assert!(verdict.is_err(), "validate accepted a non-finite number");
        return;
    }
    let json = serde_json::to_vec(&request).expect("a finite request serialises");
    // serde_json's default float parsing reads some numbers back one unit in the last
    // place off (its `float_roundtrip` feature is off), which can move a number or an
    // entity's size across a limit; compare only requests that JSON carries exactly.
    if serde_json::from_slice::<ConvertRequest>(&json).ok().as_ref() != Some(&request) {
        return;
    }
    let parsed = parse_request(&json, &options);
    match (&verdict, &parsed) {
        (Ok(()), Ok(_)) => {}
        (Err(a), Err(b)) if a.lines() == b.lines() => {}
        _ => panic!(
            "validate says {:?}, parse_request says {:?} of {}",
            verdict.as_ref().map_err(|e| e.lines()),
            parsed.as_ref().map(|_| ()).map_err(|e| e.lines()),
            String::from_utf8_lossy(&json),
        ),
    }
}

fn model_request(u: &mut Unstructured<'_>) -> arbitrary::Result<(ValidateOptions, ConvertRequest)> {
    // Small limits, so that both sides of each one are reached.
    let limits = Limits {
        max_items: u.int_in_range(0..=4)?,
        max_annotations: u.int_in_range(0..=4)?,
        max_vertices: u.int_in_range(0..=6)?,
        max_entities: u.int_in_range(0..=3)?,
        max_entity_fields: u.int_in_range(0..=3)?,
        max_entity_bytes: u.int_in_range(0..=64)?,
        max_text_bytes: u.int_in_range(0..=16)?,
        max_id_bytes: u.int_in_range(0..=16)?,
        ..Limits::default()
    };
    let options = ValidateOptions { strict: bool::arbitrary(u)?, limits };
    let items = (0..u.int_in_range(0..=5)?).map(|_| model_item(u)).collect::<Result<_, _>>()?;
    Ok((options, ConvertRequest { items, grayscale: bool::arbitrary(u)? }))
}

fn model_item(u: &mut Unstructured<'_>) -> arbitrary::Result<RequestItem> {
    let file = match u.int_in_range(0..=2)? {
        0 => FileRef::Id(i64::arbitrary(u)?),
        1 => FileRef::ExternalId(String::arbitrary(u)?),
        _ => FileRef::InstanceId(InstanceId {
            space: String::arbitrary(u)?,
            external_id: String::arbitrary(u)?,
        }),
    };
    let annotations =
        (0..u.int_in_range(0..=5)?).map(|_| model_annotation(u)).collect::<Result<_, _>>()?;
    Ok(RequestItem { file, annotations })
}

fn model_annotation(u: &mut Unstructured<'_>) -> arbitrary::Result<Annotation> {
    let shape = if bool::arbitrary(u)? { ShapeKind::Rectangle } else { ShapeKind::Polygon };
    let vertices = (0..u.int_in_range(0..=7)?)
        .map(|_| Ok(Vertex { x: coordinate(u)?, y: coordinate(u)? }))
        .collect::<arbitrary::Result<_>>()?;
    let confidence = if bool::arbitrary(u)? { Some(coordinate(u)?) } else { None };
    let entities = if bool::arbitrary(u)? {
        let list = (0..u.int_in_range(0..=4)?)
            .map(|_| {
                (0..u.int_in_range(0..=4)?)
                    .map(|_| Ok((String::arbitrary(u)?, entity_value(u)?)))
                    .collect::<arbitrary::Result<serde_json::Map<_, _>>>()
            })
            .collect::<arbitrary::Result<_>>()?;
        Some(list)
    } else {
        None
    };
    Ok(Annotation {
        text: String::arbitrary(u)?,
        confidence,
        region: Region { shape, page: u32::arbitrary(u)?, vertices },
        entities,
    })
}

/// A number near the valid range [0, 1] most of the time, its edges, or anything.
fn coordinate(u: &mut Unstructured<'_>) -> arbitrary::Result<f64> {
    Ok(match u.int_in_range(0..=5)? {
        0 => 0.0,
        1 => 1.0,
        2 => f64::from(u.int_in_range(0..=1000u32)?) / 1000.0,
        3 => f64::from(u.int_in_range(0..=1000u32)?) / 1000.0 - 0.5,
        4 => *u.choose(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, f64::MIN_POSITIVE])?,
        _ => f64::arbitrary(u)?,
    })
}

fn entity_value(u: &mut Unstructured<'_>) -> arbitrary::Result<serde_json::Value> {
    use serde_json::Value;
    Ok(match u.int_in_range(0..=4)? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(i64::arbitrary(u)?),
        3 => serde_json::Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        _ => Value::String(String::arbitrary(u)?),
    })
}

/// Target `pdf`: the bytes as a PDF through [`Document::open`], then the first pages
/// planned and rendered by hayro at [`PDF_DPI`] under [`page_limits`]. Bytes that are
/// not recognised as a PDF are skipped (the `image` target covers the others).
///
/// Properties: a plan stays within `max_pixels`; a rendered page has the plan's size.
pub fn pdf(data: &[u8]) {
    if !matches!(sniff(data), Ok(InputKind::Pdf)) {
        return;
    }
    // The colour mode comes from the input, so that both paths are fuzzed.
    let colors = if data.len().is_multiple_of(2) { ColorMode::Gray } else { ColorMode::Rgb };
    open_and_render(data, &RenderOptions { dpi: PDF_DPI, ..RenderOptions::default() }, colors);
}

/// Target `image`: the bytes as a PNG, JPEG or TIFF through [`Document::open`], then its
/// first pages planned and rendered under [`page_limits`]. Bytes recognised as a PDF, or
/// not at all, are skipped.
///
/// Properties: as for [`pdf`].
pub fn image(data: &[u8]) {
    if !matches!(sniff(data), Ok(InputKind::Png | InputKind::Jpeg | InputKind::Tiff)) {
        return;
    }
    let colors = if data.len().is_multiple_of(2) { ColorMode::Gray } else { ColorMode::Rgb };
    // Half the time at a quarter of the size: the resampling path.
    let image_scale = if data.len() % 4 < 2 { 1.0 } else { 0.25 };
    open_and_render(data, &RenderOptions { image_scale, ..RenderOptions::default() }, colors);
}

fn open_and_render(data: &[u8], options: &RenderOptions, colors: ColorMode) {
    let limits = page_limits();
    let Ok(doc) = Document::open(Arc::from(data), &limits) else { return };
    assert!((1..=limits.max_pages).contains(&doc.page_count()), "{} pages", doc.page_count());
    for index in 0..doc.page_count().min(3) {
        let Ok(plan) = doc.plan(index, options, &limits) else { continue };
        let size = plan.frame.size();
        assert!(size.area() <= limits.max_pixels, "planned {size} over the pixel limit");
        let deadline = Deadline::after(limits.page_time_limit);
        if let Ok(page) = doc.render(&plan, colors, deadline) {
            assert_eq!(page.image.size(), Some(size), "rendered at another size than planned");
        }
    }
}
