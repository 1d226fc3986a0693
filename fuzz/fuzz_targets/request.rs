//! libFuzzer entry of the `request` target; the body is [`diagram_convert_fuzz::request`].
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| diagram_convert_fuzz::request(data));
