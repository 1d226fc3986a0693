//! libFuzzer entry of the `request_model` target; the body is [`diagram_convert_fuzz::request_model`].
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| diagram_convert_fuzz::request_model(data));
