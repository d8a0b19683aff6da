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

impl Iin {
    pub fn parse(text: &str) -> Result<Self, IinError> {
        let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
        if text.len() != 12 || digits.len() != 12 {
            return Err(IinError::Format);
        }
        let month = digits[2] * 10 + digits[3];
        let day = digits[4] * 10 + digits[5];
        // Century/sex digit: 1–6 (1800s to 2000s); 0 is used for foreigners' numbers.
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) || digits[6] > 6 {
            return Err(IinError::Date);
        }
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
