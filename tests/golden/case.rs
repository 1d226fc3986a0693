//! A case's `case.json`: how the engine runs on it and how closely its outputs must match.

use serde::Deserialize;

/// Which PDF renderer a case uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RendererName {
    /// hayro, the default.
    #[default]
    Hayro,
    /// pdfium, bound at run time; the case is skipped when it is absent.
    Pdfium,
}

/// The SVG page layer mode of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SvgPage {
    /// Chosen per page.
    #[default]
    Auto,
    /// Always vector.
    Vector,
    /// Always the rendered page as an embedded PNG.
    Raster,
}

/// The contents of `case.json`; every field is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaseConfig {
    /// The PDF renderer. Default: hayro.
    pub renderer: RendererName,
    /// Pixels per inch for PDF pages. Default: 50, so pages stay small.
    pub dpi: f64,
    /// Draw the highlights onto the PNG. Default: false.
    pub annotate_png: bool,
    /// The SVG page layer mode. Default: auto.
    pub svg_page: SvgPage,
    /// Per-channel tolerance of the PNG comparison. Default: 1. Raising it needs `reason`.
    pub png_tolerance: u8,
    /// Pixels of the PNG allowed beyond `png_tolerance`. Default: 0. Raising it needs
    /// `reason`.
    pub png_max_pixels: u64,
    /// Per-channel tolerance of the SVG, rasterised with resvg, against the (annotated)
    /// PNG. Default: [`SVG_RASTER_CHANNEL`]. Raising it needs `reason`.
    pub svg_raster_tolerance: u8,
    /// Share of pixels (0 to 1) of the rasterised SVG allowed beyond
    /// `svg_raster_tolerance`. Default: [`SVG_VECTOR_SHARE`] for a vector page layer,
    /// [`SVG_RASTER_SHARE`] for a raster one. Raising it needs `reason`.
    pub svg_raster_max_share: Option<f64>,
    /// Why a tolerance of this case is above its default.
    pub reason: Option<String>,
    /// What the case is about, for people reading it.
    pub note: Option<String>,
}

/// Default per-channel tolerance of the rasterised SVG against the PNG. The two come
/// from different rasterisers (hayro's vello_cpu for the PNG, resvg for the SVG), whose
/// anti-aliasing of the same edge differs by up to a few dozen levels; inside shapes
/// they agree to a level or two.
pub const SVG_RASTER_CHANNEL: u8 = 48;

/// Default share of pixels of a vector SVG allowed beyond [`SVG_RASTER_CHANNEL`]: edge
/// pixels of thin strokes and glyphs where the rasterisers disagree more. Measured on the
/// generated cases: 0.17-0.31 % against hayro's PNG, 0.31-0.77 % against pdfium's.
pub const SVG_VECTOR_SHARE: f64 = 0.01;

/// Default share of pixels of an SVG with a raster page layer (the page PNG itself)
/// allowed beyond [`SVG_RASTER_CHANNEL`]: only the highlights' edges may differ, as
/// tiny-skia draws them into the PNG and resvg into the SVG. Measured: 0.003 %.
pub const SVG_RASTER_SHARE: f64 = 0.001;

impl Default for CaseConfig {
    fn default() -> Self {
        Self {
            renderer: RendererName::Hayro,
            dpi: 50.0,
            annotate_png: false,
            svg_page: SvgPage::Auto,
            png_tolerance: 1,
            png_max_pixels: 0,
            svg_raster_tolerance: SVG_RASTER_CHANNEL,
            svg_raster_max_share: None,
            reason: None,
            note: None,
        }
    }
}

impl CaseConfig {
    /// The share of pixels allowed beyond the tolerance for an SVG with this page layer.
    pub fn svg_raster_max_share(&self, raster_layer: bool) -> f64 {
        self.svg_raster_max_share.unwrap_or(if raster_layer {
            SVG_RASTER_SHARE
        } else {
            SVG_VECTOR_SHARE
        })
    }

    /// Reads and checks a `case.json`; a missing file is the default configuration.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let cfg: CaseConfig = match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CaseConfig::default(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        cfg.check()?;
        Ok(cfg)
    }

    /// A raised tolerance needs a written reason.
    fn check(&self) -> Result<(), String> {
        let d = CaseConfig::default();
        let raised = self.png_tolerance > d.png_tolerance
            || self.png_max_pixels > d.png_max_pixels
            || self.svg_raster_tolerance > d.svg_raster_tolerance
            || self.svg_raster_max_share.is_some_and(|s| s > SVG_RASTER_SHARE);
        let has_reason = self.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        if raised && !has_reason {
            return Err(
                "case.json raises a tolerance above its default without a \"reason\"".into()
            );
        }
        if !(self.dpi.is_finite() && self.dpi > 0.0) {
            return Err(format!("case.json: dpi {} is not a positive number", self.dpi));
        }
        if self.svg_raster_max_share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
            return Err("case.json: svg_raster_max_share must be in [0, 1]".into());
        }
        Ok(())
    }
}
