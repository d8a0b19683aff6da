//! `Iin::parse` on any text: never panics; what it accepts is 12 ASCII digits, kept verbatim,
//! with a birth month 1–12, day 1–31, century digit 0–6 and a matching check digit.
#![no_main]

use jaria_portal::law::iin::{Iin, IinError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Iin::parse(text) {
        Ok(iin) => {
            assert_eq!(iin.as_str(), text, "an IIN is kept verbatim");
            assert!(text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()));
            let d: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
            assert!((1..=12).contains(&(d[2] * 10 + d[3])), "month of {text}");
            assert!((1..=31).contains(&(d[4] * 10 + d[5])), "day of {text}");
            assert!(d[6] <= 6, "century digit of {text}");
            assert_eq!(Iin::parse(&iin.to_string()), Ok(iin));
        }
        Err(IinError::Format) => {
            assert!(!(text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())));
        }
        Err(IinError::Date | IinError::CheckDigit) => {
            assert!(text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()));
        }
    }
});
