//! Page geometry: from a PDF page's boxes, `/Rotate` and `/UserUnit` (or an image's pixel
//! size) to the displayed page size and the transforms into output pixels.
//!
//! Annotations are normalised to the page *as displayed*: after the crop box and the
//! rotation are applied, origin at the top-left corner, y down. A [`PageGeometry`] gives
//! the pixel size of that displayed page at a resolution, and [`Transform`]s that map
//! PDF user space and normalised coordinates onto those pixels, so that the corners of
//! the displayed page land exactly on the corners of the pixmap.

use std::fmt;

/// A rectangle in PDF user space, normalised so that `x0 <= x1` and `y0 <= y1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PdfRect {
    /// Left edge.
    pub x0: f64,
    /// Bottom edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Top edge.
    pub y1: f64,
}

impl PdfRect {
    /// A rectangle from two corners in any order; `None` if a coordinate is not finite.
    pub fn new(xa: f64, ya: f64, xb: f64, yb: f64) -> Option<Self> {
        if ![xa, ya, xb, yb].iter().all(|v| v.is_finite()) {
            return None;
        }
        Some(Self { x0: xa.min(xb), y0: ya.min(yb), x1: xa.max(xb), y1: ya.max(yb) })
    }

    /// Width in user units.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height in user units.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// The overlap of two rectangles, `None` when they do not overlap with a positive area.
    pub fn intersect(&self, other: &PdfRect) -> Option<PdfRect> {
        let r = PdfRect {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        };
        (r.width() > 0.0 && r.height() > 0.0).then_some(r)
    }
}

/// A page rotation, clockwise, as `/Rotate` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rotation {
    /// Upright.
    R0,
    /// 90 degrees clockwise.
    R90,
    /// Upside down.
    R180,
    /// 270 degrees clockwise.
    R270,
}

impl Rotation {
    /// From a `/Rotate` value: any multiple of 90, negative ones included; `None` otherwise.
    pub fn from_degrees(degrees: i64) -> Option<Self> {
        if degrees % 90 != 0 {
            return None;
        }
        Some(match degrees.rem_euclid(360) {
            0 => Rotation::R0,
            90 => Rotation::R90,
            180 => Rotation::R180,
            _ => Rotation::R270,
        })
    }

    /// The rotation in degrees, 0, 90, 180 or 270.
    pub fn degrees(self) -> u16 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }

    /// Whether the displayed page has width and height swapped.
    pub fn is_sideways(self) -> bool {
        matches!(self, Rotation::R90 | Rotation::R270)
    }
}

/// A 2D affine transform `(x, y) -> (a x + c y + e, b x + d y + f)`, the PDF order of
/// coefficients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transform {
    /// x scale / rotation.
    pub a: f64,
    /// y shear / rotation.
    pub b: f64,
    /// x shear / rotation.
    pub c: f64,
    /// y scale / rotation.
    pub d: f64,
    /// x translation.
    pub e: f64,
    /// y translation.
    pub f: f64,
}

impl Transform {
    /// The identity.
    pub const IDENTITY: Transform = Transform { a: 1.0, b: 0.0, c: 0.0, d: 1.0, e: 0.0, f: 0.0 };

    /// Maps a point.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        (self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f)
    }

    /// `self` after `first`: the transform that applies `first`, then `self`.
    pub fn after(&self, first: &Transform) -> Transform {
        Transform {
            a: self.a * first.a + self.c * first.b,
            b: self.b * first.a + self.d * first.b,
            c: self.a * first.c + self.c * first.d,
            d: self.b * first.c + self.d * first.d,
            e: self.a * first.e + self.c * first.f + self.e,
            f: self.b * first.e + self.d * first.f + self.f,
        }
    }

    /// The inverse, `None` when the transform is singular.
    pub fn invert(&self) -> Option<Transform> {
        let det = self.a * self.d - self.b * self.c;
        if det == 0.0 || !det.is_finite() {
            return None;
        }
        let (a, b, c, d) = (self.d / det, -self.b / det, -self.c / det, self.a / det);
        Some(Transform { a, b, c, d, e: -(a * self.e + c * self.f), f: -(b * self.e + d * self.f) })
    }

    /// The coefficients `[a, b, c, d, e, f]`.
    pub fn coeffs(&self) -> [f64; 6] {
        [self.a, self.b, self.c, self.d, self.e, self.f]
    }
}

