//! The component's own lines on stderr, where Spin collects a component's output: one file
//! per component under the state dir's `logs/`, to which every instance of the component
//! appends each write as it comes.

use std::io::Write;

/// `log_line!("…", args)`: one line on stderr, written whole (see [`line`]).
#[macro_export]
macro_rules! log_line {
    ($($arg:tt)*) => {
        $crate::platform::log::line(format!($($arg)*))
    };
}

/// Writes `text` and its newline to stderr in one write. `eprintln!` writes its format's
/// pieces one by one (the text, then the newline), and with two instances of a component
/// writing at once Spin's file then holds two records on one line and an empty one after:
/// 3–6 % of the request lines under the benchmark's load. A line that cannot be written is
/// dropped: the request it describes has its answer already.
pub fn line(text: String) {
    write_line(&mut std::io::stderr().lock(), text);
}

fn write_line(out: &mut impl Write, mut text: String) {
    text.push('\n');
    let _ = out.write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::write_line;
    use std::io::Write as _;

    /// Counts the writes it is given.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_line_and_its_newline_leave_in_one_write() {
        let mut out = Writes::default();
        write_line(&mut out, r#"{"status":200}"#.to_owned());
        assert_eq!(out.0, [b"{\"status\":200}\n".to_vec()]);
        // What `eprintln!` does with the same line made at run time: two writes, the newline
        // apart.
        let made = format!("{{\"status\":{}}}", 200);
        let mut pieces = Writes::default();
        writeln!(pieces, "{made}").unwrap();
        assert_eq!(pieces.0.len(), 2, "{:?}", pieces.0);
    }

    /// Every line the portal and the components write goes through [`super::line`].
    #[test]
    fn nothing_writes_stderr_in_pieces() {
        let mut found = Vec::new();
        for (file, text) in crate::platform::project_sources() {
            if file.ends_with("platform/log.rs") {
                continue;
            }
            for (n, line) in text.lines().enumerate() {
                if ["eprintln!(", "println!(", "eprint!(", "print!("]
                    .iter()
                    .any(|m| line.contains(m))
                {
                    found.push(format!("{}:{}", file.display(), n + 1));
                }
            }
        }
        assert!(found.is_empty(), "use log_line!: {found:?}");
    }
}
