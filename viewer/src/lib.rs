//! The offline viewer of a finished job: `OUT/index.html` and the scripts beside it.
//!
//! [`write_viewer`] reads `OUT/job.json` and the page files it names, and writes:
//! - `OUT/index.html`, the viewer (no network, no CDN; it works from `file://` in a stock
//!   browser, where a page cannot fetch other files, so all data arrives as scripts);
//! - `OUT/viewer/viewer.js` and `viewer.css`, its code and style;
//! - `OUT/viewer/job.js`, the job: files, pages, errors and warnings, each page's image and
//!   size, and a search index of its annotations (text, confidence, box, entity values);
//! - `OUT/viewer/pages/<n>.js`, one per page with an SVG: the page SVG's
//!   `<g id="annotations">` group as it is (ids, `<metadata>`, shapes), which the viewer
//!   lays over the page image when the page is shown, so the details panel reads what
//!   the SVG holds.
//!
//! The page image is the page PNG, or the SVG itself when there is no PNG, or the page's
//! deep-zoom tiles (`otherUrls.dzi`) when there are. Every file is written under a
//! temporary name and renamed, so a browser never reads half a script. Nothing outside
//! `OUT` is read: a URL in `job.json` that is absolute or climbs out of `OUT` is refused
//! for its page.
//!
//! ```no_run
//! let summary = diagram_viewer::write_viewer(std::path::Path::new("out")).unwrap();
//! println!("{} pages, {} annotations", summary.pages, summary.annotations);
//! ```

#![forbid(unsafe_code)]

use std::fs;
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use diagram_convert::key::is_inside;
use diagram_core::{FileRef, Job, PageResult, ResultItem};
use serde::Serialize;

/// The viewer page.
const INDEX_HTML: &str = include_str!("../assets/index.html");
/// The viewer's code.
const VIEWER_JS: &str = include_str!("../assets/viewer.js");
/// The viewer's style.
const VIEWER_CSS: &str = include_str!("../assets/viewer.css");

/// What [`write_viewer`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ViewerSummary {
    /// The file's path: `OUT/index.html`.
    pub index: PathBuf,
    /// Pages shown (converted pages; failed pages are listed with their errors).
    pub pages: usize,
    /// Annotations over all pages.
    pub annotations: usize,
    /// What the viewer cannot show, one line per page (also shown in the viewer).
    pub notes: Vec<String>,
}