/// Why a page's geometry could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeometryError {
    /// The media box has no area or a non-finite coordinate.
    #[error("the page's media box {0:?} has no area")]
    EmptyMediaBox([f64; 4]),
    /// `/Rotate` is not a multiple of 90.
    #[error("the page's /Rotate {0} is not a multiple of 90")]
    BadRotation(i64),
    /// `/UserUnit` is not a positive finite number.
    #[error("the page's /UserUnit {0} is not a positive number")]
    BadUserUnit(f64),
    /// An image with a zero side.
    #[error("the image is {0}x{1} pixels")]
    EmptyImage(u32, u32),
}

/// A whole number of output pixels, each side at least 1 (built only by
/// [`PixelSize::new`] or from a [`PageGeometry`], so a zero side cannot be represented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PixelSize {
    width: u32,
    height: u32,
}

impl PixelSize {
    /// A size of `width` x `height` pixels; `None` when a side is 0.
    ///
    /// ```
    /// use diagram_core::PixelSize;
    ///
    /// assert_eq!(PixelSize::new(3, 2).map(|s| s.area()), Some(6));
    /// assert_eq!(PixelSize::new(0, 2), None);
    /// ```
    pub const fn new(width: u32, height: u32) -> Option<Self> {
        if width == 0 || height == 0 {
            None
        } else {
            Some(Self { width, height })
        }
    }

    /// Width in pixels, at least 1.
    pub const fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels, at least 1.
    pub const fn height(&self) -> u32 {
        self.height
    }

    /// The number of pixels.
    pub const fn area(&self) -> u64 {
        self.width as u64 * self.height as u64
    }
}

impl fmt::Display for PixelSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// The geometry of one page: the visible box in user space, its rotation and unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    /// The visible area: the crop box clipped to the media box (user space).
    pub visible: PdfRect,
    /// The clockwise display rotation.
    pub rotation: Rotation,
    /// Size of one user unit in points (1/72 inch); 1 unless `/UserUnit` says otherwise.
    /// For an image, one user unit is one pixel and this is 1.
    pub user_unit: f64,
    /// Whether this is an image, measured in pixels rather than points.
    pub is_image: bool,
}

impl PageGeometry {
    /// The geometry of a PDF page. A missing or disjoint crop box falls back to the
    /// media box, as PDF viewers do; a missing `/UserUnit` is 1.
    pub fn pdf(
        media_box: [f64; 4],
        crop_box: Option<[f64; 4]>,
        rotate: i64,
        user_unit: Option<f64>,
    ) -> Result<Self, GeometryError> {
        let [a, b, c, d] = media_box;
        let media = PdfRect::new(a, b, c, d)
            .filter(|r| r.width() > 0.0 && r.height() > 0.0)
            .ok_or(GeometryError::EmptyMediaBox(media_box))?;
        let visible = crop_box
            .and_then(|[a, b, c, d]| PdfRect::new(a, b, c, d))
            .and_then(|crop| crop.intersect(&media))
            .unwrap_or(media);
        let rotation = Rotation::from_degrees(rotate).ok_or(GeometryError::BadRotation(rotate))?;
        let user_unit = user_unit.unwrap_or(1.0);
        if !(user_unit.is_finite() && user_unit > 0.0) {
            return Err(GeometryError::BadUserUnit(user_unit));
        }
        Ok(Self { visible, rotation, user_unit, is_image: false })
    }

