//! `jaria seed --demo`: a demo certification authority, an organ with two officers, an admin
//! and three participants, so a newcomer can sign in at once. Keys and certificates go under
//! `<state-dir>/demo/`; the demo CA is trusted only when the host is started with `--demo`.
//! Nothing here runs unless asked for: a production deployment has no demo CA.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jaria_test_ca::{Authority, PersonSpec};
use rusqlite::{Connection, OptionalExtension};

pub struct DemoPerson {
    pub key: &'static str,
    pub iin: &'static str,
    pub name: &'static str,
    pub role: &'static str,
}

pub const PEOPLE: [DemoPerson; 6] = [
    DemoPerson {
        key: "admin",
        iin: "750630300010",
        name: "ADMINOV ADMIN",
        role: "admin",
    },
    DemoPerson {
        key: "investigator",
        iin: "800315400016",
        name: "SERIKOVA DANA",
        role: "investigator",
    },
    DemoPerson {
        key: "prosecutor",
        iin: "781106400016",
        name: "ABENOVA ZHANAR",
        role: "prosecutor",
    },
    DemoPerson {
        key: "victim",
        iin: "850722300011",
        name: "ASANOV BERIK",
        role: "participant",
    },
    DemoPerson {
        key: "suspect",
        iin: "920412400018",
        name: "OMAROVA AIGERIM",
        role: "participant",
    },
    DemoPerson {
        key: "defender",
        iin: "881201300017",
        name: "NURLANOV ARMAN",
        role: "participant",
    },
];

const ORGAN_NAME: &str = "Almaty City Police Department (demo)";
/// The demo organs' official contact, as a participant sees it on the case page (made up).
const DEMO_CONTACT: &str = "Reception (demo): +7 727 000 00 00, reception@jaria.example";
/// Region 75 (Almaty), district 11, agency 03 (police): the digits 3–8 of its ERDR numbers.
const ORGAN_CODE: &str = "751103";
const PROSECUTORS_NAME: &str = "Almaty City Prosecutor's Office (demo)";
/// Agency 01: the prosecutor's office.
const PROSECUTORS_CODE: &str = "751101";
/// A registered demo case, led by the demo investigator, supervised by the demo prosecutor.
pub const DEMO_ERDR: &str = "267511031000001";
const ORGAN_REGION: &str = "Almaty";

pub fn demo_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("demo")
}

/// The demo CA's certificate, if the state dir has been seeded.
pub fn trust_anchor(state_dir: &Path) -> Option<String> {
    std::fs::read_to_string(demo_dir(state_dir).join("ca.pem")).ok()
}

/// The demo's receipt signing key (base64 of a 32-byte seed), made once per state dir.
pub fn receipt_key(state_dir: &Path) -> anyhow::Result<String> {
    let path = demo_dir(state_dir).join("receipt-signing.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode(seed);
    std::fs::create_dir_all(demo_dir(state_dir))?;
    write_private(&path, &key)?;
    Ok(key)
}

/// Seeds the demo once (files and database); later calls find it.
pub fn seed(state_dir: &Path) -> anyhow::Result<()> {
    prepare_files(state_dir)?;
    seed_database_file(state_dir)
}

/// The demo CA and the people's keys and certificates, made once.
pub fn prepare_files(state_dir: &Path) -> anyhow::Result<()> {
    let dir = demo_dir(state_dir);
    if !dir.join("ca.pem").exists() {
        std::fs::create_dir_all(&dir)?;
        let ca = Authority::new_root("Jaria Demo CA (not for production)")?;
        for person in &PEOPLE {
            let issued = ca.issue(&PersonSpec::new(person.iin, person.name))?;
            write_private(&dir.join(format!("{}.key", person.key)), &issued.key_pem)?;
            std::fs::write(dir.join(format!("{}.pem", person.key)), &issued.cert_pem)?;
        }
        write_private(&dir.join("ca.key"), &ca.key_pem())?;
        // Written last: its presence means the demo is complete.
        std::fs::write(dir.join("ca.pem"), &ca.cert_pem)?;
    }
    receipt_key(state_dir)?;
    Ok(())
}

/// The demo's organs, officers, admin and case in the (migrated) database, once.
pub fn seed_database_file(state_dir: &Path) -> anyhow::Result<()> {
    let db = state_dir.join(crate::storage::DB_FILE);
    let mut conn = Connection::open(&db).with_context(|| format!("open {}", db.display()))?;
    seed_database(&mut conn)?;
    Ok(())
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// The organ, officers and admin, each with its audit row, in one transaction.
fn seed_database(conn: &mut Connection) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = jaria_portal::platform::clock::rfc3339(chrono_now());
    let organ_id = ensure_organ(&tx, ORGAN_NAME, ORGAN_CODE, &now)?;
    let prosecutors_id = ensure_organ(&tx, PROSECUTORS_NAME, PROSECUTORS_CODE, &now)?;
    for person in &PEOPLE {
        let organ_id = if person.role == "prosecutor" {
            prosecutors_id
        } else {
            organ_id
        };
        match person.role {
            "admin" => {
                if tx.execute(
                    "INSERT INTO admins (iin, created_at, created_by) VALUES (?1, ?2, 'demo')
                     ON CONFLICT (iin) DO NOTHING",
                    (person.iin, &now),
                )? == 1
                {
                    append_audit(&tx, &now, "admin_added", &format!("person:{}", person.iin))?;
                }
            }
            "participant" => {}
            role => {
                if tx.execute(
                    "INSERT INTO officers (iin, full_name, role, organ_id, active, created_at, created_by)
                     VALUES (?1, ?2, ?3, ?4, 1, ?5, 'demo') ON CONFLICT (iin) DO NOTHING",
                    (person.iin, person.name, role, organ_id, &now),
                )? == 1
                {
                    append_audit(&tx, &now, "officer_appointed", &format!("person:{}", person.iin))?;
                }
            }
        }
    }
    let case_exists: bool = tx.query_row(
        "SELECT count(*) > 0 FROM cases WHERE erdr_number = ?1",
        [DEMO_ERDR],
        |r| r.get(0),
    )?;
    if !case_exists {
        tx.execute(
            "INSERT INTO cases (erdr_number, registered_on, organ_id, lead_officer_iin, prosecutor_iin,
                 prosecutor_organ_id, articles, stage, created_at, updated_at)
             VALUES (?1, '2026-11-01', ?2, ?3, ?4, ?5, '[\"art. 190 part 3 p. 4\"]', 'under_investigation', ?6, ?6)",
            (DEMO_ERDR, organ_id, PEOPLE[1].iin, PEOPLE[2].iin, prosecutors_id, &now),
        )?;
        append_audit(&tx, &now, "case_registered", &format!("case:{DEMO_ERDR}"))?;
    }
    tx.commit()?;
    Ok(())
}

