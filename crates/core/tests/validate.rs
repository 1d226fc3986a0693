//! One test per validation rule: a valid request broken in exactly that one way yields
//! exactly that path and reason.

use diagram_core::{parse_request, validate_value, Limits, RequestError, ValidateOptions};
use serde_json::{json, Value};

fn valid() -> Value {
    json!({
        "items": [
            {"fileExternalId": "a.pdf", "annotations": [annotation(), annotation()]},
            {"fileId": 7, "annotations": []},
            {"fileInstanceId": {"space": "sp", "externalId": "b.pdf"}, "annotations": [annotation()]}
        ],
        "grayscale": true
    })
}

fn annotation() -> Value {
    json!({
        "text": "21-PT-1019", "confidence": 0.5,
        "region": {"shape": "rectangle", "page": 1, "vertices": [
            {"x": 0.1, "y": 0.1}, {"x": 0.1, "y": 0.2}, {"x": 0.2, "y": 0.2}, {"x": 0.2, "y": 0.1}]},
        "entities": [{"userDefinedField": "21PT1017", "n": 3, "list": ["a", "b"]}]
    })
}

fn check_with(options: &ValidateOptions, edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut v = valid();
    edit(&mut v);
    validate_value(&v, options).iter().map(|v| v.to_string()).collect()
}

fn check(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    check_with(&ValidateOptions::default(), edit)
}

fn ann(v: &mut Value) -> &mut Value {
    &mut v["items"][0]["annotations"][1]
}

#[test]
fn valid_request_has_no_violation() {
    assert_eq!(check(|_| {}), Vec::<String>::new());
    let bytes = serde_json::to_vec(&valid()).unwrap();
    let req = parse_request(&bytes, &ValidateOptions::default()).unwrap();
    assert_eq!(req.items.len(), 3);
}

#[test]
fn root_must_be_an_object() {
    assert_eq!(check(|v| *v = json!([1])), ["$: expected an object, found an array"]);
}

#[test]
fn items_required() {
    assert_eq!(check(|v| drop(v.as_object_mut().unwrap().remove("items"))), ["items: is required"]);
}

#[test]
fn items_must_be_array() {
    assert_eq!(check(|v| v["items"] = json!("x")), ["items: expected an array, found a string"]);
}

#[test]
fn items_not_empty() {
    assert_eq!(check(|v| v["items"] = json!([])), ["items: must have 1 to 50 entries, found none"]);
}

#[test]
fn at_most_50_items() {
    let got = check(|v| {
        let items: Vec<Value> = (0..51).map(|i| json!({"fileId": i, "annotations": []})).collect();
        v["items"] = Value::Array(items);
    });
    assert_eq!(got, ["items: must have 1 to 50 entries, found 51"]);
}

#[test]
fn item_must_be_object() {
    assert_eq!(
        check(|v| v["items"][1] = json!(3)),
        ["items[1]: expected an object, found a number"]
    );
}

#[test]
fn item_needs_a_file_reference() {
    assert_eq!(
        check(|v| drop(v["items"][1].as_object_mut().unwrap().remove("fileId"))),
        ["items[1]: needs exactly one of fileId, fileExternalId, fileInstanceId; found none"]
    );
}

#[test]
fn item_takes_only_one_file_reference() {
    assert_eq!(
        check(|v| v["items"][1]["fileExternalId"] = json!("x.pdf")),
        ["items[1]: needs exactly one of fileId, fileExternalId, fileInstanceId; found fileId, fileExternalId"]
    );
}

#[test]
fn file_id_is_an_integer() {
    assert_eq!(
        check(|v| v["items"][1]["fileId"] = json!(1.5)),
        ["items[1].fileId: expected a 64-bit integer, found 1.5"]
    );
}

