//! The pdfium renderer (feature `pdfium`, on by default), bound at run time.
//!
//! pdfium is not linked into the binary: the first page rendered with
//! [`Renderer::Pdfium`](crate::Renderer::Pdfium) (or the first call to
//! [`pdfium_available`]) looks for the shared library, in this order:
//!
//! 1. `PDFIUM_DYNAMIC_LIB_PATH`: the library file itself, or the folder that holds it
//!    (`libpdfium.so`, `libpdfium.dylib` or `pdfium.dll`). When it is set, nothing else is
//!    tried, so a wrong setting is reported rather than silently bypassed;
//! 2. the `pypdfium2_raw` package of the `python3` on `PATH` (the folder printed by
//!    `python3 -c "import pypdfium2_raw, os; print(os.path.dirname(pypdfium2_raw.__file__))"`);
//! 3. the system library paths (`LD_LIBRARY_PATH`, the `ld.so` cache, ...).
//!
//! The bindings are those of pdfium 8125 (`pdfium-render` feature `pdfium_8125`); the
//! library of `pip install pypdfium2==5.15.2` (pdfium 8149) provides every symbol they
//! name. A process can bind pdfium only once, so the outcome of that first search (the
//! library, or the reason none was usable) is kept for the life of the process and every
//! caller sees the same one.
//!
//! # One page at a time
//! pdfium is not thread-safe: `pdfium-render` serialises every call into it behind one
//! process-wide lock, and this module holds its own lock for a whole page (open, render,
//! close), so pages rendered with pdfium never overlap, whatever the number of worker
//! threads. Use hayro, the default renderer, for parallel rendering.
//!
//! Each page opens the document anew, with no cache: opening costs 0.04 to 0.3 ms on the
//! fixture PDFs (parsing the cross-reference table; measured through pypdfium2 on the
//! same library), loading a page 0.1 to 175 ms (its content, needed once per render
//! anyway), and rendering it at 150 DPI much more.
//!
//! # Output
//! A page is drawn onto an opaque white bitmap of exactly the planned (rounded) size, at
//! exactly the planned scale, as the hayro renderer, pdftoppm and MuPDF draw it: the
//! displayed page (crop box, `/Rotate` and `/UserUnit` applied) has its top-left corner
//! at pixel (0, 0) and its far edges at the exact size (`dpi / 72` pixels per point), so
//! within half a pixel of the bitmap's, and whatever falls past the bitmap is clipped.
//! Stretching the page over the rounded size instead would move a full-page scan up to a
//! pixel from where the other renderers put it. Annotations with appearance streams are
//! drawn, as in a viewer; pdfium's matrix rendering, which draws at a fractional scale,
//! does not draw form fields itself, so a page with form fields has its annotations merged
//! into its content first (pdfium's flattening, as for printing: on such a page an
//! annotation without the print flag is left out). Gray pages use [`luma`], the formula
//! of every other path. Fonts the PDF does not embed come from pdfium's system font
//! lookup, so their rendering can differ between machines (hayro uses its embedded
//! standard fonts instead).

#[cfg(feature = "pdfium")]
pub(crate) use bound::render_page;
#[cfg(feature = "pdfium")]
pub use bound::{pdfium_available, PDFIUM_LIBRARY_VAR};

/// Why a build without the `pdfium` feature cannot render with pdfium, and how to get it.
#[cfg(not(feature = "pdfium"))]
pub(crate) const NO_PDFIUM: &str = "this build has no pdfium support; build it with the \
    `pdfium` feature of diagram-convert (on by default) or of diagram-raster";

/// Checks whether the pdfium renderer can be used, binding the library on the first call.
///
/// This build has no pdfium support (feature `pdfium` is off), so it always fails with
/// [`RasterError::PdfiumUnavailable`](crate::RasterError::PdfiumUnavailable).
#[cfg(not(feature = "pdfium"))]
pub fn pdfium_available() -> Result<(), crate::RasterError> {
    Err(crate::RasterError::PdfiumUnavailable(NO_PDFIUM.to_string()))
}

#[cfg(feature = "pdfium")]
mod bound {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::sync::{Mutex, OnceLock, PoisonError};

