//! libFuzzer entry of the `pdf` target; the body is [`diagram_convert_fuzz::pdf`].
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| diagram_convert_fuzz::pdf(data));
