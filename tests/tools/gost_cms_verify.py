#!/usr/bin/env python3
"""Checks a GOST 34.10-2015 (512-bit) CMS signature the way the national CA makes them, with
code that owes nothing to the portal's: Streebog-512 from `gostcrypto` (PyPI), the curve
arithmetic below (textbook affine formulas), the DER walked by hand.

  gost_cms_verify.py SIGNATURE.p7s CONTENT ISSUER.cer

Exit 0 when: the CMS's signed attributes carry Streebog-512 of CONTENT as the message digest,
the signer's GOST signature over them verifies with the signer certificate's key, and that
certificate's own signature verifies with ISSUER's key. Anything else exits 1, saying what.

NCA's encodings (its public test keys show them): curve TC26 512 A; public key x ‖ y and
signature r ‖ s, 64 bytes each, little-endian; the digest read little-endian.
"""
import sys

import gostcrypto

P = 2**512 - 569
A = P - 3
Q = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275
G = (
    3,
    0x7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4,
)
OID_STREEBOG_512 = bytes.fromhex("2a830e030a010303")  # 1.2.398.3.10.1.3.3


def add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0] and (p1[1] + p2[1]) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * p1[0] * p1[0] + A) * pow(2 * p1[1], -1, P) % P
    else:
        slope = (p2[1] - p1[1]) * pow(p2[0] - p1[0], -1, P) % P
    x = (slope * slope - p1[0] - p2[0]) % P
    return x, (slope * (p1[0] - x) - p1[1]) % P


def times(k, point):
    result = None
    while k:
        if k & 1:
            result = add(result, point)
        point = add(point, point)
        k >>= 1
    return result


def streebog512(data):
    return gostcrypto.gosthash.new("streebog512", data=data).digest()


def verify(message, signature, key):
    if len(signature) != 128:
        return False
    e = int.from_bytes(streebog512(message), "little") % Q or 1
    r = int.from_bytes(signature[:64], "little")
    s = int.from_bytes(signature[64:], "little")
    if not (0 < r < Q and 0 < s < Q):
        return False
    v = pow(e, -1, Q)
    c = add(times(s * v % Q, G), times(-r * v % Q, key))
    return c is not None and c[0] % Q == r


def element(data, at=0):
    """(tag, whole element, content) of the DER element at `at`."""
    tag, length, head = data[at], data[at + 1], 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at + 2 : at + 2 + count], "big")
        head += count
    return tag, data[at : at + head + length], data[at + head : at + head + length]


def elements(content):
    out, at = [], 0
    while at < len(content):
        item = element(content, at)
        out.append(item)
        at += len(item[1])
    return out


def public_key(certificate):
    tbs = elements(elements(element(certificate)[2])[0][2])
    at = 1 if tbs[0][0] == 0xA0 else 0
    bits = elements(tbs[at + 5][2])[1][2][1:]
    point = element(bits)[2]
    return int.from_bytes(point[:64], "little"), int.from_bytes(point[64:], "little")


def certificate_signed_by(certificate, issuer):
    tbs, _, signature = elements(element(certificate)[2])
    return verify(tbs[1], signature[2][1:], public_key(issuer))


def fail(why):
    print(f"not verified: {why}", file=sys.stderr)
    sys.exit(1)


def main(cms_path, content_path, issuer_path):
    cms = open(cms_path, "rb").read()
    content = open(content_path, "rb").read()
    issuer = open(issuer_path, "rb").read()
    signed_data = elements(elements(elements(element(cms)[2])[1][2])[0][2])
    certificates = [e for e in signed_data if e[0] == 0xA0]
    if not certificates:
        fail("the CMS carries no certificate")
    signer = elements(certificates[0][2])[0][1]
    signer_info = elements(elements(signed_data[-1][2])[0][2])
    if OID_STREEBOG_512 not in signer_info[2][1]:
        fail("the digest is not Streebog-512")
    attributes = [e for e in signer_info if e[0] == 0xA0]
    if not attributes:
        fail("no signed attributes")
    signed = b"\x31" + attributes[0][1][1:]  # signed as a SET OF (RFC 5652 §5.4)
    digests = [
        elements(elements(attribute[2])[1][2])[0][2]
        for attribute in elements(attributes[0][2])
        if elements(attribute[2])[0][2] == bytes.fromhex("2a864886f70d010904")
    ]
    if digests != [streebog512(content)]:
        fail("the message digest is not Streebog-512 of the content")
    signature = [e for e in signer_info if e[0] == 0x04][-1][2]
    if not verify(signed, signature, public_key(signer)):
        fail("the signature over the signed attributes does not verify")
    if not certificate_signed_by(signer, issuer):
        fail("the signer's certificate is not signed by the issuer given")
    print("verified: GOST 34.10-2015 signature of the content, by a certificate of the issuer")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*sys.argv[1:])