    /// The geometry of an image of `width` x `height` pixels: one user unit per pixel,
    /// y down as images store their rows.
    pub fn image(width: u32, height: u32) -> Result<Self, GeometryError> {
        if width == 0 || height == 0 {
            return Err(GeometryError::EmptyImage(width, height));
        }
        Ok(Self {
            visible: PdfRect { x0: 0.0, y0: 0.0, x1: width as f64, y1: height as f64 },
            rotation: Rotation::R0,
            user_unit: 1.0,
            is_image: true,
        })
    }

    /// The displayed size in user units (crop box, rotation applied).
    pub fn displayed_size_units(&self) -> (f64, f64) {
        let (w, h) = (self.visible.width(), self.visible.height());
        if self.rotation.is_sideways() {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// The displayed size in points (1/72 inch), `/UserUnit` applied. For an image, its
    /// size in pixels.
    pub fn displayed_size_pt(&self) -> (f64, f64) {
        let (w, h) = self.displayed_size_units();
        (w * self.user_unit, h * self.user_unit)
    }

    /// The output size at `scale` output pixels per point (per pixel for an image).
    ///
    /// Rounding: each side is the exact size rounded to the nearest whole pixel, halves
    /// away from zero, and at least 1. (pdfium rounds the same way; pdftoppm rounds up.)
    pub fn pixel_size(&self, scale: f64) -> PixelSize {
        let (w, h) = self.displayed_size_pt();
        let side = |v: f64| (v * scale).round().clamp(1.0, u32::MAX as f64) as u32;
        PixelSize { width: side(w), height: side(h) }
    }

    /// The transform from user space to output pixels (origin top-left, y down) for a
    /// pixmap of `size`: the displayed page fills the pixmap exactly, so each side is
    /// scaled by its own factor (they differ only by the rounding of the size).
    pub fn user_to_pixels(&self, size: PixelSize) -> Transform {
        let r = self.visible;
        let (dw, dh) = self.displayed_size_units();
        let sx = size.width as f64 / dw;
        let sy = size.height as f64 / dh;
        // Displayed coordinates in user units, y down, before scaling.
        let displayed = if self.is_image {
            // Images are stored top row first already.
            Transform { a: 1.0, b: 0.0, c: 0.0, d: 1.0, e: -r.x0, f: -r.y0 }
        } else {
            match self.rotation {
                // u = x - x0, v = y1 - y
                Rotation::R0 => Transform { a: 1.0, b: 0.0, c: 0.0, d: -1.0, e: -r.x0, f: r.y1 },
                // u = y - y0, v = x - x0
                Rotation::R90 => Transform { a: 0.0, b: 1.0, c: 1.0, d: 0.0, e: -r.y0, f: -r.x0 },
                // u = x1 - x, v = y - y0
                Rotation::R180 => Transform { a: -1.0, b: 0.0, c: 0.0, d: 1.0, e: r.x1, f: -r.y0 },
                // u = y1 - y, v = x1 - x
                Rotation::R270 => Transform { a: 0.0, b: -1.0, c: -1.0, d: 0.0, e: r.y1, f: r.x1 },
            }
        };
        Transform { a: sx, b: 0.0, c: 0.0, d: sy, e: 0.0, f: 0.0 }.after(&displayed)
    }

    /// The transform from output pixels back to user space.
    pub fn pixels_to_user(&self, size: PixelSize) -> Transform {
        self.user_to_pixels(size)
            .invert()
            .expect("a page with a positive area has an invertible transform")
    }
}

/// The transform from normalised displayed coordinates (each in [0, 1], origin
/// top-left, y down) to the pixels of a page of `size`.
pub fn normalized_to_pixels(size: PixelSize) -> Transform {
    Transform { a: size.width as f64, b: 0.0, c: 0.0, d: size.height as f64, e: 0.0, f: 0.0 }
}

/// The one pixel frame of a page that every backend draws in: its geometry, its pixel
/// size and the scale that size was rounded from.
///
/// Page content (the PNG's pixels and the SVG's vector layer) is drawn at exactly
/// [`PageFrame::scale`] output pixels per point from the top-left corner
/// ([`PageFrame::content_transform`]), as pdftoppm and MuPDF draw it, so its far edges
/// fall within half a pixel of the rounded size; highlights are placed in the normalised
/// frame stretched to the whole pixmap ([`PageFrame::normalized_to_pixels`]), which is
/// what annotations are normalised to.
///
/// ```
/// use diagram_core::{PageFrame, PageGeometry};
///
/// // A4 at 150 DPI: 1240.16 x 1753.94 exact, 1240 x 1754 pixels.
/// let a4 = PageGeometry::pdf([0.0, 0.0, 595.28, 841.89], None, 0, None).unwrap();
/// let frame = PageFrame::new(a4, 150.0 / 72.0).unwrap();
/// assert_eq!((frame.size().width(), frame.size().height()), (1240, 1754));
/// let (x, y) = frame.content_transform().apply(595.28, 0.0); // the bottom-right corner
/// assert!((x - 1240.17).abs() < 0.01 && (y - 1753.94).abs() < 0.01);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageFrame {
    geometry: PageGeometry,
    size: PixelSize,
    scale: f64,
}

impl PageFrame {
    /// The frame of `geometry` at `scale` output pixels per point (per pixel for an
    /// image), its size rounded by [`PageGeometry::pixel_size`]; `None` unless `scale` is
    /// a positive finite number.
    pub fn new(geometry: PageGeometry, scale: f64) -> Option<Self> {
        if !(scale.is_finite() && scale > 0.0) {
            return None;
        }
        Some(Self { size: geometry.pixel_size(scale), geometry, scale })
    }