/// Why no viewer was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewerError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// `job.json` is not a job.
    #[error("{} is not a job of diagram-convert: {source}", path.display())]
    Job {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Writes the viewer over the job in `out` (see the crate docs).
pub fn write_viewer(out: &Path) -> Result<ViewerSummary, ViewerError> {
    let job_path = out.join("job.json");
    let bytes =
        fs::read(&job_path).map_err(|source| ViewerError::Io { path: job_path.clone(), source })?;
    let job: Job = serde_json::from_slice(&bytes)
        .map_err(|source| ViewerError::Job { path: job_path.clone(), source })?;

    let pages_dir = out.join("viewer").join("pages");
    fs::create_dir_all(&pages_dir)
        .map_err(|source| ViewerError::Io { path: pages_dir.clone(), source })?;
    remove_old_pages(&pages_dir)?;

    let mut summary = ViewerSummary { index: out.join("index.html"), ..ViewerSummary::default() };
    let mut files = Vec::with_capacity(job.items.len());
    let mut overlays = 0usize;
    for item in &job.items {
        files.push(view_file(out, item, &pages_dir, &mut overlays, &mut summary)?);
    }
    let model = JobModel {
        status: format!("{:?}", job.status),
        error_message: job.error_message.clone(),
        files,
    };
    let script = format!("DiagramViewer.job({});\n", to_json(&model));
    let viewer_dir = out.join("viewer");
    write_atomic(&viewer_dir.join("job.js"), script.as_bytes())?;
    write_atomic(&viewer_dir.join("viewer.js"), VIEWER_JS.as_bytes())?;
    write_atomic(&viewer_dir.join("viewer.css"), VIEWER_CSS.as_bytes())?;
    write_atomic(&summary.index, INDEX_HTML.as_bytes())?;
    Ok(summary)
}

/// `viewer/job.js`'s data.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobModel {
    status: String,
    error_message: Option<String>,
    files: Vec<FileModel>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileModel {
    /// How the file is named in the request.
    label: String,
    /// The output key (the folder of its pages), when any page was written.
    key: Option<String>,
    error_message: Option<String>,
    warnings: Vec<String>,
    pages: Vec<PageModel>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageModel {
    page: u32,
    width: Option<u32>,
    height: Option<u32>,
    /// The page image, relative to `index.html`.
    image: Option<String>,
    /// Whether the image already shows the highlights (the SVG as image).
    image_highlighted: bool,
    svg: Option<String>,
    png: Option<String>,
    tiles: Option<Tiles>,
    /// The page's annotation overlay, when it has an SVG.
    overlay: Option<Overlay>,
    error_message: Option<String>,
    warnings: Vec<String>,
    /// What the viewer could not read of this page.
    note: Option<String>,
    annotations: Vec<AnnotationModel>,
}

/// An overlay script: `viewer/pages/<id>.js`, which calls `DiagramViewer.overlay(id, markup)`.
#[derive(Serialize)]
struct Overlay {
    id: usize,
    /// The script, relative to `index.html`.
    src: String,
}

/// A deep-zoom pyramid, as its `.dzi` describes it.
#[derive(Serialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Tiles {
    /// The tiles' folder, ending in `/`: `<folder><level>/<col>_<row>.<format>`.
    base: String,
    format: String,
    tile_size: u32,
    overlap: u32,
    width: u32,
    height: u32,
}

#[derive(Serialize, Debug, PartialEq)]
struct AnnotationModel {
    /// The element id in the SVG (`annotation-N`).
    id: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<f64>,
    /// `[x0, y0, x1, y1]` in page pixels.
    #[serde(rename = "box")]
    bounds: [f64; 4],
    /// Entity field values, for search.
    values: Vec<String>,
}

fn view_file(
    out: &Path,
    item: &ResultItem,
    pages_dir: &Path,
    overlays: &mut usize,
    summary: &mut ViewerSummary,
) -> Result<FileModel, ViewerError> {
    let label = match &item.file {
        FileRef::Id(id) => format!("fileId {id}"),
        FileRef::ExternalId(id) => id.clone(),
        FileRef::InstanceId(i) => format!("{}/{}", i.space, i.external_id),
    };
    let results = item.results.as_deref().unwrap_or_default();
    let key = results.iter().find_map(|p| {
        let url = p.png_url.as_ref().or(p.svg_url.as_ref()).or(p.other_urls.values().next())?;
        url.rsplit_once('/').map(|(folder, _)| folder.to_string())
    });
    let mut pages = Vec::with_capacity(results.len());
    for result in results {
        let page = view_page(out, result, pages_dir, overlays)?;
        if result.error_message.is_none() {
            summary.pages += 1;
        }
        summary.annotations += page.annotations.len();
        if let Some(note) = &page.note {
            summary.notes.push(format!("{label} page {}: {note}", result.page));
        }
        pages.push(page);
    }
    Ok(FileModel {
        label,
        key,
        error_message: item.error_message.clone(),
        warnings: item.warnings.clone(),
        pages,
    })
}

fn view_page(
    out: &Path,
    result: &PageResult,
    pages_dir: &Path,
    overlays: &mut usize,
) -> Result<PageModel, ViewerError> {
    let mut page = PageModel {
        page: result.page,
        width: None,
        height: None,
        image: None,
        image_highlighted: false,
        svg: None,
        png: None,
        tiles: None,
        overlay: None,
        error_message: result.error_message.clone(),
        warnings: result.warnings.clone(),
        note: None,
        annotations: Vec::new(),
    };
    if result.error_message.is_some() {
        return Ok(page);
    }
    let mut notes = Vec::new();
    let safe = |url: &Option<String>| -> Option<(String, PathBuf)> {
        let url = url.as_ref()?;
        local_path(out, url).map(|p| (url.clone(), p))
    };
    let png = safe(&result.png_url);
    let svg = safe(&result.svg_url);
    if result.png_url.is_some() && png.is_none() || result.svg_url.is_some() && svg.is_none() {
        notes.push("a URL in job.json leaves the output folder; it is not shown".to_string());
    }

    if let Some((url, path)) = &svg {
        match read_svg(path) {
            Ok(svg_page) => {
                page.width = Some(svg_page.width);
                page.height = Some(svg_page.height);
                page.annotations = svg_page.annotations;
                let id = *overlays;
                *overlays += 1;
                let script =
                    format!("DiagramViewer.overlay({id}, {});\n", to_json(&svg_page.markup));
                write_atomic(&pages_dir.join(format!("{id}.js")), script.as_bytes())?;
                page.overlay = Some(Overlay { id, src: format!("viewer/pages/{id}.js") });
            }
            Err(why) => notes.push(format!("its SVG cannot be shown ({why})")),
        }
        page.svg = Some(url.clone());
    } else if result.svg_url.is_none() {
        notes.push("the job wrote no SVG for it, so its annotations are not shown".to_string());
    }
    if let Some((url, path)) = &png {
        if page.width.is_none() {
            match png_size(path) {
                Ok((w, h)) => (page.width, page.height) = (Some(w), Some(h)),
                Err(why) => notes.push(format!("its PNG cannot be read ({why})")),
            }
        }
        page.png = Some(url.clone());
        page.image = Some(url.clone());
    } else if let Some(svg_url) = &page.svg {
        page.image = Some(svg_url.clone());
        page.image_highlighted = true;
    }
    if let Some(dzi) = result.other_urls.get("dzi") {
        match local_path(out, dzi)
            .ok_or_else(|| "its URL leaves the output folder".to_string())
            .and_then(|p| read_dzi(&p, dzi))
        {
            Ok(tiles) => {
                if page.width.is_none() {
                    (page.width, page.height) = (Some(tiles.width), Some(tiles.height));
                }
                page.tiles = Some(tiles);
            }
            Err(why) => notes.push(format!("its tiles cannot be shown ({why})")),
        }
    }
    if page.image.is_none() && page.tiles.is_none() {
        notes.push("the job wrote no PNG, SVG or tiles for it".to_string());
    }
    if !notes.is_empty() {
        page.note = Some(notes.join("; "));
    }
    Ok(page)
}

/// `url` (relative to `out`, `/`-separated) as a path under `out`, or `None` when it
/// could leave it ([`diagram_convert::key::is_inside`]).
fn local_path(out: &Path, url: &str) -> Option<PathBuf> {
    is_inside(url).then(|| url.split('/').fold(out.to_path_buf(), |path, part| path.join(part)))
}

/// What the viewer takes from a page SVG.
#[derive(Debug)]
struct SvgPage {
    width: u32,
    height: u32,
    /// `<g id="annotations">…</g>` as written.
    markup: String,
    annotations: Vec<AnnotationModel>,
}

/// The group diagram-svg-writer writes last, holding every annotation.
const ANNOTATIONS_START: &str = "<g id=\"annotations\">";

fn read_svg(path: &Path) -> Result<SvgPage, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let root_start = text.find("<svg").ok_or("no <svg> element")?;
    let root_end = text[root_start..].find('>').ok_or("the <svg> tag does not end")? + root_start;
    let root_tag = text[root_start..root_end].trim_end_matches('/');
    let root_doc = format!("{root_tag}></svg>");
    let root = roxmltree::Document::parse(&root_doc).map_err(|e| format!("its root: {e}"))?;
    let size = |name: &str| -> Result<u32, String> {
        let value = root.root_element().attribute(name).ok_or(format!("no {name} on <svg>"))?;
        value.parse::<u32>().map_err(|_| format!("{name}={value:?} is not a pixel count"))
    };
    let (width, height) = (size("width")?, size("height")?);

    let start = text.rfind(ANNOTATIONS_START).ok_or("no annotations group")?;
    let end = text.rfind("</svg>").filter(|&e| e > start).ok_or("the document does not end")?;
    let markup = text[start..end].to_string();
    let wrapped = format!("<svg xmlns=\"http://www.w3.org/2000/svg\">{markup}</svg>");
    let doc = roxmltree::Document::parse(&wrapped).map_err(|e| format!("its annotations: {e}"))?;
    let annotations = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("annotation"))
        .map(annotation)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SvgPage { width, height, markup, annotations })
}

