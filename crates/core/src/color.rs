//! The one luminance formula of diagram-convert.

/// The 8-bit gray of an sRGB colour, by the Rec. 601 luma weights on the encoded
/// (gamma-compressed) values, rounded to nearest:
/// `(299 R + 587 G + 114 B + 500) / 1000`.
///
/// Gray pages (every renderer and input), gray highlights and the gray SVG page layer
/// all use this one function, so they agree to the byte. (The weights sum to 1000, so
/// white stays 255 and black 0.)
///
/// ```
/// assert_eq!(diagram_core::luma(255, 255, 255), 255);
/// assert_eq!(diagram_core::luma(255, 0, 0), 76);
/// ```
#[inline]
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((299 * r as u32 + 587 * g as u32 + 114 * b as u32 + 500) / 1000) as u8
}

/// The colours a job's pages are produced in: decided once per job (the request's
/// `grayscale`, or an override of the engine's options) and carried by each page's scene,
/// so the renderer, the highlights and the SVG page layer agree.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum ColorMode {
    /// 8-bit gray by [`luma`], the hosted service's default.
    #[default]
    Gray,
    /// 8-bit sRGB.
    Rgb,
}

impl ColorMode {
    /// [`ColorMode::Gray`] for `true` (the request's `grayscale` flag), else
    /// [`ColorMode::Rgb`].
    pub fn from_grayscale(grayscale: bool) -> Self {
        if grayscale {
            ColorMode::Gray
        } else {
            ColorMode::Rgb
        }
    }

    /// Whether this is [`ColorMode::Gray`].
    pub fn is_gray(self) -> bool {
        self == ColorMode::Gray
    }

    /// Bytes per pixel of a page image in these colours: 1 for gray, 3 for RGB.
    pub fn channels(self) -> usize {
        match self {
            ColorMode::Gray => 1,
            ColorMode::Rgb => 3,
        }
    }
}
