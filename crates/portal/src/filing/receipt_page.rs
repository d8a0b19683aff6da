//! The receipt as a person reads it: printed in their language, with Almaty time beside the UTC
//! value, the organ and addressee in words, and a QR code leading to the public check page
//! (no sign-in) that confirms what the portal registered under the number. What the receipt
//! *proves* is [`super::receipt::Summary`] and its signature; this module only shows it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Timelike, Utc};
use sha2::{Digest, Sha256};

use super::receipt::{SignedBy, Summary};
use crate::notice::delivery::Language;
use crate::platform::clock::almaty;

/// The words of a printed receipt in one language.
struct Words {
    title: &'static str,
    registration_number: &'static str,
    kind: &'static str,
    addressee: &'static str,
    organ: &'static str,
    filer_iin: &'static str,
    on_behalf_of_iin: &'static str,
    erdr_number: &'static str,
    submitted_at: &'static str,
    due_at: &'static str,
    local_zone: &'static str,
    content_sha256: &'static str,
    /// `{n}` is the attachment's number.
    attachment_sha256: &'static str,
    eds_signature_sha256: &'static str,
    portal_signature: &'static str,
    public_key: &'static str,
    check_heading: &'static str,
    check_hint: &'static str,
    qr_label: &'static str,
    verify_heading: &'static str,
    verify_hint: &'static str,
    /// Crime report, petition, complaint: as the page's catalogue names them.
    kinds: [&'static str; 3],
    /// Investigator, head of unit, prosecutor, investigating judge, organ.
    addressees: [&'static str; 5],
}

const KK: Words = Words {
    title: "Түбіртек",
    registration_number: "Тіркеу нөмірі",
    kind: "Түрі",
    addressee: "Кімге",
    organ: "Орган",
    filer_iin: "Өтініш берушінің ЖСН",
    on_behalf_of_iin: "Кімнің мүддесінде (ЖСН)",
    erdr_number: "СТБТ нөмірі",
    submitted_at: "Берілген уақыты",
    due_at: "Жауап беру мерзімі",
    local_zone: "Алматы уақыты (UTC+5)",
    content_sha256: "Мазмұнның SHA-256",
    attachment_sha256: "{n}-тіркеменің SHA-256",
    eds_signature_sha256: "Өтініш берушінің ЭЦҚ қолтаңбасының (CMS) SHA-256",
    portal_signature: "Порталдың қолтаңбасы (Ed25519, base64)",
    public_key: "Порталдың ашық кілті (base64)",
    check_heading: "Түбіртекті тексеру",
    check_hint: "Кодты сканерлеңіз немесе осы мекенжайды ашыңыз: онда портал осы нөмірмен не тіркегені көрсетіледі. Жүйеге кіру қажет емес.",
    qr_label: "Түбіртекті тексеру бетіне апаратын QR-код",
    verify_heading: "Қолтаңбаны тексеру",
    verify_hint: "Осы JSON-ды POST әдісімен мына мекенжайға жіберіңіз:",
    kinds: ["Қылмыс туралы арыз", "Өтінішхат", "Шағым"],
    addressees: [
        "Тергеуші немесе анықтаушы",
        "Тергеу бөлімшесінің бастығы",
        "Прокурор",
        "Тергеу судьясы",
        "Орган",
    ],
};

const RU: Words = Words {
    title: "Квитанция",
    registration_number: "Регистрационный номер",
    kind: "Вид",
    addressee: "Кому",
    organ: "Орган",
    filer_iin: "ИИН заявителя",
    on_behalf_of_iin: "В интересах (ИИН)",
    erdr_number: "Номер ЕРДР",
    submitted_at: "Подано",
    due_at: "Ответ — не позднее",
    local_zone: "время Алматы (UTC+5)",
    content_sha256: "SHA-256 содержания",
    attachment_sha256: "SHA-256 вложения {n}",
    eds_signature_sha256: "SHA-256 подписи ЭЦП заявителя (CMS)",
    portal_signature: "Подпись портала (Ed25519, base64)",
    public_key: "Открытый ключ портала (base64)",
    check_heading: "Проверить квитанцию",
    check_hint: "Отсканируйте код или откройте этот адрес: там видно, что портал зарегистрировал под этим номером. Входить в систему не нужно.",
    qr_label: "QR-код страницы проверки квитанции",
    verify_heading: "Проверка подписи",
    verify_hint: "Отправьте этот JSON методом POST на адрес",
    kinds: ["Заявление о преступлении", "Ходатайство", "Жалоба"],
    addressees: [
        "Следователь или дознаватель",
        "Руководитель следственного подразделения",
        "Прокурор",
        "Следственный судья",
        "Орган",
    ],
};

const EN: Words = Words {
    title: "Receipt",
    registration_number: "Registration number",
    kind: "Kind",
    addressee: "To whom",
    organ: "Organ",
    filer_iin: "Filer's IIN",
    on_behalf_of_iin: "On behalf of (IIN)",
    erdr_number: "ERDR number",
    submitted_at: "Submitted",
    due_at: "Answer due by",
    local_zone: "Almaty time (UTC+5)",
    content_sha256: "Content SHA-256",
    attachment_sha256: "Attachment {n} SHA-256",
    eds_signature_sha256: "Filer's EDS signature (CMS) SHA-256",
    portal_signature: "Portal's signature (Ed25519, base64)",
    public_key: "Portal's public key (base64)",
    check_heading: "Check this receipt",
    check_hint: "Scan the code or open this address: it shows what the portal registered under this number. No sign-in is needed.",
    qr_label: "QR code of the receipt's check page",
    verify_heading: "To verify the signature",
    verify_hint: "POST this JSON to",
    kinds: [
        "Statement about a criminal offence",
        "Petition",
        "Complaint",
    ],
    addressees: [
        "Investigator or inquirer",
        "Head of the investigative unit",
        "Prosecutor",
        "Investigating judge",
        "Organ",
    ],
};

fn words(language: Language) -> &'static Words {
    match language {
        Language::Kk => &KK,
        Language::Ru => &RU,
        Language::En => &EN,
    }
}

const KINDS: [&str; 3] = ["crime_report", "petition", "complaint"];
const ADDRESSEES: [&str; 5] = [
    "investigator",
    "head_of_unit",
    "prosecutor",
    "investigating_judge",
    "organ",
];

/// `code` in words, from `codes` and their `names`; an unknown code is shown as it is.
fn named<'a, const N: usize>(codes: [&str; N], names: &'a [&'a str; N], code: &'a str) -> &'a str {
    codes
        .iter()
        .position(|c| *c == code)
        .map_or(code, |i| names[i])
}

