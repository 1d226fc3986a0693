//! That each annotation of a generated case sits on the mark `generate.rs` drew for it,
//! found in the page as rendered without highlights: the annotations' coordinates are
//! computed by hand-written formulas in the generator, so this catches a regenerated case
//! whose boxes and drawing came apart (and a geometry change that moves the page under
//! boxes that stay put).

use image::{DynamicImage, RgbImage};

/// Most pixels between a filled mark's edge and its annotation's box on any side: the
/// generator leaves 4 units (at 50 DPI, 2.8 px) around the square and the bar and 4 px in
/// the images; measured gaps 2 to 5 px.
const MAX_GAP: i64 = 6;

/// The same for the triangle, whose polygon leaves up to 12 units (8.3 px) and whose
/// sharp corners lose their anti-aliased tips to the fill tolerance: measured 4 to 10.
const MAX_GAP_TRIANGLE: i64 = 11;

/// Two pixels belong to one filled mark when no channel differs by more than this (flat
/// fills, with JPEG's noise).
const FILL_TOLERANCE: u8 = 24;

/// Pixels darker than this in every channel are ink (text, ramp).
const INK: u8 = 128;

/// Ring around a text or ramp box that must hold no ink: the text sits inside its box.
/// (The square is 14 units, 4.9 px at half size, from the text box.)
const RING: i64 = 3;

/// Checks every annotation of `page` (from the case's `request.json` bytes) against the
/// page's pixels, returning what is wrong.
pub fn check(request: &[u8], page: u32, png: &DynamicImage) -> Vec<String> {
    let request = match diagram_core::parse_request(request, &Default::default()) {
        Ok(r) => r,
        Err(e) => return vec![format!("request.json: {e}")],
    };
    let img = png.to_rgb8();
    let (w, h) = (img.width() as f64, img.height() as f64);
    let mut problems = Vec::new();
    for a in request.items.iter().flat_map(|i| &i.annotations).filter(|a| a.region.page == page) {
        let (x0, y0, x1, y1) = a.region.bbox();
        let bx = [(x0 * w).round(), (y0 * h).round(), (x1 * w).round(), (y1 * h).round()]
            .map(|v| v as i64);
        let n = a.region.vertices.len() as f64;
        let cx = a.region.vertices.iter().map(|v| v.x).sum::<f64>() / n * w;
        let cy = a.region.vertices.iter().map(|v| v.y).sum::<f64>() / n * h;
        let problem = match a.text.as_str() {
            // Filled marks: the square, the bar and the triangle.
            "V-101" | "HX-200" => filled(&img, bx, (cx as i64, cy as i64), MAX_GAP),
            "TRI-1" => filled(&img, bx, (cx as i64, cy as i64), MAX_GAP_TRIANGLE),
            // Ink: the text line, the gray ramp.
            "21-PT-1019" | "RAMP" => ink(&img, bx),
            other => Err(format!("no mark is drawn for {other}")),
        };
        if let Err(e) = problem {
            problems.push(format!("page {page}, {}: {e} (box {bx:?})", a.text));
        }
    }
    problems
}

fn px(img: &RgbImage, x: i64, y: i64) -> Option<[u8; 3]> {
    let inside = x >= 0 && y >= 0 && x < img.width() as i64 && y < img.height() as i64;
    inside.then(|| img.get_pixel(x as u32, y as u32).0)
}

/// The mark under the vertices' centroid, flood-filled by colour, lies inside the box
/// and fills it up to `max_gap` pixels on each side.
fn filled(
    img: &RgbImage,
    [x0, y0, x1, y1]: [i64; 4],
    (cx, cy): (i64, i64),
    max_gap: i64,
) -> Result<(), String> {
    let seed = px(img, cx, cy).ok_or("the box's centre is off the page")?;
    if seed.iter().all(|&c| c > 235) {
        return Err(format!("no mark under the centre ({cx}, {cy}): {seed:?}"));
    }
    let same = |p: [u8; 3]| p.iter().zip(seed).all(|(a, b)| a.abs_diff(b) <= FILL_TOLERANCE);
    let (w, h) = (img.width() as i64, img.height() as i64);
    let mut seen = vec![false; (w * h) as usize];
    let mut stack = vec![(cx, cy)];
    let mut b = [cx, cy, cx, cy];
    while let Some((x, y)) = stack.pop() {
        let Some(p) = px(img, x, y) else { continue };
        let i = (y * w + x) as usize;
        if seen[i] || !same(p) {
            continue;
        }
        seen[i] = true;
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        stack.extend([(x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)]);
    }
    // b is inclusive: the mark covers pixels b[0]..=b[2]; the box covers x0..x1.
    let gaps = [b[0] - x0, b[1] - y0, x1 - 1 - b[2], y1 - 1 - b[3]];
    if gaps.iter().any(|&g| g < 0) {
        return Err(format!("the mark {b:?} reaches out of its box (gaps {gaps:?})"));
    }
    if gaps.iter().any(|&g| g > max_gap) {
        return Err(format!(
            "the box is more than {max_gap} px larger than its mark {b:?} (gaps {gaps:?})"
        ));
    }
    Ok(())
}

/// Ink inside the box, none in a ring of [`RING`] pixels around it.
fn ink(img: &RgbImage, [x0, y0, x1, y1]: [i64; 4]) -> Result<(), String> {
    let dark = |x, y| px(img, x, y).is_some_and(|p| p.iter().all(|&c| c < INK));
    let (mut inside, mut outside) = (0, Vec::new());
    for y in y0 - RING..y1 + RING {
        for x in x0 - RING..x1 + RING {
            if !dark(x, y) {
                continue;
            }
            if (x0..x1).contains(&x) && (y0..y1).contains(&y) {
                inside += 1;
            } else {
                outside.push((x, y));
            }
        }
    }
    // The text at half size (multipage page 3) has 10 to 15.
    if inside < 5 {
        return Err(format!("only {inside} ink pixels inside the box"));
    }
    if !outside.is_empty() {
        return Err(format!("ink around the box, e.g. at {:?}", &outside[..outside.len().min(3)]));
    }
    Ok(())
}