    use diagram_core::{ColorMode, PixelSize};
    use image::{GrayImage, RgbImage};
    use pdfium_render::prelude::{
        PdfBitmap, PdfBitmapFormat, PdfPage, PdfPageAnnotationType, PdfPageIndex, PdfRenderConfig,
        Pdfium, PdfiumError, PdfiumInternalError, PdfiumLibraryBindings,
    };

    use crate::{luma, PageImage, RasterError};

    /// The environment variable naming the pdfium library, or the folder that holds it.
    pub const PDFIUM_LIBRARY_VAR: &str = "PDFIUM_DYNAMIC_LIB_PATH";

    const INSTALL_HINT: &str = "install it with `pip install pypdfium2==5.15.2` (which ships \
        pdfium 8149), or set PDFIUM_DYNAMIC_LIB_PATH to the pdfium library or its folder";

    /// The one binding of this process, or why there is none.
    static PDFIUM: OnceLock<Result<Pdfium, String>> = OnceLock::new();

    /// Held for a whole page: pdfium's last-error state and its caches are global, so
    /// two pages must not interleave their calls.
    static ONE_PAGE_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// Checks whether the pdfium renderer can be used, binding the library on the first
    /// call.
    ///
    /// The library is looked for, in this order:
    /// 1. [`PDFIUM_LIBRARY_VAR`] (`PDFIUM_DYNAMIC_LIB_PATH`): the library file or its folder.
    ///    When it is set nothing else is tried, so a wrong setting is reported;
    /// 2. the `pypdfium2_raw` package of the `python3` on `PATH`;
    /// 3. the system library paths.
    ///
    /// `pip install pypdfium2==5.15.2` provides a library these bindings (pdfium 8125)
    /// fit. A process binds pdfium once: the first outcome, library or error, holds for
    /// the life of the process. pdfium renders one page at a time, whatever the number of
    /// threads asking.
    ///
    /// # Errors
    /// [`RasterError::PdfiumUnavailable`] saying what was tried and how to install pdfium;
    /// the same error on every call.
    pub fn pdfium_available() -> Result<(), RasterError> {
        pdfium().map(|_| ())
    }