/// An instant as people in Kazakhstan read it: `dd.mm.yyyy HH:MM` in Almaty. A period's end
/// (24:00 of its last day) is written so, not as 00:00 of the next day.
pub fn almaty_wall_clock(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&almaty());
    if local.num_seconds_from_midnight() == 0 && local.nanosecond() == 0 {
        let day = local - Duration::days(1);
        return format!("{} 24:00", day.format("%d.%m.%Y"));
    }
    local.format("%d.%m.%Y %H:%M").to_string()
}

/// An RFC 3339 instant as "Almaty wall clock (zone) · UTC value"; text that is not one is
/// shown as it is.
fn both_times(rfc3339: &str, zone: &str) -> String {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => format!(
            "{} ({zone}) · UTC {rfc3339}",
            almaty_wall_clock(t.with_timezone(&Utc))
        ),
        Err(_) => rfc3339.to_owned(),
    }
}

/// The code the check page asks for: 128 bits derived from the receipt's signature, so only
/// someone holding the receipt can open its check page (registration numbers are sequential).
pub fn check_code(signature: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"jaria receipt check v1\0");
    hash.update(signature.trim().as_bytes());
    URL_SAFE_NO_PAD.encode(&hash.finalize()[..16])
}

/// Whether `code` is this receipt's check code, compared in constant time.
pub fn code_matches(signature: &str, code: &str) -> bool {
    let expected = check_code(signature);
    expected.len() == code.len()
        && expected
            .bytes()
            .zip(code.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The public check page's address for a receipt (the web page's route, the code in its
/// fragment, so it is never sent to a server when the link is followed).
pub fn check_url(origin: &str, registration_number: &str, signature: &str) -> String {
    format!(
        "{}/#/check/{registration_number}?c={}",
        origin.trim_end_matches('/'),
        check_code(signature)
    )
}

/// `text` as a QR code in SVG (medium error correction, four modules of quiet zone), or
/// nothing when it is too long to encode.
pub fn qr_svg(text: &str, label: &str) -> Option<String> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    let border = 4;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                path += &format!("M{},{}h1v1h-1z", x + border, y + border);
            }
        }
    }
    let side = size + 2 * border;
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         width=\"{px}\" height=\"{px}\" role=\"img\" aria-label=\"{label}\" \
         shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>",
        px = side * 4,
        label = escape_html(label),
    ))
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Where a filing went, in the words of its receipt: the addressee (`organ` for a statement)
/// and the organ's name, when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentTo {
    pub addressee: String,
    pub organ: Option<String>,
}

