use super::*;

/// The curve of the standard's example for 256-bit keys (GOST R 34.10-2012, appendix A.1;
/// RFC 7091 section 7).
fn example_256() -> Curve {
    Curve {
        p: hex("8000000000000000000000000000000000000000000000000000000000000431"),
        a: BigUint::from(7u8),
        b: hex("5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E"),
        q: hex("8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3"),
        gx: BigUint::from(2u8),
        gy: hex("08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8"),
    }
}

fn example_256_key() -> VerifyingKey {
    VerifyingKey::new(
        example_256(),
        hex("7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B"),
        hex("26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA"),
    )
    .expect("the example's key is on its curve")
}

#[test]
fn the_standards_256_bit_example_verifies() {
    // RFC 7091 section 7.3: e (from the message's hash), then r and s of section 7.2.
    let e = hex("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5");
    let r = hex("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493");
    let s = hex("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40");
    let key = example_256_key();
    assert!(key.verify_integer(&e, &r, &s));
    // Anything changed: refused.
    assert!(!key.verify_integer(&(&e + 1u8), &r, &s));
    assert!(!key.verify_integer(&e, &(&r + 1u8), &s));
    assert!(!key.verify_integer(&e, &r, &(&s + 1u8)));
    // Out of range: refused without computing.
    assert!(!key.verify_integer(&e, &BigUint::ZERO, &s));
    assert!(!key.verify_integer(&e, &r, &example_256().q));
}

#[test]
fn the_standards_512_bit_example_verifies() {
    // GOST R 34.10-2012 appendix A.2; RFC 7091 section 7 (512-bit).
    let curve = Curve {
        p: hex(concat!(
            "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D",
            "F1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373"
        )),
        a: BigUint::from(7u8),
        b: hex(concat!(
            "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC43",
            "61834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC"
        )),
        q: hex(concat!(
            "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15D",
            "A82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF"
        )),
        gx: hex(concat!(
            "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762",
            "FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A"
        )),
        gy: hex(concat!(
            "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C",
            "83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E"
        )),
    };
    let key = VerifyingKey::new(
        curve,
        hex(concat!(
            "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD",
            "5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1"
        )),
        hex(concat!(
            "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61",
            "EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC"
        )),
    )
    .expect("the example's key is on its curve");
    let e = hex(concat!(
        "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C591",
        "7184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C"
    ));
    let r = hex(concat!(
        "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD3",
        "5492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36"
    ));
    let s = hex(concat!(
        "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5",
        "823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A"
    ));
    assert!(key.verify_integer(&e, &r, &s));
    assert!(!key.verify_integer(&e, &(&r + 1u8), &s));
}

#[test]
fn keys_off_the_curve_or_of_the_wrong_size_are_refused() {
    let curve = example_256();
    assert_eq!(
        VerifyingKey::new(curve.clone(), BigUint::from(1u8), BigUint::from(1u8)).unwrap_err(),
        KeyError::NotOnCurve
    );
    assert_eq!(
        VerifyingKey::from_le_bytes(Curve::tc26_512_a(), &[0u8; 64]).unwrap_err(),
        KeyError::Length
    );
}

#[test]
fn the_tc26_512_a_base_point_is_on_its_curve() {
    let curve = Curve::tc26_512_a();
    assert!(curve.on_curve(&curve.gx, &curve.gy));
    assert_eq!(curve.size(), 64);
}

#[cfg(feature = "sign")]
#[test]
fn the_standards_256_bit_example_signs_to_its_r_and_s() {
    // RFC 7091 section 7.2: d and k give r and s of the example that verifies above.
    let key = SigningKey::from_le_bytes(
        example_256(),
        &hex("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28").to_bytes_le(),
    )
    .expect("d");
    assert_eq!(key.verifying_key(), example_256_key());
    let e = hex("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5");
    let k = hex("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3");
    let (r, s) = key.sign_integer(&e, &k).expect("a signature");
    assert_eq!(
        r,
        hex("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493")
    );
    assert_eq!(
        s,
        hex("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40")
    );
}

#[cfg(feature = "sign")]
#[test]
fn a_512_bit_signature_verifies_and_is_deterministic() {
    let key = SigningKey::from_le_bytes(Curve::tc26_512_a(), &[7u8; 64]).expect("d");
    let public = key.verifying_key();
    let one = key.sign(b"message");
    assert_eq!(one, key.sign(b"message"));
    assert!(public.verify(b"message", &one));
    assert!(!public.verify(b"massage", &one));
    assert_ne!(one, key.sign(b"another"));
}
