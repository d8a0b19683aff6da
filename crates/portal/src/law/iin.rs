//! The individual identification number (IIN): 12 digits — birth date YYMMDD, a century/sex
//! digit, a serial and a check digit. An [`Iin`] that exists is valid: it can only be made by
//! [`Iin::parse`].

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iin(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IinError {
    #[error("an IIN is exactly 12 digits")]
    Format,
    #[error("the IIN's birth date or century digit is impossible")]
    Date,
    #[error("the IIN's check digit does not match")]
    CheckDigit,
}

const WEIGHTS_FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const WEIGHTS_SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

thread_local! {
    /// NCA's test IINs this deployment accepts (`eds_test_iins`, set at every request by
    /// `http::serve` from the variable): empty but in staging, never a request's data.
    static TEST_IINS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Accept these twelve-digit numbers as IINs from now on in this instance (a staging
/// deployment's `eds_test_iins`: NCA's test keys carry 123456789011, which no IIN can be).
pub fn accept_test_iins(iins: Vec<String>) {
    TEST_IINS.with(|t| *t.borrow_mut() = iins);
}

impl Iin {
    pub fn parse(text: &str) -> Result<Self, IinError> {
        let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
        if text.len() != 12 || digits.len() != 12 {
            return Err(IinError::Format);
        }
        if TEST_IINS.with(|t| t.borrow().iter().any(|iin| iin == text)) {
            return Ok(Self(text.to_owned()));
        }
        let month = digits[2] * 10 + digits[3];
        let day = digits[4] * 10 + digits[5];
        // Century/sex digit: 1–6 (1800s to 2000s); 0 is used for foreigners' numbers.
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || digits[6] > 6 {
            return Err(IinError::Date);
        }
        check_digit(&digits)?;
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The twelfth digit of an IIN or BIN, from the first eleven (the same rule for both).
fn check_digit(digits: &[u32]) -> Result<(), IinError> {
    let checksum = |weights: &[u32; 11]| {
        digits[..11]
            .iter()
            .zip(weights)
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 11
    };
    let mut check = checksum(&WEIGHTS_FIRST);
    if check == 10 {
        check = checksum(&WEIGHTS_SECOND);
        if check == 10 {
            return Err(IinError::CheckDigit);
        }
    }
    if check != digits[11] {
        return Err(IinError::CheckDigit);
    }
    Ok(())
}

/// The business identification number (BIN) of a legal entity: 12 digits — year and month of
/// registration, the entity's type, a serial — and a check digit computed as an IIN's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bin(String);

impl Bin {
    pub fn parse(text: &str) -> Result<Self, IinError> {
        let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
        if text.len() != 12 || digits.len() != 12 {
            return Err(IinError::Format);
        }
        // The fifth digit says what kind of entity: 4 resident, 5 non-resident, 6 individual
        // entrepreneur in a joint venture.
        if !(4..=6).contains(&digits[4]) {
            return Err(IinError::Date);
        }
        check_digit(&digits)?;
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_brief_validate() {
        assert!(Iin::parse("791028302728").is_ok());
        assert!(Iin::parse("061211600012").is_ok());
    }

    #[test]
    fn a_bin_is_checked_like_an_iin_and_names_a_kind_of_entity() {
        // Public BINs of registered companies.
        for bin in ["971240001315", "940140000385", "050740004819"] {
            assert_eq!(
                Bin::parse(bin).map(|b| b.as_str().to_owned()),
                Ok(bin.to_owned())
            );
        }
        assert_eq!(Bin::parse("971240001316"), Err(IinError::CheckDigit));
        assert_eq!(Bin::parse("97124000131"), Err(IinError::Format));
        // An IIN is no BIN: its fifth digit is a day's.
        assert_eq!(Bin::parse("791028302728"), Err(IinError::Date));
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        assert_eq!(Iin::parse("791028302729"), Err(IinError::CheckDigit));
    }

    #[test]
    fn format_and_date_are_checked() {
        assert_eq!(Iin::parse("79102830272"), Err(IinError::Format));
        assert_eq!(Iin::parse("7910283027281"), Err(IinError::Format));
        assert_eq!(Iin::parse("79102830272a"), Err(IinError::Format));
        assert_eq!(
            Iin::parse("７９１０２８３０２７２８"),
            Err(IinError::Format)
        );
        assert_eq!(Iin::parse("791328302728"), Err(IinError::Date));
        assert_eq!(Iin::parse("791000302728"), Err(IinError::Date));
        assert_eq!(Iin::parse("791028702728"), Err(IinError::Date));
    }

    #[test]
    fn second_weight_set_decides_when_the_first_gives_ten() {
        // 85011530020: the first weighted sum is 10 mod 11, the second gives 5.
        assert!(Iin::parse("850115300205").is_ok());
        assert_eq!(Iin::parse("850115300200"), Err(IinError::CheckDigit));
        // 85011530028: both weighted sums are 10 mod 11, so no check digit can be valid.
        for last in 0..10 {
            assert!(Iin::parse(&format!("85011530028{last}")).is_err());
        }
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    /// The check digit the rules above give the first 11 digits, computed independently of
    /// [`Iin::parse`]; `None` when both weight sets give 10 (no valid IIN has those digits).
    fn check_digit(first: &[u32]) -> Option<u32> {
        let sum = |weights: [u32; 11]| -> u32 {
            first.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11
        };
        match sum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) {
            10 => match sum([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]) {
                10 => None,
                c => Some(c),
            },
            c => Some(c),
        }
    }

    /// Whether 12 ASCII digits are a valid IIN by the rules, independently of the parser.
    fn reference_valid(text: &str) -> bool {
        let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
        let month = digits[2] * 10 + digits[3];
        let day = digits[4] * 10 + digits[5];
        (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && digits[6] <= 6
            && check_digit(&digits[..11]) == Some(digits[11])
    }

    /// Every valid IIN: any year, month 1–12, day 1–31, century digit 0–6, any 4-digit
    /// serial, and the check digit the rules give (first 11 digits with no check digit are
    /// skipped).
    fn valid_iin() -> impl Strategy<Value = String> {
        (0u32..100, 1u32..=12, 1u32..=31, 0u32..=6, 0u32..10_000).prop_filter_map(
            "both weight sets give 10",
            |(yy, mm, dd, century, serial)| {
                let first = format!("{yy:02}{mm:02}{dd:02}{century}{serial:04}");
                let digits: Vec<u32> = first.bytes().map(|b| u32::from(b - b'0')).collect();
                check_digit(&digits).map(|c| format!("{first}{c}"))
            },
        )
    }

    proptest! {
        #[test]
        fn parse_never_panics_on_any_string(text in any::<String>()) {
            let _ = Iin::parse(&text);
        }

        #[test]
        fn parse_never_panics_on_digit_like_strings(text in "[0-9٠-٩０-９a ]{0,14}") {
            // Twelve characters that are not all ASCII digits are never an IIN.
            let parsed = Iin::parse(&text);
            if !(text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())) {
                prop_assert_eq!(parsed, Err(IinError::Format), "{:?}", text);
            }
        }

        #[test]
        fn parse_agrees_with_the_rules_on_every_twelve_digits(text in "[0-9]{12}") {
            prop_assert_eq!(
                Iin::parse(&text).is_ok(),
                reference_valid(&text),
                "{} judged differently from the rules",
                text
            );
        }

        #[test]
        fn every_valid_iin_parses_and_round_trips(text in valid_iin()) {
            let iin = Iin::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{text} refused: {e}")))?;
            prop_assert_eq!(iin.as_str(), text.as_str());
            prop_assert_eq!(iin.to_string(), text.clone());
            prop_assert_eq!(Iin::parse(&iin.to_string()), Ok(iin));
        }

        #[test]
        fn a_single_digit_change_is_refused_or_another_consistent_iin(
            text in valid_iin(),
            position in 0usize..12,
            shift in 1u8..10,
        ) {
            let mut bytes = text.clone().into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + shift) % 10;
            let changed = String::from_utf8(bytes).unwrap_or_default();
            prop_assert_ne!(&changed, &text);
            match Iin::parse(&changed) {
                Ok(iin) => {
                    // Accepted only as an IIN in its own right: its check digit is the one
                    // its first 11 digits give.
                    let digits: Vec<u32> =
                        changed.bytes().map(|b| u32::from(b - b'0')).collect();
                    prop_assert_eq!(check_digit(&digits[..11]), Some(digits[11]), "{}", changed);
                    prop_assert!(reference_valid(&changed), "{}", changed);
                    prop_assert_eq!(iin.as_str(), changed.as_str());
                }
                Err(_) => prop_assert!(!reference_valid(&changed), "{} refused", changed),
            }
            // The check digit itself is never interchangeable.
            if position == 11 {
                prop_assert_eq!(Iin::parse(&changed), Err(IinError::CheckDigit));
            }
        }
    }
}
