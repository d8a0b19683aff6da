//! What a failed SQL statement means for the request that sent it, read from the runtime's
//! error text. Spin reports every database failure as text (`Error::Io(..)`), and a libSQL
//! server's failures travel through its HTTP protocol (Hrana) first, so the text is all there
//! is: this is the one place that reads it (`docs/operations.md`, "libSQL").

/// How a failed statement may be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlFault {
    /// Another writer holds the lock (SQLite's busy answer): the same statement may succeed
    /// in a moment.
    Busy,
    /// The server ended the transaction under us (libSQL: interrupted, or the write lock taken
    /// back after 5 s): everything since `BEGIN` is gone; the whole transaction may be run
    /// again from its start on the same connection.
    TransactionLost,
    /// The connection is gone for good and the statement never ran (libSQL: its stream
    /// expired after 10 s idle, the server restarted and no longer knows it, or it could not
    /// be reached): only a new connection can go on. A connection cut while a statement was
    /// in flight is not this: whether that statement ran is unknown, so it is never sent again.
    ConnectionLost,
    /// The runtime's client would not send it (Spin's libSQL client refuses connection
    /// settings such as `PRAGMA busy_timeout = …`): nothing ran, and the connection is fine.
    Unsupported,
    /// Anything else: the statement's own failure (a constraint, a syntax error).
    Other,
}

impl SqlFault {
    pub fn of(error: &str) -> SqlFault {
        let text = error.to_ascii_lowercase();
        let any = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
        if any(&[
            "stream_expired",
            "stream has expired",
            "invalid baton",
            "stream not found",
            "connection refused",
        ]) {
            SqlFault::ConnectionLost
        } else if any(&[
            "sqlite_interrupt",
            "interrupted",
            "transaction_timeout",
            "transaction timed out",
        ]) {
            SqlFault::TransactionLost
        } else if any(&["database is locked", "sqlite_busy", "busy"]) {
            SqlFault::Busy
        } else if any(&["unsupported statement"]) {
            SqlFault::Unsupported
        } else {
            SqlFault::Other
        }
    }

    /// Whether running the whole transaction again, from `BEGIN`, may succeed.
    pub fn retry_transaction(self) -> bool {
        matches!(self, SqlFault::Busy | SqlFault::TransactionLost)
    }
}

#[cfg(test)]
mod tests {
    use super::SqlFault;

    // The texts below are what Spin 4.1 reported, word for word, from local SQLite and from
    // sqld 0.24 (docs/research/libsql-on-spin.md).
    #[test]
    fn local_sqlite_busy_is_busy() {
        assert_eq!(SqlFault::of("Io(\"database is locked\")"), SqlFault::Busy);
    }

    #[test]
    fn a_libsql_interrupt_or_stolen_lock_loses_the_transaction() {
        let interrupted = "Io(\"Hrana: `cursor error: `error at step 0: (error code: SQLITE_INTERRUPT) `SQLite error: interrupted```\")";
        assert_eq!(SqlFault::of(interrupted), SqlFault::TransactionLost);
        let timed_out = "Io(\"Hrana: `cursor error: `error at step 0: TRANSACTION_TIMEOUT `Transaction timed out```\")";
        assert_eq!(SqlFault::of(timed_out), SqlFault::TransactionLost);
        assert!(SqlFault::of(timed_out).retry_transaction());
    }

    #[test]
    fn an_expired_stream_or_a_restarted_server_loses_the_connection() {
        let expired = "Io(\"Hrana: `api error: `{\\\"message\\\":\\\"The stream has expired due to inactivity\\\",\\\"code\\\":\\\"STREAM_EXPIRED\\\"}``\")";
        assert_eq!(SqlFault::of(expired), SqlFault::ConnectionLost);
        let restarted = "Io(\"Hrana: `api error: `Received an invalid baton``\")";
        assert_eq!(SqlFault::of(restarted), SqlFault::ConnectionLost);
        assert!(!SqlFault::of(restarted).retry_transaction());
    }

    #[test]
    fn a_connection_cut_mid_statement_is_not_taken_for_one_that_never_ran() {
        let reset = "Io(\"Hrana: `http error: `connection reset by peer``\")";
        assert_ne!(SqlFault::of(reset), SqlFault::ConnectionLost);
        assert!(!SqlFault::of(reset).retry_transaction());
    }

    #[test]
    fn a_statements_own_failure_is_not_retried() {
        let constraint = "Io(\"Hrana: `cursor error: `error at step 0: (error code: SQLITE_CONSTRAINT) `SQLite error: UNIQUE constraint failed: t1.name```\")";
        assert_eq!(SqlFault::of(constraint), SqlFault::Other);
        assert!(!SqlFault::of(constraint).retry_transaction());
        assert_eq!(
            SqlFault::of("Io(\"unsupported statement\")"),
            SqlFault::Unsupported
        );
    }
}
