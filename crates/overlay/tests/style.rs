//! Colours and styles against values written out here.

use diagram_core::ColorMode;
use diagram_overlay::{Color, OverlayOptions, Style};

#[test]
fn colours_give_their_gray_opacity_and_hex() {
    let c = Color::rgba(0xe6, 0x00, 0x7e, 51);
    assert_eq!((c.r, c.g, c.b, c.a), (230, 0, 126, 51));
    // (299 * 230 + 587 * 0 + 114 * 126 + 500) / 1000 = (68770 + 14364 + 500) / 1000 = 83.6
    assert_eq!(c.luma(), 83);
    assert_eq!(c.to_gray(), Color::rgba(83, 83, 83, 51));
    assert_eq!(c.opacity(), 0.2);
    assert_eq!(Color::rgba(0, 0, 0, 0).opacity(), 0.0);
    assert_eq!(Color::rgba(0, 0, 0, 255).opacity(), 1.0);
    assert_eq!(c.hex(), "#e6007e");
    assert_eq!(Color::rgba(1, 0xab, 0x0f, 7).hex(), "#01ab0f");
    assert_eq!(Color::rgba(255, 255, 255, 0).hex(), "#ffffff");
}

#[test]
fn default_styles_are_the_documented_ones() {
    let o = OverlayOptions::default();
    assert_eq!(
        o.color,
        Style {
            stroke: Color::rgba(0xe6, 0x00, 0x7e, 255),
            stroke_width: 3.0,
            fill: Color::rgba(0xe6, 0x00, 0x7e, 51),
        }
    );
    assert_eq!(
        o.gray,
        Style {
            stroke: Color::rgba(0x1a, 0x1a, 0x1a, 255),
            stroke_width: 3.0,
            fill: Color::rgba(0, 0, 0, 46),
        }
    );
    assert_eq!(o.style(ColorMode::Rgb), o.color);
    assert_eq!(o.style(ColorMode::Gray), o.gray);
}

#[test]
fn a_gray_page_takes_the_gray_style_turned_gray_width_and_all() {
    let o = OverlayOptions {
        color: Style {
            stroke: Color::rgba(1, 2, 3, 4),
            stroke_width: 1.0,
            fill: Color::rgba(5, 6, 7, 8),
        },
        gray: Style {
            stroke: Color::rgba(0, 255, 0, 200),
            stroke_width: 7.5,
            fill: Color::rgba(0, 0, 255, 30),
        },
    };
    // Green: 150 (150185 / 1000); blue: 29 (29570 / 1000).
    assert_eq!(
        o.style(ColorMode::Gray),
        Style {
            stroke: Color::rgba(150, 150, 150, 200),
            stroke_width: 7.5,
            fill: Color::rgba(29, 29, 29, 30),
        }
    );
    assert_eq!(o.style(ColorMode::Rgb), o.color);
}