fn annotation(group: roxmltree::Node<'_, '_>) -> Result<AnnotationModel, String> {
    let id = group.attribute("id").ok_or("an annotation without an id")?.to_string();
    let text = group.attribute("data-text").unwrap_or_default().to_string();
    let confidence = group.attribute("data-confidence").and_then(|c| c.parse::<f64>().ok());
    let shape = group
        .children()
        .find(|n| n.attribute("class") == Some("highlight"))
        .ok_or(format!("{id} has no highlight"))?;
    let number = |name: &str| -> Result<f64, String> {
        shape
            .attribute(name)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or(format!("{id}: no number in {name}"))
    };
    let bounds = match shape.tag_name().name() {
        "rect" => {
            let (x, y) = (number("x")?, number("y")?);
            [x, y, x + number("width")?, y + number("height")?]
        }
        "polygon" => {
            let points = shape.attribute("points").unwrap_or_default();
            let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            for pair in points.split_ascii_whitespace() {
                let (x, y) =
                    pair.split_once(',').ok_or(format!("{id}: a point without a comma"))?;
                let (x, y) = (x.parse::<f64>(), y.parse::<f64>());
                let (Ok(x), Ok(y)) = (x, y) else {
                    return Err(format!("{id}: a point is not numbers"));
                };
                b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            if !b.iter().all(|v| v.is_finite()) {
                return Err(format!("{id}: a polygon without points"));
            }
            b
        }
        other => return Err(format!("{id}: a highlight <{other}>")),
    };
    let mut values = Vec::new();
    if let Some(entities) = group.descendants().find(|n| n.has_tag_name("entities")) {
        for field in entities.descendants().filter(|n| n.has_tag_name("field")) {
            let items: Vec<_> = field.children().filter(|n| n.has_tag_name("value")).collect();
            if items.is_empty() {
                values.extend(field.text().map(str::to_string));
            } else {
                values.extend(items.iter().filter_map(|v| v.text()).map(str::to_string));
            }
        }
    }
    values.retain(|v| !v.is_empty());
    Ok(AnnotationModel { id, text, confidence, bounds, values })
}

/// The size in a PNG's header.
fn png_size(path: &Path) -> Result<(u32, u32), String> {
    let mut head = [0u8; 24];
    fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).map_err(|e| e.to_string())?;
    if &head[..8] != b"\x89PNG\r\n\x1a\n" || &head[12..16] != b"IHDR" {
        return Err("not a PNG".to_string());
    }
    let w = u32::from_be_bytes([head[16], head[17], head[18], head[19]]);
    let h = u32::from_be_bytes([head[20], head[21], head[22], head[23]]);
    Ok((w, h))
}