/// Everything a printed receipt shows.
pub struct Printed<'a> {
    pub summary: &'a Summary,
    pub signature: &'a str,
    pub public_key: &'a str,
    pub sent_to: &'a SentTo,
    pub language: Language,
    /// The public check page (see [`check_url`]).
    pub check_url: &'a str,
}

/// The receipt as a page to print or save, in the person's language: every attested field,
/// the signature and the key, the QR code of the check page, and the JSON to verify the
/// signature with. No script, no style: it prints as is.
pub fn printable(p: &Printed) -> String {
    let w = words(p.language);
    let s = p.summary;
    let row = |label: &str, value: &str| {
        format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
            escape_html(label),
            escape_html(value)
        )
    };
    let mut rows = String::new();
    rows += &row(w.registration_number, &s.registration_number);
    rows += &row(w.kind, named(KINDS, &w.kinds, &s.kind));
    rows += &row(
        w.addressee,
        named(ADDRESSEES, &w.addressees, &p.sent_to.addressee),
    );
    if let Some(organ) = &p.sent_to.organ {
        rows += &row(w.organ, organ);
    }
    rows += &row(w.filer_iin, &s.filer_iin);
    if let Some(principal) = &s.on_behalf_of_iin {
        rows += &row(w.on_behalf_of_iin, principal);
    }
    if let Some(erdr) = &s.erdr_number {
        rows += &row(w.erdr_number, erdr);
    }
    rows += &row(w.submitted_at, &both_times(&s.submitted_at, w.local_zone));
    rows += &row(w.due_at, &both_times(&s.due_at, w.local_zone));
    rows += &row(w.content_sha256, &s.content_sha256);
    for (i, sha) in s.attachments_sha256.iter().enumerate() {
        rows += &row(
            &w.attachment_sha256.replace("{n}", &(i + 1).to_string()),
            sha,
        );
    }
    if let Some(sha) = &s.signature_sha256 {
        rows += &row(w.eds_signature_sha256, sha);
    }
    rows += &row(w.portal_signature, p.signature);
    rows += &row(w.public_key, p.public_key);
    let qr = qr_svg(p.check_url, w.qr_label).unwrap_or_default();
    let verify = serde_json::json!({ "summary": s, "signature": p.signature }).to_string();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <title>{title} {number}</title></head>\n<body>\n<h1>{title} {number}</h1>\n\
         <table>\n{rows}</table>\n<h2>{check_heading}</h2>\n{qr}\n<p>{check_hint}</p>\n\
         <p><a href=\"{url}\">{url}</a></p>\n<h2>{verify_heading}</h2>\n<p>{verify_hint} \
         <code>/api/filings/receipts/verify</code></p>\n<pre>{verify}</pre>\n</body></html>\n",
        lang = p.language.as_str(),
        title = escape_html(w.title),
        number = escape_html(&s.registration_number),
        check_heading = escape_html(w.check_heading),
        check_hint = escape_html(w.check_hint),
        url = escape_html(p.check_url),
        verify_heading = escape_html(w.verify_heading),
        verify_hint = escape_html(w.verify_hint),
        verify = escape_html(&verify),
    )
}