#[test]
fn external_id_is_a_non_empty_string() {
    assert_eq!(
        check(|v| v["items"][0]["fileExternalId"] = json!(12)),
        ["items[0].fileExternalId: expected a string, found 12"]
    );
    assert_eq!(
        check(|v| v["items"][0]["fileExternalId"] = json!("")),
        ["items[0].fileExternalId: must not be empty"]
    );
}

#[test]
fn external_id_length_is_limited() {
    assert_eq!(
        check(|v| v["items"][0]["fileExternalId"] = json!("x".repeat(1025))),
        ["items[0].fileExternalId: is 1025 bytes long, more than 1024"]
    );
}

#[test]
fn instance_id_needs_space_and_external_id() {
    assert_eq!(
        check(|v| drop(v["items"][2]["fileInstanceId"].as_object_mut().unwrap().remove("space"))),
        ["items[2].fileInstanceId.space: is required"]
    );
    assert_eq!(
        check(|v| v["items"][2]["fileInstanceId"]["externalId"] = json!(null)),
        ["items[2].fileInstanceId.externalId: expected a string, found null"]
    );
}

#[test]
fn duplicate_file_reference_is_reported_at_the_later_item() {
    let got = check(|v| {
        v["items"][2] = json!({"fileId": 7, "annotations": []});
    });
    assert_eq!(got, ["items[2].fileId: 7 duplicates items[1].fileId"]);
    let got = check(|v| {
        v["items"][1] = json!({"fileExternalId": "a.pdf", "annotations": []});
    });
    assert_eq!(got, ["items[1].fileExternalId: \"a.pdf\" duplicates items[0].fileExternalId"]);
}

#[test]
fn annotations_required() {
    assert_eq!(
        check(|v| drop(v["items"][1].as_object_mut().unwrap().remove("annotations"))),
        ["items[1].annotations: is required (it may be empty)"]
    );
}

#[test]
fn annotations_must_be_array() {
    assert_eq!(
        check(|v| v["items"][1]["annotations"] = json!({})),
        ["items[1].annotations: expected an array, found an object"]
    );
}

#[test]
fn at_most_1000_annotations() {
    assert_eq!(
        check(|v| v["items"][1]["annotations"] = Value::Array(vec![annotation(); 1001])),
        ["items[1].annotations: has 1001 entries, more than 1000"]
    );
}

#[test]
fn annotation_must_be_object() {
    assert_eq!(
        check(|v| *ann(v) = json!("tag")),
        ["items[0].annotations[1]: expected an object, found a string"]
    );
}

#[test]
fn text_required_and_a_string() {
    assert_eq!(
        check(|v| drop(ann(v).as_object_mut().unwrap().remove("text"))),
        ["items[0].annotations[1].text: is required"]
    );
    assert_eq!(
        check(|v| ann(v)["text"] = json!(5)),
        ["items[0].annotations[1].text: expected a string, found 5"]
    );
}

#[test]
fn text_length_is_limited() {
    assert_eq!(
        check(|v| ann(v)["text"] = json!("é".repeat(513))),
        ["items[0].annotations[1].text: is 1026 bytes long, more than 1024"]
    );
}

#[test]
fn confidence_in_unit_interval() {
    assert_eq!(
        check(|v| ann(v)["confidence"] = json!(1.5)),
        ["items[0].annotations[1].confidence: 1.5 is outside [0, 1]"]
    );
    assert_eq!(
        check(|v| ann(v)["confidence"] = json!("high")),
        ["items[0].annotations[1].confidence: expected a number, found \"high\""]
    );
    assert_eq!(
        check(|v| drop(ann(v).as_object_mut().unwrap().remove("confidence"))),
        Vec::<String>::new()
    );
}

#[test]
fn region_required() {
    assert_eq!(
        check(|v| drop(ann(v).as_object_mut().unwrap().remove("region"))),
        ["items[0].annotations[1].region: is required"]
    );
    assert_eq!(
        check(|v| ann(v)["region"] = json!([])),
        ["items[0].annotations[1].region: expected an object, found an array"]
    );
}

