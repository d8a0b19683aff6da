//! A guest's stdout and stderr, into the host's log one line at a time as they are written:
//! an instance now lives for many requests, so its output cannot wait for its end.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// The longest line kept whole; a longer one is logged in pieces of this size.
const MAX_LINE_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct GuestLog {
    component: Arc<str>,
    stream: &'static str,
    /// The unfinished last line.
    pending: Arc<Mutex<Vec<u8>>>,
}

impl GuestLog {
    pub fn new(component: &str, stream: &'static str) -> Self {
        Self {
            component: component.into(),
            stream,
            pending: Arc::default(),
        }
    }

    /// Takes `bytes`, logging every line they complete.
    fn write(&self, bytes: &[u8]) {
        let Ok(mut pending) = self.pending.lock() else {
            return;
        };
        for &byte in bytes {
            if byte == b'\n' {
                self.emit(&pending);
                pending.clear();
            } else {
                pending.push(byte);
                if pending.len() >= MAX_LINE_BYTES {
                    self.emit(&pending);
                    pending.clear();
                }
            }
        }
    }

    fn flush(&self) {
        if let Ok(mut pending) = self.pending.lock()
            && !pending.is_empty()
        {
            self.emit(&pending);
            pending.clear();
        }
    }

    fn emit(&self, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        tracing::info!(target: "guest", component = &*self.component, stream = self.stream, "{line}");
    }
}

impl Drop for GuestLog {
    fn drop(&mut self) {
        // The last clone (the instance ends) says what it had not finished saying.
        if Arc::strong_count(&self.pending) == 1 {
            self.flush();
        }
    }
}

impl IsTerminal for GuestLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for GuestLog {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.flush();
        Poll::Ready(Ok(()))
    }
}
