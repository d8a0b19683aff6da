//! Telling people: the notice feed ([`notify`]), where each person wants to be told
//! ([`contacts`]) and the e-mail and SMS that carry it ([`delivery`]).

pub mod contacts;
pub mod delivery;
pub mod notify;
