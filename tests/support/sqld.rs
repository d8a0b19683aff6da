//! A libSQL server (`sqld`) for one app's `default` SQL database (`JARIA_SQL=libsql`): the
//! binary from `SQLD_BIN`, else `sqld` on `PATH`, on a free port of 127.0.0.1, its data in a
//! temporary folder, gone with the app. The app reaches it through a Spin runtime-config file,
//! as a SpinKube deployment would; two apps may share one server (the cross-node suite).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The sqld binary, as a user has it: `SQLD_BIN`, else `sqld` on `PATH`.
pub fn binary() -> PathBuf {
    std::env::var_os("SQLD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("sqld"))
}

pub struct Server {
    child: Mutex<Option<Child>>,
    pub port: u16,
    /// sqld's admin API (its statistics), on loopback too.
    pub admin_port: u16,
    dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start() -> Arc<Server> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = Server {
            child: Mutex::new(None),
            port: free_port(),
            admin_port: free_port(),
            dir,
            log: Arc::default(),
        };
        let mut attempt = 1;
        loop {
            match server.try_launch() {
                Ok(()) => return Arc::new(server),
                // Another process took a port between its pick here and sqld's bind.
                Err(why) if why.contains("Address already in use") && attempt < 5 => {
                    attempt += 1;
                    server.port = free_port();
                    server.admin_port = free_port();
                    server.log = Arc::default();
                }
                Err(why) => panic!("sqld did not start:\n{why}"),
            }
        }
    }

    fn launch(&self) {
        if let Err(why) = self.try_launch() {
            panic!("sqld did not start again:\n{why}");
        }
    }

    /// Starts sqld and waits for its `/health`; `Err` with its words if it exits first or
    /// does not answer in 30 s.
    fn try_launch(&self) -> Result<(), String> {
        let mut command = Command::new(binary());
        command
            .arg("--db-path")
            .arg(self.dir.path().join("db"))
            .args(["--http-listen-addr", &format!("127.0.0.1:{}", self.port)])
            .args([
                "--admin-listen-addr",
                &format!("127.0.0.1:{}", self.admin_port),
            ])
            .arg("--no-welcome")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        crate::die_with_parent(&mut command);
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start {:?} (the libSQL server: set SQLD_BIN): {e}",
                binary()
            )
        });
        crate::drain(child.stdout.take(), Arc::clone(&self.log));
        crate::drain(child.stderr.take(), Arc::clone(&self.log));
        *self.child.lock().expect("sqld child") = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.healthy() {
            let exited = self
                .child
                .lock()
                .expect("sqld child")
                .as_mut()
                .is_some_and(|c| c.try_wait().is_ok_and(|s| s.is_some()));
            if exited {
                // Let the drain threads catch its last words.
                std::thread::sleep(Duration::from_millis(100));
                self.stop();
                return Err(self.log());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!("no answer to /health in 30 s:\n{}", self.log()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Stops the server (as a crash would) and starts it again on the same data and port.
    pub fn restart(&self) {
        self.stop();
        self.launch();
    }

    fn stop(&self) {
        if let Some(mut child) = self.child.lock().expect("sqld child").take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn healthy(&self) -> bool {
        get(self.port, "/health").is_some_and(|reply| reply.starts_with("HTTP/1.1 200"))
    }

    /// Statements the `default` database has run since sqld started, and sqld's own time in
    /// them (ms): its admin statistics.
    pub fn statements(&self) -> Result<(u64, f64), String> {
        let reply = get(self.admin_port, "/v1/namespaces/default/stats")
            .ok_or("sqld's admin API did not answer")?;
        let body = reply
            .split_once("\r\n\r\n")
            .map(|(_, body)| body)
            .ok_or("no body")?;
        let stats: serde_json::Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
        Ok((
            stats["query_count"].as_u64().ok_or("no query_count")?,
            stats["elapsed_ms"].as_f64().unwrap_or(0.0),
        ))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The `default` database's file inside the server's folder: tests read it (and tamper
    /// with it) as they do Spin's local file; sqld keeps it in WAL mode, like Spin.
    pub fn database_file(&self) -> PathBuf {
        self.dir.path().join("db/dbs/default/data")
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The runtime-config section putting the `default` database here.
    pub fn runtime_config(&self) -> String {
        // Spin requires the token key; a server without auth takes any.
        format!(
            "[sqlite_database.default]\ntype = \"libsql\"\nurl = \"{}\"\ntoken = \"\"\n",
            self.url()
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One HTTP/1.1 GET on loopback, read whole (the server closes).
fn get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    Some(reply)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Where the suite's apps keep their `default` database: Spin's SQLite file in the state
/// folder (the default) or a libSQL server the harness starts per app (`JARIA_SQL=libsql`).
pub fn wanted() -> bool {
    std::env::var("JARIA_SQL").is_ok_and(|v| v == "libsql")
}

/// The runtime-config file (in `dir`) with each store's section.
pub fn write_runtime_config(dir: &Path, sections: &[String]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("state dir");
    let path = dir.join("runtime-config.toml");
    std::fs::write(&path, sections.join("\n")).expect("write runtime config");
    path
}
