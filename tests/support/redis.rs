//! A Redis server for one app's key-value store (`JARIA_KV=redis`): Debian's `redis-server`,
//! on a free port of 127.0.0.1, nothing persisted, gone with the app. The app reaches it
//! through a Spin runtime-config file, as a SpinKube deployment would.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut attempt = 0;
        loop {
            match Self::launch(dir.path()) {
                Ok((child, port)) => {
                    return Server {
                        child,
                        port,
                        _dir: dir,
                    };
                }
                // Another process took the port between its pick here and Redis's bind.
                Err(why) if why.contains("Address already in use") && attempt < 5 => attempt += 1,
                Err(why) => panic!("redis-server did not start:\n{why}"),
            }
        }
    }

    /// Starts Redis on a free port and waits for its PONG; `Err` with its log if it exits
    /// first or does not answer in 30 s.
    fn launch(dir: &std::path::Path) -> Result<(Child, u16), String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = dir.join(format!("redis-{port}.log"));
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        crate::die_with_parent(&mut command);
        let mut child = command
            .spawn()
            .expect("start redis-server (Debian's redis-server package)");
        let words = || std::fs::read_to_string(&log).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !pings(port) {
            if child.try_wait().is_ok_and(|s| s.is_some()) {
                return Err(words());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no PONG in 30 s:\n{}", words()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok((child, port))
    }

    /// `GET key` on this server (a test reads what the app stored).
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.bulk(&["GET", key])
    }

    /// Writes the server has taken since it started (`rdb_changes_since_last_save`; the
    /// harness's servers never save), to prove a route wrote nothing.
    pub fn changes(&self) -> u64 {
        let info = self.bulk(&["INFO", "persistence"]).unwrap_or_default();
        String::from_utf8_lossy(&info)
            .lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("INFO persistence without a change count"))
    }

    /// Sends one command and reads its bulk-string reply (`$<len>\r\n<bytes>\r\n`, or
    /// `$-1\r\n` for none).
    fn bulk(&self, args: &[&str]) -> Option<Vec<u8>> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut command = format!("*{}\r\n", args.len());
        for arg in args {
            command.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(command.as_bytes()).ok()?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n") {
            stream.read_exact(&mut byte).ok()?;
            head.push(byte[0]);
        }
        let length: i64 = std::str::from_utf8(&head[1..head.len() - 2])
            .ok()?
            .parse()
            .ok()?;
        if length < 0 {
            return None;
        }
        let mut value = vec![0u8; length as usize + 2];
        stream.read_exact(&mut value).ok()?;
        value.truncate(length as usize);
        Some(value)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The runtime-config section putting the `default` key-value store here.
    pub fn runtime_config(&self) -> String {
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"{}\"\n",
            self.url()
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pings(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}
