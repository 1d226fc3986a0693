//! Colours and highlight styles, and how highlights look in colour and in gray pages.

use diagram_core::ColorMode;

/// An 8-bit sRGB colour with straight (not premultiplied) alpha; `a` is the opacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Color {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Opacity, 0 transparent to 255 opaque.
    pub a: u8,
}

impl Color {
    /// A colour from its four components.
    pub const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Self {
        Self { r, g, b, a }
    }

    /// The gray level of the colour by the luminance formula of diagram-convert,
    /// `Y = 0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601), rounded to nearest.
    pub fn luma(&self) -> u8 {
        luma(self.r, self.g, self.b)
    }

    /// The same colour turned gray by [`Color::luma`], opacity kept.
    pub fn to_gray(&self) -> Color {
        let y = self.luma();
        Color { r: y, g: y, b: y, a: self.a }
    }

    /// The opacity as a number in [0, 1].
    pub fn opacity(&self) -> f64 {
        self.a as f64 / 255.0
    }

    /// `#rrggbb`, the colour without its opacity, as SVG and CSS write it.
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// The gray level of an sRGB colour, the formula every gray output of diagram-convert
/// shares (defined once, in diagram-core).
pub use diagram_core::luma;

/// How one highlight is painted: an outline and a translucent fill.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Style {
    /// The outline colour; its alpha is the outline's opacity.
    pub stroke: Color,
    /// The outline width in page pixels, centred on the shape's edge; 0 draws no outline.
    pub stroke_width: f32,
    /// The fill colour; its alpha is the fill's opacity (0 paints nothing on the PNG; the
    /// SVG still gives the shape a fill so that the whole box is clickable).
    pub fill: Color,
}

/// The highlight styles: one for colour pages, one for gray pages.
///
/// Gray pages (the request's `grayscale`, the default) are written as 8-bit gray PNGs,
/// so a highlight cannot use colour there. The default gray style is a dark outline of
/// 3 px with a light-gray darkening fill: drawings are black hairlines on white and scans
/// are gray on light gray, so a box of thick near-black lines around a tinted area stands
/// apart from both without hiding the tag under it. The default colour style is a
/// saturated magenta outline of 3 px with a 20 % magenta fill: P&IDs rarely use magenta,
/// and it is visible on black lines, white paper and gray scans alike.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OverlayOptions {
    /// The style on colour pages. Default: stroke `#e6007e` opaque, 3 px, fill `#e6007e`
    /// at opacity 51/255 (20 %).
    pub color: Style,
    /// The style on gray pages. Default: stroke `#1a1a1a` opaque, 3 px, fill `#000000`
    /// at opacity 46/255 (18 %).
    pub gray: Style,
}

impl Default for OverlayOptions {
    fn default() -> Self {
        Self {
            color: Style {
                stroke: Color::rgba(0xe6, 0x00, 0x7e, 255),
                stroke_width: 3.0,
                fill: Color::rgba(0xe6, 0x00, 0x7e, 51),
            },
            gray: Style {
                stroke: Color::rgba(0x1a, 0x1a, 0x1a, 255),
                stroke_width: 3.0,
                fill: Color::rgba(0, 0, 0, 46),
            },
        }
    }
}

impl OverlayOptions {
    /// The style for a page in `colors`. A gray page gets the gray style with its colours
    /// turned gray by [`Color::luma`], so that a custom gray style given in colour still
    /// yields gray pixels.
    pub fn style(&self, colors: ColorMode) -> Style {
        if colors.is_gray() {
            Style {
                stroke: self.gray.stroke.to_gray(),
                stroke_width: self.gray.stroke_width,
                fill: self.gray.fill.to_gray(),
            }
        } else {
            self.color
        }
    }
}
