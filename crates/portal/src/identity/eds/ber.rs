//! BER to DER, for CMS as some signers stream it: indefinite lengths, and OCTET STRINGs cut
//! into pieces (`openssl cms -stream`, Java's BouncyCastle streaming generators). Everything
//! else is copied byte for byte, so a DER input comes out unchanged and the signed attributes
//! (DER by RFC 5652 §5.4, whatever wraps them) keep the bytes their signature covers.

use super::EdsError;

/// Nesting deeper than this is no CMS anyone makes: refused before it costs a stack.
const MAX_DEPTH: usize = 48;

fn malformed(what: &str) -> EdsError {
    EdsError::CmsMalformed(format!("BER: {what}"))
}

/// The DER of one BER element that fills `input`.
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, EdsError> {
    let (element, rest) = Element::read(input, 0)?;
    if !rest.is_empty() {
        return Err(malformed("bytes after the end"));
    }
    let mut out = Vec::with_capacity(input.len());
    element.write(&mut out);
    Ok(out)
}

/// One element: its identifier octets, and its content or its elements.
enum Element<'a> {
    Primitive {
        tag: &'a [u8],
        content: &'a [u8],
    },
    Constructed {
        tag: &'a [u8],
        items: Vec<Element<'a>>,
    },
    /// A constructed OCTET STRING, written as one primitive.
    Pieces(Vec<u8>),
}

const OCTET_STRING: u8 = 0x04;
const CONSTRUCTED: u8 = 0x20;

impl<'a> Element<'a> {
    fn read(input: &'a [u8], depth: usize) -> Result<(Element<'a>, &'a [u8]), EdsError> {
        if depth > MAX_DEPTH {
            return Err(malformed("nested too deep"));
        }
        let first = *input.first().ok_or_else(|| malformed("truncated"))?;
        // The identifier: one octet, or more for tag numbers of 31 and above.
        let mut tag_len = 1;
        if first & 0x1f == 0x1f {
            loop {
                let octet = *input
                    .get(tag_len)
                    .ok_or_else(|| malformed("truncated tag"))?;
                tag_len += 1;
                if octet & 0x80 == 0 {
                    break;
                }
                if tag_len > 6 {
                    return Err(malformed("tag number too large"));
                }
            }
        }
        let (tag, rest) = input.split_at(tag_len);
        let (&length_octet, mut rest) = rest.split_first().ok_or_else(|| malformed("truncated"))?;
        let length = match length_octet {
            0x80 => None,
            n if n & 0x80 == 0 => Some(usize::from(n)),
            0xff => return Err(malformed("reserved length")),
            n => {
                let count = usize::from(n & 0x7f);
                if count > 4 || rest.len() < count {
                    return Err(malformed("length"));
                }
                let (digits, after) = rest.split_at(count);
                rest = after;
                Some(
                    digits
                        .iter()
                        .fold(0usize, |n, b| (n << 8) | usize::from(*b)),
                )
            }
        };
        let constructed = first & CONSTRUCTED != 0;
        let (items, rest) = match (constructed, length) {
            (false, None) => return Err(malformed("indefinite primitive")),
            (false, Some(len)) => {
                if len > rest.len() {
                    return Err(malformed("length past the end"));
                }
                let (content, after) = rest.split_at(len);
                return Ok((Element::Primitive { tag, content }, after));
            }
            (true, Some(len)) => {
                if len > rest.len() {
                    return Err(malformed("length past the end"));
                }
                let (mut body, after) = rest.split_at(len);
                let mut items = Vec::new();
                while !body.is_empty() {
                    let (item, more) = Element::read(body, depth + 1)?;
                    items.push(item);
                    body = more;
                }
                (items, after)
            }
            (true, None) => {
                let mut items = Vec::new();
                loop {
                    if let Some(after) = rest.strip_prefix(&[0, 0]) {
                        break (items, after);
                    }
                    if rest.is_empty() {
                        return Err(malformed("no end of contents"));
                    }
                    let (item, more) = Element::read(rest, depth + 1)?;
                    items.push(item);
                    rest = more;
                }
            }
        };
        if tag == [OCTET_STRING | CONSTRUCTED] {
            let mut joined = Vec::new();
            for item in &items {
                match item {
                    Element::Primitive {
                        tag: [OCTET_STRING],
                        content,
                    } => joined.extend_from_slice(content),
                    Element::Pieces(bytes) => joined.extend_from_slice(bytes),
                    _ => return Err(malformed("a piece of an OCTET STRING is no OCTET STRING")),
                }
            }
            return Ok((Element::Pieces(joined), rest));
        }
        Ok((Element::Constructed { tag, items }, rest))
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Element::Primitive { tag, content } => {
                out.extend_from_slice(tag);
                write_length(out, content.len());
                out.extend_from_slice(content);
            }
            Element::Pieces(bytes) => {
                out.push(OCTET_STRING);
                write_length(out, bytes.len());
                out.extend_from_slice(bytes);
            }
            Element::Constructed { tag, items } => {
                let mut body = Vec::new();
                for item in items {
                    item.write(&mut body);
                }
                out.extend_from_slice(tag);
                write_length(out, body.len());
                out.extend_from_slice(&body);
            }
        }
    }
}

/// A definite length in its shortest form.
fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_comes_out_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        assert_eq!(to_der(&der).expect("DER"), der);
        let long: Vec<u8> = [&[0x04, 0x81, 0x80][..], &[7u8; 128]].concat();
        assert_eq!(to_der(&long).expect("DER"), long);
    }

    #[test]
    fn indefinite_lengths_and_octet_string_pieces_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, NULL }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x05,
            0x00, 0x00, 0x00,
        ];
        assert_eq!(
            to_der(&ber).expect("BER"),
            [0x30, 0x07, 0x04, 0x03, b'a', b'b', b'c', 0x05, 0x00]
        );
    }

    #[test]
    fn broken_or_hostile_input_is_refused_never_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x80, 0x05, 0x00],
            &[0x04, 0x80, 0x00, 0x00],
            &[0x04, 0x05, 0x01],
            &[0x30, 0x85, 0x01, 0x01, 0x01, 0x01, 0x01],
            &[0x24, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00],
            &[0x30, 0x00, 0x00],
        ] {
            assert!(to_der(bad).is_err(), "{bad:02x?}");
        }
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 200).flatten().collect();
        assert!(to_der(&deep).is_err());
    }
}