#[test]
fn page_is_an_integer_from_one() {
    assert_eq!(
        check(|v| ann(v)["region"]["page"] = json!(0)),
        ["items[0].annotations[1].region.page: 0 is not an integer >= 1"]
    );
    assert_eq!(
        check(|v| ann(v)["region"]["page"] = json!(1.5)),
        ["items[0].annotations[1].region.page: 1.5 is not an integer >= 1"]
    );
    assert_eq!(
        check(|v| drop(ann(v)["region"].as_object_mut().unwrap().remove("page"))),
        ["items[0].annotations[1].region.page: is required"]
    );
}

#[test]
fn shape_is_known() {
    assert_eq!(
        check(|v| ann(v)["region"]["shape"] = json!("circle")),
        ["items[0].annotations[1].region.shape: \"circle\" is not \"rectangle\" or \"polygon\""]
    );
    assert_eq!(
        check(|v| drop(ann(v)["region"].as_object_mut().unwrap().remove("shape"))),
        ["items[0].annotations[1].region.shape: is required"]
    );
}

#[test]
fn polygon_accepted_by_default_refused_in_strict_mode() {
    let polygon = |v: &mut Value| {
        ann(v)["region"] = json!({"shape": "polygon", "page": 2,
            "vertices": [{"x": 0.1, "y": 0.1}, {"x": 0.5, "y": 0.1}, {"x": 0.3, "y": 0.4}]});
    };
    assert_eq!(check(polygon), Vec::<String>::new());
    let strict = ValidateOptions { strict: true, ..Default::default() };
    assert_eq!(
        check_with(&strict, polygon),
        ["items[0].annotations[1].region.shape: \"polygon\" is an extension of diagram-convert; the hosted service (strict mode) accepts only \"rectangle\""]
    );
}

#[test]
fn polygon_needs_three_vertices() {
    assert_eq!(
        check(|v| {
            ann(v)["region"] = json!({"shape": "polygon", "page": 1,
                "vertices": [{"x": 0.1, "y": 0.1}, {"x": 0.5, "y": 0.1}]});
        }),
        ["items[0].annotations[1].region.vertices: a polygon needs 3 to 1000 vertices, found 2"]
    );
}

#[test]
fn rectangle_needs_exactly_four_vertices() {
    assert_eq!(
        check(|v| drop(ann(v)["region"]["vertices"].as_array_mut().unwrap().pop())),
        ["items[0].annotations[1].region.vertices: a rectangle needs exactly 4 vertices, found 3"]
    );
}

#[test]
fn rectangle_vertices_in_any_order() {
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"].as_array_mut().unwrap().reverse()),
        Vec::<String>::new()
    );
}

#[test]
fn vertices_required_and_an_array() {
    assert_eq!(
        check(|v| drop(ann(v)["region"].as_object_mut().unwrap().remove("vertices"))),
        ["items[0].annotations[1].region.vertices: is required"]
    );
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"] = json!(4)),
        ["items[0].annotations[1].region.vertices: expected an array, found a number"]
    );
}

#[test]
fn vertex_coordinates_in_unit_interval() {
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"][2]["x"] = json!(1.2)),
        ["items[0].annotations[1].region.vertices[2].x: 1.2 is outside [0, 1]"]
    );
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"][0]["y"] = json!(-0.01)),
        ["items[0].annotations[1].region.vertices[0].y: -0.01 is outside [0, 1]"]
    );
}

#[test]
fn vertex_coordinates_required_numbers() {
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"][1] = json!({"x": 0.1})),
        ["items[0].annotations[1].region.vertices[1].y: is required"]
    );
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"][1]["x"] = json!("0.1")),
        ["items[0].annotations[1].region.vertices[1].x: expected a number, found \"0.1\""]
    );
    assert_eq!(
        check(|v| ann(v)["region"]["vertices"][3] = json!([0.1, 0.2])),
        ["items[0].annotations[1].region.vertices[3]: expected an object, found an array"]
    );
}

