//! A page's deadline stops hayro between content operators: a page that would take hours
//! to draw fails with `TimedOut` soon after its deadline instead of running on.

mod common;

use std::sync::Arc;
use std::time::Duration;

use diagram_core::{ColorMode, Deadline, Limits};
use diagram_raster::{Document, RasterError, RenderOptions};

fn open(bytes: Vec<u8>) -> Document {
    Document::open(Arc::from(bytes), &Limits::default()).unwrap()
}

#[test]
fn a_page_that_would_take_hours_stops_at_its_deadline() {
    // 10^9 nested squares: without the interpreter's hook this render does not return.
    let doc = open(common::fan_out_pdf(9, 10));
    let options = RenderOptions { dpi: 36.0, ..Default::default() };
    let plan = doc.plan(0, &options, &Limits::default()).unwrap();
    let deadline = Deadline::after(Some(Duration::from_millis(200)));
    let err = doc.render(&plan, ColorMode::Gray, deadline).unwrap_err();
    assert_eq!(err, RasterError::TimedOut { page: 1 });
    assert_eq!(err.to_string(), "page 1: rendering stopped at the time limit");
}

#[test]
fn a_deadline_in_time_changes_nothing() {
    // 10^3 squares, drawn well within an hour: the same pixels as with no deadline.
    let doc = open(common::fan_out_pdf(3, 10));
    let options = RenderOptions { dpi: 72.0, ..Default::default() };
    let plan = doc.plan(0, &options, &Limits::default()).unwrap();
    let free = doc.render(&plan, ColorMode::Gray, Deadline::NONE).unwrap();
    let timed =
        doc.render(&plan, ColorMode::Gray, Deadline::after(Some(Duration::from_secs(3600))));
    assert_eq!(timed.unwrap().image, free.image);
    // The nested squares all land on the page's middle 10 x 10 points.
    let diagram_raster::PageImage::Gray(gray) = &free.image else { panic!("gray") };
    assert!(gray.get_pixel(50, 50).0[0] < 128);
    assert_eq!(gray.get_pixel(5, 5).0[0], 255);
}

#[test]
fn a_passed_deadline_renders_nothing() {
    let doc = open(common::fan_out_pdf(2, 2));
    let plan = doc.plan(0, &RenderOptions::default(), &Limits::default()).unwrap();
    let err = doc.render(&plan, ColorMode::Gray, Deadline::after(Some(Duration::ZERO)));
    assert_eq!(err.unwrap_err(), RasterError::TimedOut { page: 1 });
}
