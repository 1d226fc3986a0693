//! The annotation groups: one clickable `<g>` per shape of the overlay scene.

use diagram_overlay::{Outline, Scene, SceneShape};
use serde_json::Value;

use crate::num::num;
use crate::xml::Xml;

/// Decimals of highlight coordinates: a box sits within 0.0005 px of normalised * size.
pub(crate) const SHAPE_DECIMALS: u32 = 3;

/// The style sheet: hover feedback in any browser, no script.
pub(crate) const STYLE: &str = ".annotation{cursor:pointer}\
.annotation .highlight{transition:fill-opacity .15s,stroke-width .15s}\
.annotation:hover .highlight{fill-opacity:.5;stroke-width:5px}\
.annotation .tag-text{pointer-events:none}";

/// Writes every shape of `scene` as an annotation group.
pub(crate) fn write_annotations(xml: &mut Xml, scene: &Scene) {
    for shape in scene.shapes() {
        write_group(xml, shape, scene.page());
    }
}

fn write_group(xml: &mut Xml, shape: &SceneShape, page: u32) {
    let annotation = &shape.label;
    xml.start("g");
    xml.attr_raw("id", &format!("annotation-{}", shape.annotation));
    xml.attr_raw("class", "annotation");
    xml.attr("data-text", &annotation.text);
    if let Some(confidence) = annotation.confidence {
        xml.attr("data-confidence", &confidence.to_string());
    }
    xml.attr_raw("data-page", &page.to_string());

    xml.start("title");
    match annotation.confidence {
        Some(c) => xml.text(&format!("{} (confidence {c})", annotation.text)),
        None => xml.text(&annotation.text),
    }
    xml.end();

    xml.start("metadata");
    xml.start("id");
    xml.text(&annotation.text);
    xml.end();
    xml.start("entities");
    for entity in &annotation.entities {
        xml.start("entity");
        for (key, value) in entity {
            xml.start("field");
            xml.attr("name", key);
            match value {
                Value::Array(items) => {
                    for item in items {
                        xml.start("value");
                        xml.text(&scalar(item));
                        xml.end();
                    }
                }
                other => xml.text(&scalar(other)),
            }
            xml.end();
        }
        xml.end();
    }
    xml.end();
    xml.end();

    let style = &shape.style;
    let (x0, y0, x1, y1) = shape.geometry.bounds();
    match shape.geometry.outline() {
        Outline::Rect { .. } => {
            xml.start("rect");
            xml.attr_raw("class", "highlight");
            xml.attr_raw("x", &num(x0, SHAPE_DECIMALS));
            xml.attr_raw("y", &num(y0, SHAPE_DECIMALS));
            xml.attr_raw("width", &num(x1 - x0, SHAPE_DECIMALS));
            xml.attr_raw("height", &num(y1 - y0, SHAPE_DECIMALS));
        }
        Outline::Polygon(points) => {
            xml.start("polygon");
            xml.attr_raw("class", "highlight");
            let list: Vec<String> = points
                .iter()
                .map(|&(x, y)| format!("{},{}", num(x, SHAPE_DECIMALS), num(y, SHAPE_DECIMALS)))
                .collect();
            xml.attr_raw("points", &list.join(" "));
        }
    }
    // Always a fill, even a fully transparent one, so the whole shape takes clicks.
    xml.attr_raw("fill", &style.fill.hex());
    xml.attr_raw("fill-opacity", &num(style.fill.opacity(), 3));
    if style.stroke_width > 0.0 && style.stroke.a > 0 {
        xml.attr_raw("stroke", &style.stroke.hex());
        xml.attr_raw("stroke-width", &num(style.stroke_width as f64, 2));
        if style.stroke.a < 255 {
            xml.attr_raw("stroke-opacity", &num(style.stroke.opacity(), 3));
        }
    } else {
        xml.attr_raw("stroke", "none");
    }
    xml.end();

    // The tag as invisible text over the box, for find-in-page and copying.
    let h = y1 - y0;
    xml.start("text");
    xml.attr_raw("class", "tag-text");
    xml.attr_raw("x", &num(x0, SHAPE_DECIMALS));
    xml.attr_raw("y", &num(y1 - 0.2 * h, SHAPE_DECIMALS));
    xml.attr_raw("font-size", &num(0.8 * h, SHAPE_DECIMALS));
    xml.attr_raw("font-family", "sans-serif");
    xml.attr_raw("textLength", &num(x1 - x0, SHAPE_DECIMALS));
    xml.attr_raw("lengthAdjust", "spacingAndGlyphs");
    xml.attr_raw("fill-opacity", "0");
    xml.text(&annotation.text);
    xml.end();

    xml.end();
}

/// A JSON value as field text: strings as they are, `null` as empty, numbers and
/// booleans as JSON writes them, nested arrays and objects as compact JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