#[test]
fn entities_one_to_five_objects() {
    assert_eq!(
        check(|v| ann(v)["entities"] = json!([])),
        ["items[0].annotations[1].entities: must have 1 to 5 entries, found 0"]
    );
    assert_eq!(
        check(|v| ann(v)["entities"] = json!([{}, {}, {}, {}, {}, {}])),
        ["items[0].annotations[1].entities: must have 1 to 5 entries, found 6"]
    );
    assert_eq!(
        check(|v| ann(v)["entities"] = json!([{"a": 1}, "x"])),
        ["items[0].annotations[1].entities[1]: expected an object, found a string"]
    );
    assert_eq!(
        check(|v| ann(v)["entities"] = json!({"a": 1})),
        ["items[0].annotations[1].entities: expected an array, found an object"]
    );
}

#[test]
fn entity_size_is_limited() {
    let many: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    assert_eq!(
        check(|v| ann(v)["entities"] = json!([Value::Object(many)])),
        ["items[0].annotations[1].entities[0]: has 101 fields, more than 100"]
    );
    let got = check(|v| ann(v)["entities"] = json!([{"k": "x".repeat(20000)}]));
    assert_eq!(
        got,
        ["items[0].annotations[1].entities[0]: is 20008 bytes as JSON, more than 16384"]
    );
}

#[test]
fn grayscale_is_a_boolean() {
    assert_eq!(
        check(|v| v["grayscale"] = json!("yes")),
        ["grayscale: expected a boolean, found \"yes\""]
    );
}