/// The organ of this name (given its code if it had none, as organs made before codes had),
/// made if missing.
fn ensure_organ(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    code: &str,
    now: &str,
) -> anyhow::Result<i64> {
    let existing: Option<i64> = tx
        .query_row("SELECT id FROM organs WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(id) = existing {
        tx.execute(
            "UPDATE organs SET code = ifnull(code, ?1), contact = ifnull(contact, ?2) WHERE id = ?3",
            (code, DEMO_CONTACT, id),
        )?;
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO organs (name, region, code, created_at, contact) VALUES (?1, ?2, ?3, ?4, ?5)",
        (name, ORGAN_REGION, code, now, DEMO_CONTACT),
    )?;
    let id = tx.last_insert_rowid();
    append_audit(tx, now, "organ_created", &format!("organ:{id}"))?;
    Ok(id)
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    jaria_portal::platform::clock::now()
}

pub fn append_audit(
    tx: &rusqlite::Transaction<'_>,
    at: &str,
    action: &str,
    subject: &str,
) -> anyhow::Result<()> {
    use jaria_portal::audit::{Entry, GENESIS_HASH, chain_hash};
    let prev: String = tx
        .query_row(
            "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| GENESIS_HASH.to_owned());
    let entry = Entry {
        at: at.to_owned(),
        actor_iin: None,
        actor_role: "demo_seed".to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        case_id: None,
        client_addr: String::new(),
        detail: "{}".to_owned(),
    };
    let hash = chain_hash(&prev, &entry);
    tx.execute(
        "INSERT INTO audit_log (at, actor_iin, actor_role, action, subject, client_addr, detail, prev_hash, hash)
         VALUES (?1, NULL, ?2, ?3, ?4, '', '{}', ?5, ?6)",
        (&entry.at, &entry.actor_role, &entry.action, &entry.subject, &prev, &hash),
    )?;
    Ok(())
}

/// How to sign in as each demo person.
pub fn print_guide(state_dir: &Path, base_url: &str) {
    let dir = demo_dir(state_dir);
    println!("Demo people (keys and certificates in {}):", dir.display());
    for p in &PEOPLE {
        println!("  {:<13} {}  {:<16} {}", p.key, p.iin, p.name, p.role);
    }
    println!(
        "Sign in with EDS (shell; any demo key works the same way; the signature covers the\n\
         challenge's `to_sign`: purpose, origin and nonce):\n\
         \x20 CH=$(curl -s {base_url}/api/auth/challenge)\n\
         \x20 NONCE=$(printf %s \"$CH\" | sed 's/.*\"nonce\":\"\\([^\"]*\\)\".*/\\1/')\n\
         \x20 TO_SIGN=$(printf %s \"$CH\" | sed 's/.*\"to_sign\":\"\\([^\"]*\\)\".*/\\1/')\n\
         \x20 SIG=$(printf '%b' \"$TO_SIGN\" | openssl dgst -sha256 -sign {dir}/victim.key | base64 -w0)\n\
         \x20 CERT=$(sed ':a;N;$!ba;s/\\n/\\\\n/g' {dir}/victim.pem)\n\
         \x20 curl -s {base_url}/api/auth/eds -H 'content-type: application/json' \\\n\
         \x20   -d \"{{\\\"certificate\\\":\\\"$CERT\\\",\\\"nonce\\\":\\\"$NONCE\\\",\\\"signature\\\":\\\"$SIG\\\"}}\"\n\
         A demo case is registered: ERDR {DEMO_ERDR}. Ask for a status in it with\n\
         \x20 POST {base_url}/api/cases/access-requests {{\"erdr_number\": \"{DEMO_ERDR}\", \"procedural_status\": \"victim\"}}\n\
         and confirm it as the investigator: GET {base_url}/api/officer/queue, then\n\
         \x20 POST {base_url}/api/officer/access-requests/{{id}}/decision {{\"decision\": \"confirm\"}}.\n\
         Then set a password with PUT {base_url}/api/auth/password (Bearer token) and sign in with\n\
         POST {base_url}/api/auth/login {{\"iin\", \"password\"}}.",
        dir = dir.display()
    );
}
