//! libFuzzer entry of the `image` target; the body is [`diagram_convert_fuzz::image`].
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| diagram_convert_fuzz::image(data));