    fn pdfium() -> Result<&'static Pdfium, RasterError> {
        PDFIUM
            .get_or_init(|| find_library().map(Pdfium::new))
            .as_ref()
            .map_err(|message| RasterError::PdfiumUnavailable(message.clone()))
    }

    fn find_library() -> Result<Box<dyn PdfiumLibraryBindings>, String> {
        if let Some(value) = std::env::var_os(PDFIUM_LIBRARY_VAR).filter(|v| !v.is_empty()) {
            let path = library_file(Path::new(&value));
            return Pdfium::bind_to_library(&path).map_err(|e| {
                format!(
                    "{PDFIUM_LIBRARY_VAR} is set, but {} cannot be loaded: {}; {INSTALL_HINT}",
                    path.display(),
                    bind_error(e)
                )
            });
        }
        let mut tried = Vec::new();
        match pypdfium2_folder() {
            Ok(folder) => {
                let path = library_file(&folder);
                match Pdfium::bind_to_library(&path) {
                    Ok(bindings) => return Ok(bindings),
                    Err(e) => tried.push(format!("{}: {}", path.display(), bind_error(e))),
                }
            }
            Err(why) => tried.push(format!("python3's pypdfium2_raw: {why}")),
        }
        match Pdfium::bind_to_system_library() {
            Ok(bindings) => return Ok(bindings),
            Err(e) => tried.push(format!("system library paths: {}", bind_error(e))),
        }
        Err(format!("no usable pdfium library ({}); {INSTALL_HINT}", tried.join("; ")))
    }

    /// The library file for a path that is either the file or its folder.
    fn library_file(path: &Path) -> PathBuf {
        if path.is_dir() {
            Pdfium::pdfium_platform_library_name_at_path(path)
        } else {
            path.to_path_buf()
        }
    }

    /// The folder of the `pypdfium2_raw` package of the `python3` on `PATH`.
    fn pypdfium2_folder() -> Result<PathBuf, String> {
        let output = Command::new("python3")
            .args([
                "-c",
                "import pypdfium2_raw, os; print(os.path.dirname(pypdfium2_raw.__file__))",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run python3 ({e})"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no output");
            return Err(format!("not installed ({})", last.trim()));
        }
        let folder = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if folder.is_empty() {
            return Err("python3 printed no folder".to_string());
        }
        Ok(PathBuf::from(folder))
    }

    fn bind_error(e: PdfiumError) -> String {
        match e {
            PdfiumError::LoadLibraryError(e) => {
                // libloading says "dlopen failed" and keeps the reason in its source.
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    text = format!("{text}: {inner}");
                    source = inner.source();
                }
                if text.contains("undefined symbol") || text.contains("symbol not found") {
                    format!("{text} (an older pdfium than the 8125 these bindings need)")
                } else {
                    text
                }
            }
            PdfiumError::LoadLibraryFunctionNameError(name) => name,
            other => format!("{other:?}"),
        }
    }

    /// Renders page `index` (from 0) of `bytes` onto white at exactly `size` pixels, the
    /// displayed page drawn over `exact` pixels (its width and height at the exact scale,
    /// which `size` rounds) from the top-left corner.
    ///
    /// Pages render one at a time (see the module docs). Errors: pdfium missing
    /// ([`RasterError::PdfiumUnavailable`]), a file pdfium cannot open
    /// ([`RasterError::DamagedPdf`], [`RasterError::PasswordProtected`],
    /// [`RasterError::UnreadableEncryption`]), a page it cannot load or render
    /// ([`RasterError::PdfiumPage`]).
    pub(crate) fn render_page(
        bytes: &[u8],
        index: usize,
        size: PixelSize,
        exact: (f64, f64),
        colors: ColorMode,
    ) -> Result<PageImage, RasterError> {
        let grayscale = colors.is_gray();
        let pdfium = pdfium()?;
        let page_no = index + 1;
        let page_error = |message: String| RasterError::PdfiumPage { page: page_no, message };
        let too_large = || page_error(format!("{size} pixels are more than pdfium can render"));
        let width = i32::try_from(size.width()).map_err(|_| too_large())?;
        let height = i32::try_from(size.height()).map_err(|_| too_large())?;
        // pdfium's rows start on 4-byte boundaries; its bitmap size must fit an `int`.
        let stride = (size.width() as usize * 3).div_ceil(4) * 4;
        let len = stride
            .checked_mul(size.height() as usize)
            .filter(|&len| i32::try_from(len).is_ok())
            .ok_or_else(too_large)?;
        let mut buffer = Vec::new();
        buffer
            .try_reserve_exact(len)
            .map_err(|_| page_error(format!("not enough memory for {size} pixels")))?;
        buffer.resize(len, 0);

        {
            let _guard = ONE_PAGE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
            let document = pdfium.load_pdf_from_byte_slice(bytes, None).map_err(open_error)?;
            let page_index = PdfPageIndex::try_from(index)
                .map_err(|_| page_error("page index out of range".to_string()))?;
            let mut page = document.pages().get(page_index).map_err(|e| {
                page_error(format!("the page cannot be loaded ({})", pdfium_message(&e)))
            })?;
            if has_form_fields(&page) {
                page.flatten().map_err(|e| {
                    page_error(format!("its form fields cannot be drawn ({})", pdfium_message(&e)))
                })?;
            }
            // pdfium's matrix rendering starts from the displayed page at one pixel per
            // pdfium unit, its top-left corner at (0, 0); scaling each axis by the exact
            // size over pdfium's page size draws it at the exact scale, whatever pdfium
            // makes of `/UserUnit`.
            let (page_w, page_h) = (page.width().value as f64, page.height().value as f64);
            if !(page_w > 0.0 && page_h > 0.0) {
                return Err(page_error(format!("pdfium gives it no size ({page_w}x{page_h})")));
            }
            let (fx, fy) = ((exact.0 / page_w) as f32, (exact.1 / page_h) as f32);
            let mut bitmap =
                PdfBitmap::from_bytes(width, height, PdfBitmapFormat::BGR, &mut buffer).map_err(
                    |e| page_error(format!("no bitmap of {size}: {}", pdfium_message(&e))),
                )?;
            // The fixed size is the bitmap's: it is cleared to white, and the drawing is
            // clipped to it. Bytes stay in pdfium's native BGR order.
            let config = PdfRenderConfig::new()
                .set_fixed_size(width, height)
                .set_reverse_byte_order(false)
                .scale(fx, fy)
                .map_err(|e| page_error(format!("no scale {fx}x{fy}: {}", pdfium_message(&e))))?;
            page.render_into_bitmap_with_config(&mut bitmap, &config)
                .map_err(|e| page_error(pdfium_message(&e)))?;
        }
        Ok(from_bgr_rows(buffer, size, stride, grayscale))
    }

    /// Whether the page has form fields (widget annotations), which pdfium draws only
    /// when it renders at a whole-pixel page size.
    fn has_form_fields(page: &PdfPage) -> bool {
        page.annotations().iter().any(|a| a.annotation_type() == PdfPageAnnotationType::Widget)
    }

    fn open_error(e: PdfiumError) -> RasterError {
        match e {
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
                RasterError::PasswordProtected
            }
            PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::SecurityError) => {
                RasterError::UnreadableEncryption {
                    reason: "pdfium does not support its security handler".to_string(),
                }
            }
            e => RasterError::DamagedPdf {
                reason: format!("pdfium cannot open it ({})", pdfium_message(&e)),
            },
        }
    }

    /// pdfium's errors in words (its `Display` is a `Debug` dump).
    fn pdfium_message(e: &PdfiumError) -> String {
        match e {
            PdfiumError::PdfiumLibraryInternalError(internal) => match internal {
                PdfiumInternalError::FileError => "file error".to_string(),
                PdfiumInternalError::FormatError => "data format error".to_string(),
                PdfiumInternalError::PasswordError => "a password is needed".to_string(),
                PdfiumInternalError::SecurityError => "unsupported security scheme".to_string(),
                PdfiumInternalError::PageError => "page not found or content error".to_string(),
                PdfiumInternalError::Unknown => "unknown error".to_string(),
            },
            other => format!("{other:?}"),
        }
    }

    /// The page image from pdfium's padded BGR rows, converted in place so that no
    /// second full-size buffer is held.
    fn from_bgr_rows(
        mut buf: Vec<u8>,
        size: PixelSize,
        stride: usize,
        grayscale: bool,
    ) -> PageImage {
        let (w, h) = (size.width() as usize, size.height() as usize);
        if grayscale {
            let mut row = vec![0u8; w];
            for y in 0..h {
                let src = &buf[y * stride..y * stride + 3 * w];
                for (g, p) in row.iter_mut().zip(src.chunks_exact(3)) {
                    *g = luma(p[2], p[1], p[0]);
                }
                // Output row y ends before input row y + 1 starts, and input row y has
                // been read into `row` already.
                buf[y * w..y * w + w].copy_from_slice(&row);
            }
            buf.truncate(w * h);
            buf.shrink_to_fit();
            PageImage::Gray(
                GrayImage::from_raw(size.width(), size.height(), buf).expect("w*h bytes"),
            )
        } else {
            for y in 0..h {
                let start = y * stride;
                for p in buf[start..start + 3 * w].chunks_exact_mut(3) {
                    p.swap(0, 2);
                }
                buf.copy_within(start..start + 3 * w, y * 3 * w);
            }
            buf.truncate(3 * w * h);
            buf.shrink_to_fit();
            PageImage::Rgb(
                RgbImage::from_raw(size.width(), size.height(), buf).expect("3*w*h bytes"),
            )
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn available() -> bool {
            match pdfium_available() {
                Ok(()) => true,
                Err(e) if std::env::var("DIAGRAM_CONVERT_REQUIRE_PDFIUM").as_deref() == Ok("1") => {
                    panic!("DIAGRAM_CONVERT_REQUIRE_PDFIUM=1 but {e}")
                }
                Err(e) => {
                    // Straight to stderr: the test harness would swallow `eprintln!`.
                    let note = format!("note: skipping a pdfium test: {e}\n");
                    std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes()).ok();
                    false
                }
            }
        }

        fn fixture(name: &str) -> Vec<u8> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            std::fs::read(dir.join("../../../shared/fixtures/valhall").join(name)).unwrap()
        }

        const SMALL: PixelSize = match PixelSize::new(60, 40) {
            Some(s) => s,
            None => panic!(),
        };

        /// The page drawn over exactly the bitmap, as when the scale gives whole pixels.
        fn exact(size: PixelSize) -> (f64, f64) {
            (size.width() as f64, size.height() as f64)
        }

        #[test]
        fn a_truncated_file_is_a_damaged_pdf_not_a_blank_page() {
            if !available() {
                return;
            }
            // hayro repairs this prefix into one white page; pdfium refuses it.
            let bytes = fixture("PH-ME-P-0153-001.pdf");
            let err =
                render_page(&bytes[..40_000], 0, SMALL, exact(SMALL), ColorMode::Gray).unwrap_err();
            assert!(
                matches!(&err, RasterError::DamagedPdf { reason } if reason.contains("data format error")),
                "{err}"
            );
        }

        #[test]
        fn bytes_that_are_no_pdf_are_refused() {
            if !available() {
                return;
            }
            let err = render_page(b"GIF89a not a pdf", 0, SMALL, exact(SMALL), ColorMode::Rgb)
                .unwrap_err();
            assert!(matches!(err, RasterError::DamagedPdf { .. }), "{err}");
        }

        #[test]
        fn a_page_past_the_end_is_a_page_error() {
            if !available() {
                return;
            }
            let err = render_page(
                &fixture("PH-ME-P-0004-001.pdf"),
                3,
                SMALL,
                exact(SMALL),
                ColorMode::Gray,
            )
            .unwrap_err();
            assert!(matches!(err, RasterError::PdfiumPage { page: 4, .. }), "{err}");
        }

        #[test]
        fn odd_widths_give_unpadded_rows() {
            if !available() {
                return;
            }
            // 3 * 61 bytes is not a multiple of 4: pdfium pads its rows, the image must not.
            let bytes = fixture("PH-ME-P-0004-001.pdf");
            let size = PixelSize::new(61, 43).unwrap();
            let gray = render_page(&bytes, 0, size, exact(size), ColorMode::Gray).unwrap();
            let rgb = render_page(&bytes, 0, size, exact(size), ColorMode::Rgb).unwrap();
            assert_eq!((gray.size(), rgb.size()), (Some(size), Some(size)));
            let (PageImage::Gray(g), PageImage::Rgb(c)) = (&gray, &rgb) else { panic!("modes") };
            assert_eq!(g.as_raw().len(), 61 * 43);
            for (l, p) in g.pixels().zip(c.pixels()) {
                assert_eq!(l[0], luma(p[0], p[1], p[2]));
            }
            // Something was drawn on white paper.
            assert!(g.pixels().any(|p| p[0] < 128) && g.pixels().any(|p| p[0] == 255));
        }

        #[test]
        fn colours_come_out_in_rgb_order() {
            if !available() {
                return;
            }
            // A page filled with pure red (1 0 0 rg) must give (255, 0, 0), not BGR.
            let pdf = red_page_pdf();
            let PageImage::Rgb(img) =
                render_page(&pdf, 0, SMALL, exact(SMALL), ColorMode::Rgb).unwrap()
            else {
                panic!("colour asked")
            };
            assert_eq!(img.get_pixel(30, 20).0, [255, 0, 0]);
            let PageImage::Gray(g) =
                render_page(&pdf, 0, SMALL, exact(SMALL), ColorMode::Gray).unwrap()
            else {
                panic!("gray asked")
            };
            assert_eq!(g.get_pixel(30, 20).0, [luma(255, 0, 0)]);
        }

        /// A minimal one-page PDF, 60x40 points, filled with red, with a correct xref.
        fn red_page_pdf() -> Vec<u8> {
            let objects = [
                "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 60 40] /Contents 4 0 R >>".to_string(),
                "<< /Length 23 >>\nstream\n1 0 0 rg 0 0 60 40 re f\nendstream".to_string(),
            ];
            let mut out = b"%PDF-1.4\n".to_vec();
            let mut offsets = Vec::new();
            for (i, body) in objects.iter().enumerate() {
                offsets.push(out.len());
                out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
            }
            let xref = out.len();
            out.extend_from_slice(
                format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
            );
            for o in offsets {
                out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
            }
            out.extend_from_slice(
                format!(
                    "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                    objects.len() + 1
                )
                .as_bytes(),
            );
            out
        }
    }
}