#[test]
fn grayscale_defaults_to_true() {
    let req = parse_request(br#"{"items":[{"fileId":1,"annotations":[]}]}"#, &Default::default())
        .unwrap();
    assert!(req.grayscale);
}

#[test]
fn five_breaks_give_five_lines() {
    let got = check(|v| {
        v["grayscale"] = json!(1);
        v["items"][0]["annotations"][0]["region"]["vertices"][2]["x"] = json!(1.2);
        v["items"][0]["annotations"][1]["region"]["page"] = json!(0);
        v["items"][1]["fileId"] = json!("seven");
        v["items"][2]["annotations"][0]["confidence"] = json!(2);
    });
    assert_eq!(
        got,
        [
            "grayscale: expected a boolean, found 1",
            "items[0].annotations[0].region.vertices[2].x: 1.2 is outside [0, 1]",
            "items[0].annotations[1].region.page: 0 is not an integer >= 1",
            "items[1].fileId: expected a 64-bit integer, found \"seven\"",
            "items[2].annotations[0].confidence: 2 is outside [0, 1]",
        ]
    );
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err =
        parse_request(b"{\n  \"items\": [\n    {\"fileId\": 1,}\n  ]\n}", &Default::default())
            .unwrap_err();
    match err {
        RequestError::Malformed { line, column, .. } => assert_eq!((line, column), (3, 18)),
        other => panic!("expected a malformed-JSON error, got {other}"),
    }
}

#[test]
fn oversized_request_is_refused_before_parsing() {
    let options = ValidateOptions {
        limits: Limits { max_request_bytes: 10, ..Default::default() },
        ..Default::default()
    };
    let err = parse_request(b"{\"items\": [not even json", &options).unwrap_err();
    assert!(matches!(err, RequestError::TooLarge { size: 24, limit: 10 }), "{err}");

    let dir = std::env::temp_dir().join(format!("dc-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.json");
    std::fs::write(&path, vec![b' '; 11]).unwrap();
    let err = diagram_core::read_request(&path, &options).unwrap_err();
    assert!(matches!(err, RequestError::TooLarge { size: 11, limit: 10 }), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_fields_are_ignored() {
    let got = check(|v| {
        ann(v)["extra"] = json!({"anything": [1, 2]});
        v["items"][0]["detector"] = json!("v2");
        v["somethingElse"] = json!(true);
    });
    assert_eq!(got, Vec::<String>::new());
    let mut v = valid();
    ann(&mut v)["extra"] = json!(1);
    parse_request(&serde_json::to_vec(&v).unwrap(), &Default::default()).unwrap();
}

/// A request built in Rust, broken in ways the types allow, gets the same paths and
/// reasons as the same request parsed from JSON.
#[test]
fn typed_requests_are_validated_with_the_same_paths() {
    let parsed =
        |v: &Value| -> diagram_core::ConvertRequest { serde_json::from_value(v.clone()).unwrap() };
    let options = ValidateOptions::default();
    let lines = |r: &diagram_core::ConvertRequest| match r.validate(&options) {
        Ok(()) => Vec::new(),
        Err(e) => e.lines(),
    };
    assert_eq!(lines(&parsed(&valid())), Vec::<String>::new());

    // Out of range, too long, duplicated: the same as the JSON validator says.
    let mut v = valid();
    ann(&mut v)["region"]["vertices"][2]["x"] = json!(1.5);
    ann(&mut v)["text"] = json!("x".repeat(1025));
    v["items"][1]["fileId"] = json!(7);
    v["items"][2] = json!({"fileId": 7, "annotations": []});
    let from_json: Vec<String> =
        validate_value(&v, &options).iter().map(|v| v.to_string()).collect();
    assert_eq!(from_json.len(), 3, "{from_json:?}");
    assert_eq!(lines(&parsed(&v)), from_json);

    // What JSON cannot hold: non-finite numbers, named where they are.
    let mut typed = parsed(&valid());
    typed.items[0].annotations[1].region.vertices[3].y = f64::NAN;
    typed.items[2].annotations[0].confidence = Some(f64::INFINITY);
    assert_eq!(
        lines(&typed),
        [
            "items[0].annotations[1].region.vertices[3].y: NaN is not a finite number",
            "items[2].annotations[0].confidence: inf is not a finite number",
        ]
    );

    // Limits of the options apply, as when parsing.
    let tight =
        ValidateOptions { limits: Limits { max_items: 2, ..Limits::default() }, ..options.clone() };
    let err = parsed(&valid()).validate(&tight).unwrap_err();
    assert_eq!(err.lines(), ["items: must have 1 to 2 entries, found 3"]);
}

/// Each limit at the limit (accepted) and one past it (refused), with the message.
#[test]
fn limits_hold_at_the_limit_and_refuse_one_past() {
    // Items: 50 and 51.
    let items = |n: i64| -> Value {
        Value::Array((0..n).map(|i| json!({"fileId": i, "annotations": []})).collect())
    };
    assert_eq!(check(|v| v["items"] = items(50)), Vec::<String>::new());
    assert_eq!(check(|v| v["items"] = items(51)), ["items: must have 1 to 50 entries, found 51"]);
    // Annotations: 1000 and 1001.
    let anns = |n: usize| Value::Array(vec![annotation(); n]);
    assert_eq!(check(|v| v["items"][1]["annotations"] = anns(1000)), Vec::<String>::new());
    assert_eq!(
        check(|v| v["items"][1]["annotations"] = anns(1001)),
        ["items[1].annotations: has 1001 entries, more than 1000"]
    );
    // Polygon vertices: 1000 and 1001.
    let polygon = |n: usize| -> Value {
        let vertices: Vec<Value> = (0..n)
            .map(|k| {
                let t = k as f64 / n as f64 * std::f64::consts::TAU;
                json!({"x": 0.5 + 0.4 * t.cos(), "y": 0.5 + 0.4 * t.sin()})
            })
            .collect();
        json!({"shape": "polygon", "page": 1, "vertices": vertices})
    };
    assert_eq!(check(|v| ann(v)["region"] = polygon(1000)), Vec::<String>::new());
    assert_eq!(
        check(|v| ann(v)["region"] = polygon(1001)),
        ["items[0].annotations[1].region.vertices: a polygon needs 3 to 1000 vertices, found 1001"]
    );
    // Entities: 5 and 6 (6 in entities_one_to_five_objects), and 1.
    assert_eq!(check(|v| ann(v)["entities"] = json!([{}, {}, {}, {}, {}])), Vec::<String>::new());
    assert_eq!(check(|v| ann(v)["entities"] = json!([{}])), Vec::<String>::new());
    // Entity fields: 100 and 101.
    let fields = |n: usize| -> Value {
        Value::Object((0..n).map(|i| (format!("k{i}"), json!(i))).collect())
    };
    assert_eq!(check(|v| ann(v)["entities"] = json!([fields(100)])), Vec::<String>::new());
    assert_eq!(
        check(|v| ann(v)["entities"] = json!([fields(101)])),
        ["items[0].annotations[1].entities[0]: has 101 fields, more than 100"]
    );
    // Entity bytes: {"k":"..."} is 8 bytes plus the string: 16384 and 16385.
    let sized = |n: usize| json!([{"k": "x".repeat(n - 8)}]);
    assert_eq!(check(|v| ann(v)["entities"] = sized(16_384)), Vec::<String>::new());
    assert_eq!(
        check(|v| ann(v)["entities"] = sized(16_385)),
        ["items[0].annotations[1].entities[0]: is 16385 bytes as JSON, more than 16384"]
    );
    // Text bytes: 1024 and 1025 (UTF-8 bytes, not characters).
    assert_eq!(check(|v| ann(v)["text"] = json!("é".repeat(512))), Vec::<String>::new());
    assert_eq!(
        check(|v| ann(v)["text"] = json!(format!("{}x", "é".repeat(512)))),
        ["items[0].annotations[1].text: is 1025 bytes long, more than 1024"]
    );
    // Id bytes: 1024 and 1025, for every id string.
    let id = |n: usize| json!("x".repeat(n));
    assert_eq!(check(|v| v["items"][0]["fileExternalId"] = id(1024)), Vec::<String>::new());
    assert_eq!(
        check(|v| v["items"][2]["fileInstanceId"]["space"] = id(1024)),
        Vec::<String>::new()
    );
    assert_eq!(
        check(|v| v["items"][2]["fileInstanceId"]["space"] = id(1025)),
        ["items[2].fileInstanceId.space: is 1025 bytes long, more than 1024"]
    );
    assert_eq!(
        check(|v| v["items"][2]["fileInstanceId"]["externalId"] = id(1025)),
        ["items[2].fileInstanceId.externalId: is 1025 bytes long, more than 1024"]
    );
    // Pages: u32::MAX and one more.
    assert_eq!(check(|v| ann(v)["region"]["page"] = json!(u32::MAX)), Vec::<String>::new());
    assert_eq!(
        check(|v| ann(v)["region"]["page"] = json!(u32::MAX as u64 + 1)),
        ["items[0].annotations[1].region.page: 4294967296 is not an integer >= 1"]
    );
    // Confidence and coordinates: 0 and 1 are inside.
    assert_eq!(check(|v| ann(v)["confidence"] = json!(0.0)), Vec::<String>::new());
    assert_eq!(check(|v| ann(v)["confidence"] = json!(1.0)), Vec::<String>::new());
    assert_eq!(check(|v| ann(v)["confidence"] = json!(null)), Vec::<String>::new());
    assert_eq!(
        check(|v| ann(v)["confidence"] = json!(-0.001)),
        ["items[0].annotations[1].confidence: -0.001 is outside [0, 1]"]
    );
    assert_eq!(
        check(|v| {
            ann(v)["region"]["vertices"] = json!([
                {"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}, {"x": 1.0, "y": 1.0}, {"x": 0.0, "y": 1.0}
            ])
        }),
        Vec::<String>::new()
    );
}

/// The request size limit, in parse_request and in read_request, at the limit and past.
#[test]
fn request_size_limit_at_the_limit_and_one_past() {
    let body = br#"{"items":[{"fileId":1,"annotations":[]}]}"#;
    let at = |limit: usize| ValidateOptions {
        limits: Limits { max_request_bytes: limit as u64, ..Default::default() },
        ..Default::default()
    };
    assert!(parse_request(body, &at(body.len())).is_ok());
    let err = parse_request(body, &at(body.len() - 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "the request is {} bytes, more than the limit of {} bytes",
            body.len(),
            body.len() - 1
        )
    );

    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validate-size");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("request.json");
    std::fs::write(&path, body).unwrap();
    assert!(diagram_core::read_request(&path, &at(body.len())).is_ok());
    let err = diagram_core::read_request(&path, &at(body.len() - 1)).unwrap_err();
    assert!(
        matches!(err, RequestError::TooLarge { size, limit } if size == body.len() as u64 && limit == size - 1),
        "{err}"
    );
}

/// `read_request` refuses by the file's size before reading it: a directory (which
/// cannot be read as a file) with a size above the limit gives `TooLarge`, not an I/O
/// error, so the size check is proven to run before the read.
#[test]
fn read_request_checks_the_size_before_reading() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validate-dir");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..20 {
        std::fs::write(dir.join(format!("entry-with-a-long-name-{i}")), b"x").unwrap();
    }
    let size = std::fs::metadata(&dir).unwrap().len();
    assert!(size > 0, "this file system reports directories as 0 bytes");
    let options = ValidateOptions {
        limits: Limits { max_request_bytes: size - 1, ..Default::default() },
        ..Default::default()
    };
    let err = diagram_core::read_request(&dir, &options).unwrap_err();
    assert!(matches!(err, RequestError::TooLarge { size: s, .. } if s == size), "{err:?}");
    // Within the limit, the read is tried and fails as an I/O error naming the path.
    let err = diagram_core::read_request(&dir, &ValidateOptions::default()).unwrap_err();
    assert!(
        matches!(err, RequestError::Io { ref path, .. } if path == &dir.display().to_string()),
        "{err:?}"
    );
    let missing = dir.join("missing.json");
    let err = diagram_core::read_request(&missing, &ValidateOptions::default()).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!("cannot read request {}: ", missing.display())),
        "{err}"
    );
}

/// A pipe has no size to check before reading: `read_request` reads at most one byte past
/// the limit and refuses a request that has it, and reads a request of exactly the limit
/// whole. The pipe is a FIFO fed by a thread (Unix only: `mkfifo`).
#[cfg(unix)]
#[test]
fn a_piped_request_at_the_limit_and_one_past() {
    let body: &[u8] = br#"{"items":[{"fileId":1,"annotations":[]}]}"#;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validate-fifo");
    std::fs::create_dir_all(&dir).unwrap();
    let read_piped = |name: &str, limit: usize| {
        let fifo = dir.join(name);
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success(), "mkfifo {}", fifo.display());
        let writer = {
            let fifo = fifo.clone();
            // The reader may stop before the end and close the pipe: the write error
            // that gives is expected.
            std::thread::spawn(move || std::fs::write(fifo, body).ok())
        };
        let options = ValidateOptions {
            limits: Limits { max_request_bytes: limit as u64, ..Default::default() },
            ..Default::default()
        };
        let result = diagram_core::read_request(&fifo, &options);
        writer.join().unwrap();
        result
    };
    let request = read_piped("at-limit", body.len()).unwrap();
    assert_eq!(request.items.len(), 1);
    let err = read_piped("one-past", body.len() - 1).unwrap_err();
    assert!(
        matches!(err, RequestError::TooLargeStream { limit } if limit == body.len() as u64 - 1),
        "{err:?}"
    );
}

