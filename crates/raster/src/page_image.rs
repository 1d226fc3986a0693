//! The pixels of one rendered page.

use diagram_core::PixelSize;

/// An opaque page image: 8-bit gray, or 8-bit RGB without alpha.
#[derive(Debug, Clone, PartialEq)]
pub enum PageImage {
    /// One byte per pixel, 0 black to 255 white.
    Gray(image::GrayImage),
    /// Three bytes per pixel, sRGB.
    Rgb(image::RgbImage),
}

impl PageImage {
    /// The image of `width` x `height` pixels from rows without padding, one byte per
    /// pixel in [`ColorMode::Gray`](diagram_core::ColorMode::Gray), else three.
    ///
    /// # Panics
    /// When `rows` is not exactly that long.
    pub(crate) fn from_rows(
        width: u32,
        height: u32,
        rows: Vec<u8>,
        colors: diagram_core::ColorMode,
    ) -> Self {
        if colors.is_gray() {
            PageImage::Gray(
                image::GrayImage::from_raw(width, height, rows).expect("one byte per pixel"),
            )
        } else {
            PageImage::Rgb(
                image::RgbImage::from_raw(width, height, rows).expect("three bytes per pixel"),
            )
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        match self {
            PageImage::Gray(i) => i.width(),
            PageImage::Rgb(i) => i.width(),
        }
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        match self {
            PageImage::Gray(i) => i.height(),
            PageImage::Rgb(i) => i.height(),
        }
    }

    /// The size in pixels; `None` for an empty image (which no renderer produces).
    pub fn size(&self) -> Option<PixelSize> {
        PixelSize::new(self.width(), self.height())
    }

    /// The colours of the image.
    pub fn colors(&self) -> diagram_core::ColorMode {
        match self {
            PageImage::Gray(_) => diagram_core::ColorMode::Gray,
            PageImage::Rgb(_) => diagram_core::ColorMode::Rgb,
        }
    }

    /// Bytes per pixel: 1 for gray, 3 for RGB.
    pub fn channels(&self) -> usize {
        match self {
            PageImage::Gray(_) => 1,
            PageImage::Rgb(_) => 3,
        }
    }

    /// The pixel rows, top first, without padding.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PageImage::Gray(i) => i.as_raw(),
            PageImage::Rgb(i) => i.as_raw(),
        }
    }

    /// The image scaled to `size`, with a triangle (bilinear) filter, as images are scaled
    /// on input.
    pub fn resized(&self, size: PixelSize) -> PageImage {
        let (w, h) = (size.width(), size.height());
        let filter = image::imageops::FilterType::Triangle;
        match self {
            PageImage::Gray(i) => PageImage::Gray(image::imageops::resize(i, w, h, filter)),
            PageImage::Rgb(i) => PageImage::Rgb(image::imageops::resize(i, w, h, filter)),
        }
    }

    /// The pixel rows, mutable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        match self {
            PageImage::Gray(i) => i,
            PageImage::Rgb(i) => i,
        }
    }
}
