//! `ErdrNumber::parse` on any text: never panics, accepts exactly 15 ASCII digits, verbatim.
#![no_main]

use jaria_portal::case::ErdrNumber;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expected = text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit());
    match ErdrNumber::parse(text) {
        Ok(erdr) => {
            assert!(expected, "{text:?} accepted");
            assert_eq!(erdr.as_str(), text);
        }
        Err(_) => assert!(!expected, "{text:?} refused"),
    }
});