    /// The frame of a plain pixel buffer of `size`: an image page at one output pixel per
    /// pixel (e.g. to place a scene on a buffer that did not come from a renderer).
    pub fn of_pixels(size: PixelSize) -> Self {
        let geometry =
            PageGeometry::image(size.width, size.height).expect("a PixelSize has no zero side");
        Self { geometry, size, scale: 1.0 }
    }

    /// The page's geometry.
    pub fn geometry(&self) -> &PageGeometry {
        &self.geometry
    }

    /// The output size in whole pixels.
    pub fn size(&self) -> PixelSize {
        self.size
    }

    /// Output pixels per point (per image pixel for an image).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The displayed page's exact size in output pixels, before rounding.
    pub fn exact_size(&self) -> (f64, f64) {
        let (w, h) = self.geometry.displayed_size_pt();
        (w * self.scale, h * self.scale)
    }

    /// The transform from user space to output pixels that draws the page at exactly
    /// [`PageFrame::scale`] pixels per point, its top-left corner at the pixmap's.
    ///
    /// This is [`PageGeometry::user_to_pixels`] with each axis multiplied by the ratio of
    /// the exact size to the rounded one, so the far edges fall within half a pixel of
    /// the pixmap's. Stretching the page instead by up to half a pixel would move a
    /// full-page scan up to a pixel away from where pdftoppm and MuPDF draw it (once they
    /// snap it to whole pixels): on `PH-ME-P-0156-001.pdf`, 4.30/255 mean difference of
    /// pooled gray images from pdftoppm's render rather than 0.19 (MuPDF: 0.50).
    pub fn content_transform(&self) -> Transform {
        let t = self.geometry.user_to_pixels(self.size);
        let (w, h) = self.exact_size();
        let (fx, fy) = (w / self.size.width as f64, h / self.size.height as f64);
        Transform { a: t.a * fx, b: t.b * fy, c: t.c * fx, d: t.d * fy, e: t.e * fx, f: t.f * fy }
    }

    /// The transform from normalised displayed coordinates (annotations) to these pixels:
    /// [`normalized_to_pixels`] of the size.
    pub fn normalized_to_pixels(&self) -> Transform {
        normalized_to_pixels(self.size)
    }
}