/// The IIN as the check page shows it: its last four digits (the page confirms a receipt
/// someone holds; it does not tell a stranger whose it is).
pub fn masked_iin(iin: &str) -> String {
    let keep = iin.len().saturating_sub(4);
    format!("{}{}", "•".repeat(keep), iin.get(keep..).unwrap_or(""))
}

/// What the public check page says of a receipt whose code matched: what was registered, and
/// whether the portal's signature over it still verifies (and with which key).
pub fn check_json(
    summary: &Summary,
    sent_to: &SentTo,
    signed_by: Option<SignedBy>,
) -> serde_json::Value {
    serde_json::json!({
        "valid": signed_by.is_some(),
        "key": signed_by,
        "registration_number": summary.registration_number,
        "kind": summary.kind,
        "addressee": sent_to.addressee,
        "organ": sent_to.organ,
        "erdr_number": summary.erdr_number,
        "filer_iin": masked_iin(&summary.filer_iin),
        "on_behalf_of_iin": summary.on_behalf_of_iin.as_deref().map(masked_iin),
        "submitted_at": summary.submitted_at,
        "due_at": summary.due_at,
        "content_sha256": summary.content_sha256,
        "attachments_sha256": summary.attachments_sha256,
        "signed_with_eds": summary.signature_sha256.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Summary {
        Summary {
            submitted_at: "2026-11-28T05:37:00.000Z".into(),
            attachments_sha256: vec!["cd".into()],
            ..crate::filing::receipt::tests::summary()
        }
    }

    fn sent_to() -> SentTo {
        SentTo {
            addressee: "prosecutor".into(),
            organ: Some("Прокуратура <Есиль>".into()),
        }
    }

    fn page(language: Language, summary: &Summary) -> String {
        printable(&Printed {
            summary,
            signature: "c2ln",
            public_key: "a2V5",
            sent_to: &sent_to(),
            language,
            check_url: "https://portal.example/#/check/2026-P-0000001?c=abc",
        })
    }

    #[test]
    fn the_receipt_speaks_the_persons_language_with_almaty_time_beside_utc() {
        let ru = page(Language::Ru, &summary());
        assert!(ru.contains("<html lang=\"ru\">"), "{ru}");
        assert!(ru.contains("Ходатайство"));
        assert!(ru.contains("Прокурор"));
        assert!(
            ru.contains("Прокуратура &lt;Есиль&gt;"),
            "the organ's name, escaped"
        );
        // 05:37Z is 10:37 in Almaty; the due time 19:00Z is 24:00 of 1 December there.
        assert!(
            ru.contains("28.11.2026 10:37 (время Алматы (UTC+5)) · UTC 2026-11-28T05:37:00.000Z")
        );
        assert!(ru.contains("01.12.2026 24:00"));
        let kk = page(Language::Kk, &summary());
        assert!(kk.contains("Өтінішхат") && kk.contains("Алматы уақыты"));
        let en = page(Language::En, &summary());
        assert!(en.contains("Petition") && en.contains("Prosecutor"));
        assert!(en.contains("Attachment 1 SHA-256"));
    }

    #[test]
    fn the_page_carries_a_qr_code_of_its_check_address_and_nothing_unescaped() {
        let mut s = summary();
        s.registration_number = "2026-P-<b>".into();
        let page = page(Language::En, &s);
        assert!(page.contains("2026-P-&lt;b&gt;"));
        assert!(!page.contains("<b>"));
        assert!(!page.contains("<script"));
        assert!(page.contains("<svg") && page.contains("role=\"img\""));
        assert!(page.contains("href=\"https://portal.example/#/check/2026-P-0000001?c=abc\""));
    }

    #[test]
    fn the_qr_code_encodes_the_address_and_grows_with_it() {
        let short = qr_svg("https://a.kz/#/check/2026-P-0000001?c=x", "l").unwrap();
        let long = qr_svg(&"x".repeat(400), "l").unwrap();
        assert!(short.len() < long.len());
        assert!(
            qr_svg(&"x".repeat(5000), "l").is_none(),
            "too long for a QR code"
        );
    }

    #[test]
    fn only_the_receipts_own_code_opens_its_check_page() {
        let code = check_code("c2lnbmF0dXJl");
        assert_eq!(code.len(), 22, "128 bits, base64url");
        assert!(code_matches("c2lnbmF0dXJl", &code));
        assert!(!code_matches("b3RoZXI=", &code));
        assert!(!code_matches("c2lnbmF0dXJl", &code[..21]));
        assert!(!code_matches("c2lnbmF0dXJl", ""));
        assert_eq!(
            check_url("https://p.kz/", "2026-C-0000009", "c2lnbmF0dXJl"),
            format!("https://p.kz/#/check/2026-C-0000009?c={code}")
        );
    }

    #[test]
    fn the_check_page_masks_iins_and_says_whether_the_signature_holds() {
        let json = check_json(&summary(), &sent_to(), Some(SignedBy::Current));
        assert_eq!(json["filer_iin"], "••••••••2728");
        assert_eq!(json["valid"], true);
        assert_eq!(json["key"], "current");
        assert_eq!(json["organ"], "Прокуратура <Есиль>");
        let json = check_json(&summary(), &sent_to(), None);
        assert_eq!(json["valid"], false);
        assert!(json["key"].is_null());
    }

    /// The receipt names kinds and addressees as the web page does, in each language.
    #[test]
    fn kinds_and_addressees_read_as_the_page_catalogue_has_them() {
        for (language, catalogue) in [
            (
                Language::Kk,
                include_str!("../../../../components/web/static/locales/kk/participant.json"),
            ),
            (
                Language::Ru,
                include_str!("../../../../components/web/static/locales/ru/participant.json"),
            ),
            (
                Language::En,
                include_str!("../../../../components/web/static/locales/en/participant.json"),
            ),
        ] {
            let catalogue: serde_json::Value = serde_json::from_str(catalogue).unwrap();
            let w = words(language);
            for (code, name) in KINDS.iter().zip(w.kinds) {
                assert_eq!(catalogue[format!("filing.kind.{code}")], name, "{code}");
            }
            for (code, name) in ADDRESSEES.iter().zip(w.addressees) {
                assert_eq!(
                    catalogue[format!("filing.addressee.{code}")],
                    name,
                    "{code}"
                );
            }
        }
    }

    #[test]
    fn a_period_end_reads_as_24_00_of_its_last_day() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            almaty_wall_clock(t("2026-12-01T19:00:00Z")),
            "01.12.2026 24:00"
        );
        assert_eq!(
            almaty_wall_clock(t("2026-12-01T19:00:01Z")),
            "02.12.2026 00:00"
        );
        assert_eq!(
            almaty_wall_clock(t("2026-12-31T18:59:00Z")),
            "31.12.2026 23:59"
        );
    }
}

