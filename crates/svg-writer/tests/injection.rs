//! Hostile request strings: the SVG parses strictly, carries nothing the input smuggled
//! in, and shows the text literally (characters XML forbids become U+FFFD).

mod common;

use common::{content, open, rectangle};
use diagram_core::ColorMode;
use diagram_overlay::{OverlayOptions, Scene};
use diagram_svg_writer::{write_svg, SvgOptions};
use serde_json::{json, Map};

const HOSTILE: [&str; 9] = [
    "<script>alert(1)</script>",
    "]]><script>alert(2)</script><![CDATA[",
    "\" onload=\"alert(3)",
    "' onmouseover='alert(4)",
    "a & b &amp; &lt; &#x3C; &unknown;",
    "<!-- comment --><?pi x?><!DOCTYPE x>",
    "ctl:\u{0}\u{1}\u{8}\u{b}\u{c}\u{1b}\u{7f}:tab\tlf\ncr\r:end",
    "nonchars:\u{FFFE}\u{FFFF}:astral:\u{1F600}",
    "</title></g></svg><svg onload=alert(5)>",
];

/// What the writer promises to show for `s`: forbidden characters replaced by U+FFFD.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

const ELEMENTS: [&str; 16] = [
    "svg", "style", "g", "image", "title", "metadata", "id", "entities", "entity", "field",
    "value", "rect", "polygon", "text", "path", "defs",
];

#[test]
fn hostile_text_and_entities_stay_data() {
    let annotations: Vec<_> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let mut a = rectangle(text, 1, (0.05 + 0.1 * i as f64, 0.1, 0.1 + 0.1 * i as f64, 0.2));
            let mut entity = Map::new();
            for (j, key) in HOSTILE.iter().enumerate() {
                entity.insert(key.to_string(), json!(HOSTILE[(i + j) % HOSTILE.len()]));
            }
            entity.insert("onload".into(), json!([HOSTILE[0], 1, {"k": HOSTILE[2]}]));
            a.entities = Some(vec![entity]);
            a
        })
        .collect();
    // A 300 x 200 white image page.
    let png = {
        let mut png = Vec::new();
        let mut encoder = png::Encoder::new(&mut png, 300, 200);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.write_header().unwrap().write_image_data(&[255; 300 * 200]).unwrap();
        png
    };
    let doc = open(png.into());
    let content = content(&doc, 0, ColorMode::Gray);
    let scene =
        Scene::build(&annotations, 1, content.frame(), ColorMode::Gray, &OverlayOptions::default());
    let page = write_svg(&scene, &content, &SvgOptions::default()).unwrap();
    let svg = String::from_utf8(page.svg.clone()).unwrap();

    // Both a strict XML parser and usvg accept it.
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    usvg::Tree::from_data(&page.svg, &usvg::Options::default()).expect("usvg parses it");

    // Nothing smuggled in: only our elements, no script, no event attribute, no
    // processing instruction or comment from the input.
    for node in doc.descendants() {
        assert!(!node.is_pi() && !node.is_comment(), "{node:?}");
        if node.is_element() {
            let name = node.tag_name().name();
            assert!(ELEMENTS.contains(&name), "unexpected element <{name}>");
            for attr in node.attributes() {
                assert!(!attr.name().to_ascii_lowercase().starts_with("on"), "{attr:?}");
            }
        }
    }
    assert!(!svg.contains("<script"));

    // Text shown literally.
    let groups: Vec<_> =
        doc.descendants().filter(|n| n.attribute("class") == Some("annotation")).collect();
    assert_eq!(groups.len(), HOSTILE.len());
    for (i, group) in groups.iter().enumerate() {
        let expected = shown(HOSTILE[i]);
        assert_eq!(group.attribute("data-text"), Some(expected.as_str()));
        let child = |name: &str| group.children().find(|c| c.has_tag_name(name)).unwrap();
        assert_eq!(child("title").text(), Some(format!("{expected} (confidence 0.875)").as_str()));
        assert_eq!(child("text").text(), Some(expected.as_str()));
        let metadata = child("metadata");
        let id = metadata.children().find(|c| c.has_tag_name("id")).unwrap();
        assert_eq!(id.text(), Some(expected.as_str()));
        let fields: Vec<_> = metadata.descendants().filter(|n| n.has_tag_name("field")).collect();
        assert_eq!(fields.len(), HOSTILE.len() + 1);
        for (j, field) in fields.iter().take(HOSTILE.len()).enumerate() {
            assert_eq!(field.attribute("name"), Some(shown(HOSTILE[j]).as_str()));
            let value = shown(HOSTILE[(i + j) % HOSTILE.len()]);
            assert_eq!(field.text().unwrap_or(""), value);
        }
        let array = fields.last().unwrap();
        assert_eq!(array.attribute("name"), Some("onload"));
        let values: Vec<String> = array
            .children()
            .filter(|c| c.has_tag_name("value"))
            .map(|c| c.text().unwrap_or("").to_string())
            .collect();
        let object = json!({"k": HOSTILE[2]}).to_string();
        assert_eq!(values, vec![HOSTILE[0].to_string(), "1".to_string(), object]);
    }
}
