//! A real OCSP responder for the tests: OpenSSL's (`openssl ocsp -index … -rsigner … -CA …`)
//! answers every request, behind a small HTTP front bound to 127.0.0.1 (OpenSSL's own server
//! listens on every interface). The front can also stall or refuse, to play a responder that
//! does not answer.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::workspace_root;

/// What the responder knows of a certificate, by serial (lower-case hex).
#[derive(Debug, Clone)]
pub enum Entry {
    Valid(String),
    Revoked(String),
}

/// How the front behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Hands the request to OpenSSL and returns its answer.
    Answer,
    /// Accepts the connection and never answers.
    Stall,
}

pub struct Responder {
    /// `http://127.0.0.1:PORT`: the value of the `ocsp_responder` variable.
    pub origin: String,
    behaviour: Arc<Mutex<Behaviour>>,
    requests: Arc<AtomicU32>,
    _dir: tempfile::TempDir,
}

impl Responder {
    /// A responder for the suite's CA (`tests/fixtures/test-ca`), signing with the CA's key.
    pub fn start(entries: &[Entry]) -> Responder {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = dir.path().join("index.txt");
        let mut text = String::new();
        for entry in entries {
            let (flag, serial, revoked_at) = match entry {
                Entry::Valid(s) => ("V", s, ""),
                Entry::Revoked(s) => ("R", s, "260101000000Z"),
            };
            let mut serial = serial.to_ascii_uppercase();
            if serial.len() % 2 == 1 {
                serial.insert(0, '0');
            }
            // A subject of its own per entry: OpenSSL refuses an index in which two valid
            // entries share one (`unique_subject`).
            text.push_str(&format!(
                "{flag}\t351231000000Z\t{revoked_at}\t{serial}\tunknown\t/CN=test-{serial}\n"
            ));
        }
        std::fs::write(&index, text).expect("write index");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let behaviour = Arc::new(Mutex::new(Behaviour::Answer));
        let requests = Arc::new(AtomicU32::new(0));
        let (b, r, work) = (
            Arc::clone(&behaviour),
            Arc::clone(&requests),
            dir.path().to_owned(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (b, r, work, index) =
                    (Arc::clone(&b), Arc::clone(&r), work.clone(), index.clone());
                std::thread::spawn(move || serve(stream, &b, &r, &work, &index));
            }
        });
        Responder {
            origin,
            behaviour,
            requests,
            _dir: dir,
        }
    }

    pub fn set(&self, behaviour: Behaviour) {
        if let Ok(mut b) = self.behaviour.lock() {
            *b = behaviour;
        }
    }

    /// Requests answered or stalled so far.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(
    mut stream: TcpStream,
    behaviour: &Mutex<Behaviour>,
    requests: &AtomicU32,
    work: &std::path::Path,
    index: &std::path::Path,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(body) = read_request(&stream) else {
        return;
    };
    requests.fetch_add(1, Ordering::SeqCst);
    if behaviour.lock().is_ok_and(|b| *b == Behaviour::Stall) {
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let n = requests.load(Ordering::SeqCst);
    let request = work.join(format!("req-{n}.der"));
    let response = work.join(format!("resp-{n}.der"));
    std::fs::write(&request, &body).expect("write request");
    let ca = ca_dir();
    let out = Command::new("openssl")
        .arg("ocsp")
        .arg("-index")
        .arg(index)
        .arg("-CA")
        .arg(ca.join("ca.pem"))
        .arg("-rsigner")
        .arg(ca.join("ca.pem"))
        .arg("-rkey")
        .arg(ca.join("ca.key"))
        .args(["-nmin", "60"])
        .arg("-reqin")
        .arg(&request)
        .arg("-respout")
        .arg(&response)
        .output()
        .expect("run openssl ocsp");
    let answer = std::fs::read(&response).unwrap_or_default();
    if !out.status.success() || answer.is_empty() {
        let _ =
            stream.write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/ocsp-response\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&answer);
}

fn read_request(stream: &TcpStream) -> Option<Vec<u8>> {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

fn ca_dir() -> PathBuf {
    workspace_root().join("tests/fixtures/test-ca")
}
