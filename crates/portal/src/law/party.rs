//! Who a participant of a case is. A person with an IIN — the only party who signs in. A legal
//! entity, by its BIN (checked like an IIN): it may be a victim, a civil plaintiff or a civil
//! defendant, and acts through a person the officer records as its representative. A foreigner
//! without an IIN, by their identity document: the officer records them (and a defender may
//! act for them); with no IIN in a certificate they cannot sign in.
//!
//! Each is kept under one key in `case_participants.person_iin`: the IIN, the BIN, or
//! `foreigner:CC:NUMBER`. The keys never collide (a BIN's fifth digit, 4–6, is no IIN's day;
//! a foreigner's key is not digits) and only an IIN is ever a signed-in person's, so a BIN or a
//! foreigner reads nothing by themselves.

use crate::law::ProceduralStatus;
use crate::law::iin::{Bin, Iin};
use crate::platform::error::ApiError;

/// What kind of party a participant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Person,
    LegalEntity,
    Foreigner,
}

crate::text_enum!(PartyKind {
    Person => "person",
    LegalEntity => "legal_entity",
    Foreigner => "foreigner",
});

const FOREIGNER_PREFIX: &str = "foreigner:";
const MAX_DOCUMENT_NUMBER: usize = 30;

/// A participant, by the key it is recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    kind: PartyKind,
    key: String,
}

impl Party {
    pub fn person(iin: &Iin) -> Party {
        Party {
            kind: PartyKind::Person,
            key: iin.as_str().to_owned(),
        }
    }

    pub fn legal_entity(bin: &Bin) -> Party {
        Party {
            kind: PartyKind::LegalEntity,
            key: bin.as_str().to_owned(),
        }
    }

    /// A foreigner by the country that issued their document (ISO 3166 alpha-2) and its
    /// number (letters, digits, `-`; case and spaces do not count).
    pub fn foreigner(field: &str, country: &str, number: &str) -> Result<Party, ApiError> {
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApiError::invalid(
                &format!("{field}.country"),
                "invalid_country",
                "The country that issued the document, as two letters (ISO 3166), e.g. RU, UZ, CN.",
            ));
        }
        let number: String = number
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if number.is_empty()
            || number.len() > MAX_DOCUMENT_NUMBER
            || !number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ApiError::invalid(
                &format!("{field}.number"),
                "invalid_document_number",
                "The document's number: letters, digits and '-', at most 30.",
            ));
        }
        Ok(Party {
            kind: PartyKind::Foreigner,
            key: format!("{FOREIGNER_PREFIX}{country}:{number}"),
        })
    }

    /// Whom an acting status names: an IIN, a BIN, or a recorded foreigner's key.
    pub fn principal(field: &str, text: &str) -> Result<Party, ApiError> {
        let text = text.trim();
        if let Ok(iin) = Iin::parse(text) {
            return Ok(Party::person(&iin));
        }
        if let Ok(bin) = Bin::parse(text) {
            return Ok(Party::legal_entity(&bin));
        }
        if let Some((country, number)) = text
            .strip_prefix(FOREIGNER_PREFIX)
            .and_then(|rest| rest.split_once(':'))
        {
            return Party::foreigner(field, country, number);
        }
        Err(ApiError::invalid(
            field,
            "invalid_iin",
            "An IIN, a legal entity's BIN, or a recorded foreigner's id (foreigner:CC:NUMBER).",
        ))
    }

    pub fn kind(&self) -> PartyKind {
        self.kind
    }

    /// The key the party is recorded under.
    pub fn as_str(&self) -> &str {
        &self.key
    }

    /// Whether this party may hold `status` itself. A legal entity is a victim, a civil
    /// plaintiff or a civil defendant (arts. 71, 73, 74); a foreigner without an IIN holds a
    /// status of their own but cannot act for someone (they never sign in to do it).
    pub fn may_hold(&self, status: ProceduralStatus) -> bool {
        match self.kind {
            PartyKind::Person => true,
            PartyKind::LegalEntity => matches!(
                status,
                ProceduralStatus::Victim
                    | ProceduralStatus::CivilPlaintiff
                    | ProceduralStatus::CivilDefendant
            ),
            PartyKind::Foreigner => !status.acts_for_another(),
        }
    }

    /// Whether `acting` may act for this party: a legal entity only through its representative.
    pub fn may_be_acted_for_by(&self, acting: ProceduralStatus) -> bool {
        self.kind != PartyKind::LegalEntity || acting == ProceduralStatus::Representative
    }
}

/// The kind of party a recorded key is (for rows recorded before the kinds existed: a person).
pub fn kind_of_key(key: &str) -> PartyKind {
    if key.starts_with(FOREIGNER_PREFIX) {
        PartyKind::Foreigner
    } else if Bin::parse(key).is_ok() {
        PartyKind::LegalEntity
    } else {
        PartyKind::Person
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iin_a_bin_and_a_foreigners_document_are_three_kinds_of_key() {
        let person = Party::principal("p", "791028302728").unwrap();
        assert_eq!(person.kind(), PartyKind::Person);
        let company = Party::principal("p", "971240001315").unwrap();
        assert_eq!(company.kind(), PartyKind::LegalEntity);
        let foreigner = Party::foreigner("document", "ru", " 45 09 123456 ").unwrap();
        assert_eq!(foreigner.as_str(), "foreigner:RU:4509123456");
        assert_eq!(
            Party::principal("p", "foreigner:RU:4509123456").unwrap(),
            foreigner
        );
        for key in ["791028302728", "971240001315", "foreigner:RU:4509123456"] {
            assert_eq!(kind_of_key(key), Party::principal("p", key).unwrap().kind());
        }
        assert!(Party::principal("p", "791028302729").is_err());
        assert!(Party::foreigner("d", "RUS", "1").is_err());
        assert!(Party::foreigner("d", "RU", "").is_err());
        assert!(Party::foreigner("d", "RU", "12:34").is_err());
        assert!(Party::foreigner("d", "RU", &"1".repeat(31)).is_err());
    }

    #[test]
    fn a_company_is_a_victim_or_a_civil_party_and_acts_through_its_representative() {
        use ProceduralStatus::*;
        let company = Party::principal("p", "971240001315").unwrap();
        for status in ProceduralStatus::ALL {
            assert_eq!(
                company.may_hold(status),
                matches!(status, Victim | CivilPlaintiff | CivilDefendant),
                "{status:?}"
            );
        }
        assert!(company.may_be_acted_for_by(Representative));
        assert!(!company.may_be_acted_for_by(Defender));
        assert!(!company.may_be_acted_for_by(LegalRepresentative));
        let foreigner = Party::foreigner("d", "UZ", "AA1234567").unwrap();
        assert!(foreigner.may_hold(Suspect) && foreigner.may_hold(Victim));
        assert!(!foreigner.may_hold(Defender));
        assert!(foreigner.may_be_acted_for_by(Defender));
    }
}
