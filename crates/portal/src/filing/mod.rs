//! Filings under CPC chapter 13 and art. 179–186: what is filed, to whom, by when it must be
//! answered, who answers it and how.

/// How long an upload may wait to be attached to a filing; after that it cannot be used, and
/// the tick removes it.
pub const ATTACHMENT_TTL_SECS: i64 = 24 * 3600;

pub mod alerts;
pub mod answer;
pub mod answering;
pub mod court;
pub mod draft;
pub mod forwarding;
pub mod lifecycle;
pub mod receipt;
pub mod receipt_page;
pub mod received;
pub mod signature;
pub mod store;
pub mod submission;

/// The `kind` a list's query names, if any; 422 for one that is not a kind of filing.
pub fn kind_in_query(
    query: &str,
) -> Result<Option<crate::law::deadline::Kind>, crate::platform::error::ApiError> {
    crate::http::paging::query_param(query, "kind")
        .map(|k| {
            crate::law::deadline::Kind::parse(k).ok_or_else(|| {
                crate::platform::error::ApiError::invalid(
                    "kind",
                    "invalid_kind",
                    "One of crime_report, petition, complaint.",
                )
            })
        })
        .transpose()
}

/// The `state` a list's query names, if any; 422 for one that is not a filing state.
pub fn state_in_query(
    query: &str,
) -> Result<Option<crate::law::handling::State>, crate::platform::error::ApiError> {
    crate::http::paging::query_param(query, "state")
        .map(|s| {
            crate::law::handling::State::parse(s).ok_or_else(|| {
                crate::platform::error::ApiError::invalid(
                    "state",
                    "invalid_state",
                    "Not a filing state.",
                )
            })
        })
        .transpose()
}