#[cfg(test)]
mod proptests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn the_printable_receipt_escapes_every_field(
            number in any::<String>(),
            submitted in any::<String>(),
            organ in any::<String>(),
            addressee in any::<String>(),
            language in prop::sample::select(Language::ALL.to_vec()),
        ) {
            let summary = |number: &str, submitted: &str| Summary {
                id: 1,
                registration_number: number.to_owned(),
                kind: "complaint".into(),
                filer_iin: "791028302728".into(),
                on_behalf_of_iin: None,
                erdr_number: None,
                submitted_at: submitted.to_owned(),
                due_at: submitted.to_owned(),
                content_sha256: "ab".into(),
                attachments_sha256: vec![],
                signature_sha256: None,
            };
            let page = |summary: &Summary, sent_to: &SentTo| printable(&Printed {
                summary,
                signature: "c2ln",
                public_key: "a2V5",
                sent_to,
                language,
                check_url: "https://portal.example/#/check/1?c=abc",
            });
            let filled = page(&summary(&number, &submitted), &SentTo { addressee, organ: Some(organ) });
            let blank = page(&summary("", ""), &SentTo { addressee: String::new(), organ: Some(String::new()) });
            // The page's own markup is fixed: whatever the fields hold adds no element.
            let tags = |text: &str| text.matches('<').count();
            prop_assert_eq!(tags(&filled), tags(&blank));
            prop_assert!(!filled.contains("<script"));
        }
    }
}