#[test]
fn malformed_json_message_has_no_position_twice() {
    let err =
        parse_request(b"{\n  \"items\": [\n    {\"fileId\": 1,}\n  ]\n}", &Default::default())
            .unwrap_err();
    // serde_json says "trailing comma at line 3 column 18"; the position is given once.
    assert_eq!(err.to_string(), "line 3, column 18: trailing comma");
    let err = parse_request(b"{\"items\": [", &Default::default()).unwrap_err();
    assert_eq!(err.lines(), ["line 1, column 11: EOF while parsing a list"]);
}

/// Values in messages are shown up to 40 characters; longer ones are cut to 37 and "...".
#[test]
fn long_values_are_cut_in_messages() {
    // A JSON string of 38 characters is 40 with its quotes: shown whole.
    let whole = "x".repeat(38);
    assert_eq!(
        check(|v| v["grayscale"] = json!(whole)),
        [format!("grayscale: expected a boolean, found \"{whole}\"")]
    );
    // 39 characters, 41 with quotes: the first 37 characters (the quote and 36 x's).
    assert_eq!(
        check(|v| v["grayscale"] = json!("x".repeat(39))),
        [format!("grayscale: expected a boolean, found \"{}...", "x".repeat(36))]
    );
    // Characters, not bytes: 38 two-byte characters are shown whole.
    let wide = "é".repeat(38);
    assert_eq!(
        check(|v| v["grayscale"] = json!(wide)),
        [format!("grayscale: expected a boolean, found \"{wide}\"")]
    );
}

