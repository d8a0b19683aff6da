//! `egov-phone <API 1 address> <NCA .p12> <password>`: does what the eGov mobile app does
//! with a QR code's address (NITEC's QR signing protocol): reads API 1, fetches the document
//! from API 2 with API 1's bearer token, signs it with the key (a detached CMS, as the app
//! makes it) and PUTs the list back. Exits 0 on the portal's `{"code": "200"}`, else prints the
//! answer and exits 1. The browser journeys run it as the person's phone.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jaria_tests::{CmsOptions, Person};
use serde_json::Value;

fn call(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Result<Value, String> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("accept-language", "kk");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map(Value::to_string).unwrap_or_default().into_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = agent
        .run(request)
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!("{method} {url}: {status} {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{method} {url}: {e}: {text}"))
}

fn run(api1_url: &str, key: &Person) -> Result<(), String> {
    let api1 = call("GET", api1_url, None, None)?;
    let api2_url = api1["document"]["uri"]
        .as_str()
        .ok_or("API 1 names no API 2")?;
    let token = api1["document"]["auth_token"]
        .as_str()
        .ok_or("API 1 gives no token")?;
    let mut documents = call("GET", api2_url, Some(token), None)?;
    let data = documents["documentsToSign"][0]["document"]["file"]["data"]
        .as_str()
        .ok_or("API 2 lists no document")?;
    let bytes = STANDARD.decode(data).map_err(|e| e.to_string())?;
    let cms = key
        .sign_cms(
            &bytes,
            &CmsOptions {
                attached: false,
                ..CmsOptions::default()
            },
        )
        .map_err(|e| e.to_string())?;
    documents["documentsToSign"][0]["document"]["file"]["data"] = STANDARD.encode(cms).into();
    let done = call("PUT", api2_url, Some(token), Some(&documents))?;
    if done["code"] != "200" {
        return Err(format!("PUT {api2_url}: {done}"));
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, api1_url, p12, password] = args.as_slice() else {
        eprintln!("usage: egov-phone <API 1 address> <key.p12> <password>");
        std::process::exit(2);
    };
    let outcome = std::fs::read(p12)
        .map_err(|e| format!("{p12}: {e}"))
        .and_then(|bytes| Person::from_nca_p12(&bytes, password).map_err(|e| e.to_string()))
        .and_then(|key| run(api1_url, &key));
    if let Err(e) = outcome {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