/// A `.dzi` descriptor: `<Image TileSize Overlap Format><Size Width Height/></Image>`.
fn read_dzi(path: &Path, url: &str) -> Result<Tiles, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let doc = roxmltree::Document::parse(&text).map_err(|e| e.to_string())?;
    let image = doc.root_element();
    let size = image.children().find(|n| n.has_tag_name("Size")).ok_or("no <Size>")?;
    let number = |node: roxmltree::Node<'_, '_>, name: &str| -> Result<u32, String> {
        node.attribute(name).and_then(|v| v.parse().ok()).ok_or(format!("no number in {name}"))
    };
    let format = image.attribute("Format").ok_or("no Format")?;
    if !format.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("Format {format:?}"));
    }
    let base = url.strip_suffix(".dzi").ok_or("its URL does not end in .dzi")?;
    let tiles = Tiles {
        base: format!("{base}_files/"),
        format: format.to_string(),
        tile_size: number(image, "TileSize")?,
        overlap: number(image, "Overlap")?,
        width: number(size, "Width")?,
        height: number(size, "Height")?,
    };
    if tiles.tile_size == 0 || tiles.width == 0 || tiles.height == 0 {
        return Err("a zero size".to_string());
    }
    Ok(tiles)
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising these plain structs and strings cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// Removes the overlay scripts of an earlier viewer in the same folder.
fn remove_old_pages(dir: &Path) -> Result<(), ViewerError> {
    let io = |source| ViewerError::Io { path: dir.to_path_buf(), source };
    for entry in fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "js") {
            fs::remove_file(&path).map_err(|source| ViewerError::Io { path, source })?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically ([`diagram_convert::write_atomic`]), creating its
/// folder.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ViewerError> {
    let io = |source| ViewerError::Io { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io)?;
    }
    diagram_convert::write_atomic(path, |f| f.write_all(bytes)).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_leave_the_folder_are_refused() {
        let out = Path::new("/out");
        assert_eq!(local_path(out, "a/page-1.png"), Some(PathBuf::from("/out/a/page-1.png")));
        assert_eq!(local_path(out, "a%2F/b~2/p.svg"), Some(PathBuf::from("/out/a%2F/b~2/p.svg")));
        for bad in [
            "",
            "/etc/passwd",
            "../x.png",
            "a/../../x",
            "a//b",
            "./a",
            "C:/x",
            "a\\..\\b",
            "file:///x",
        ] {
            assert_eq!(local_path(out, bad), None, "{bad}");
        }
    }

    #[test]
    fn an_annotation_is_read_from_its_group() {
        let markup = r##"<g id="annotations"><g id="annotation-7" class="annotation" data-text="21-PT-1019" data-confidence="0.75" data-page="1"><title>t</title><metadata><id>21-PT-1019</id><entities><entity><field name="externalId">PT-1019</field><field name="aliases"><value>a</value><value>b</value></field><field name="empty"></field></entity></entities></metadata><rect class="highlight" x="1.5" y="2" width="10" height="4.25" fill="#000000"/></g><g id="annotation-8" class="annotation" data-text="T" data-page="1"><metadata><id>T</id><entities/></metadata><polygon class="highlight" points="12.5,12.5 75,12.5 12.5,65.278"/></g></g>"##;
        let wrapped = format!("<svg xmlns=\"http://www.w3.org/2000/svg\">{markup}</svg>");
        let doc = roxmltree::Document::parse(&wrapped).unwrap();
        let found: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("annotation"))
            .map(|g| annotation(g).unwrap())
            .collect();
        assert_eq!(
            found,
            vec![
                AnnotationModel {
                    id: "annotation-7".into(),
                    text: "21-PT-1019".into(),
                    confidence: Some(0.75),
                    bounds: [1.5, 2.0, 11.5, 6.25],
                    values: vec!["PT-1019".into(), "a".into(), "b".into()],
                },
                AnnotationModel {
                    id: "annotation-8".into(),
                    text: "T".into(),
                    confidence: None,
                    bounds: [12.5, 12.5, 75.0, 65.278],
                    values: vec![],
                },
            ]
        );
    }

    #[test]
    fn a_dzi_descriptor_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page-1.dzi");
        fs::write(&path, r#"<?xml version="1.0" encoding="UTF-8"?><Image xmlns="http://schemas.microsoft.com/deepzoom/2008" Format="png" Overlap="1" TileSize="254"><Size Width="14043" Height="9929"/></Image>"#).unwrap();
        assert_eq!(
            read_dzi(&path, "k/page-1.dzi").unwrap(),
            Tiles {
                base: "k/page-1_files/".into(),
                format: "png".into(),
                tile_size: 254,
                overlap: 1,
                width: 14043,
                height: 9929
            }
        );
        fs::write(&path, r#"<Image Format="png&quot;/x" Overlap="1" TileSize="254"><Size Width="1" Height="1"/></Image>"#).unwrap();
        assert!(read_dzi(&path, "k/page-1.dzi").unwrap_err().starts_with("Format"));
        fs::write(
            &path,
            r#"<Image Format="png" Overlap="1" TileSize="0"><Size Width="1" Height="1"/></Image>"#,
        )
        .unwrap();
        assert_eq!(read_dzi(&path, "k/page-1.dzi").unwrap_err(), "a zero size");
    }
}