#[test]
fn non_objects_are_named_by_kind() {
    for (value, kind) in [
        (json!(null), "null"),
        (json!(true), "a boolean"),
        (json!(1), "a number"),
        (json!("s"), "a string"),
        (json!([]), "an array"),
    ] {
        assert_eq!(check(|v| *v = value), [format!("$: expected an object, found {kind}")]);
    }
}

#[test]
fn instance_id_must_be_an_object() {
    assert_eq!(
        check(|v| v["items"][2]["fileInstanceId"] = json!("sp/b.pdf")),
        ["items[2].fileInstanceId: expected an object, found a string"]
    );
    assert_eq!(
        check(|v| drop(
            v["items"][2]["fileInstanceId"].as_object_mut().unwrap().remove("externalId")
        )),
        ["items[2].fileInstanceId.externalId: is required"]
    );
    // The same space and external id twice is a duplicate; another space is not.
    let dup = json!({"fileInstanceId": {"space": "sp", "externalId": "b.pdf"}, "annotations": []});
    assert_eq!(
        check(|v| v["items"][1] = dup.clone()),
        ["items[2].fileInstanceId: {\"space\":\"sp\",\"externalId\":\"b.pdf\"} duplicates items[1].fileInstanceId"]
    );
    let other =
        json!({"fileInstanceId": {"space": "sq", "externalId": "b.pdf"}, "annotations": []});
    assert_eq!(check(|v| v["items"][1] = other), Vec::<String>::new());
}

#[test]
fn strict_mode_names_only_rectangle() {
    let strict = ValidateOptions { strict: true, ..Default::default() };
    assert_eq!(
        check_with(&strict, |v| ann(v)["region"]["shape"] = json!("circle")),
        ["items[0].annotations[1].region.shape: \"circle\" is not \"rectangle\""]
    );
    // A rectangle is fine in strict mode.
    assert_eq!(check_with(&strict, |_| {}), Vec::<String>::new());
}

#[test]
fn typed_requests_with_finite_values_have_no_extra_violation() {
    let mut typed: diagram_core::ConvertRequest = serde_json::from_value(valid()).unwrap();
    typed.items[0].annotations[0].confidence = Some(1.0);
    typed.items[0].annotations[0].region.vertices[0].x = 1.0;
    assert!(typed.validate(&ValidateOptions::default()).is_ok());
    typed.items[0].annotations[0].region.vertices[0].x = f64::NEG_INFINITY;
    assert_eq!(
        typed.validate(&ValidateOptions::default()).unwrap_err().lines(),
        ["items[0].annotations[0].region.vertices[0].x: -inf is not a finite number"]
    );
}
