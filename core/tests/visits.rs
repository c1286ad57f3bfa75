//! SSIAD visits stamped at the door: by hand, or by the QR sticker or NFC
//! tag registered at the patient's home — another home's tag, or a tag where
//! none is registered, is refused with nothing written.

mod common;

use chevet_core::CoreError;
use chevet_core::demo::DEMO_PIN;
use chevet_core::domain::*;
use common::seeded;
use uuid::Uuid;

fn stamp(resident: Uuid, method: StampMethod, tag: Option<&str>, event: VisitEvent, at: jiff::Timestamp) -> Fact {
    Fact::VisitStamp(VisitStamp {
        id: Uuid::now_v7(),
        resident_id: resident,
        route_id: None,
        event,
        method,
        tag: tag.map(Into::into),
        meta: RecordMeta::at(at),
    })
}

#[test]
fn a_visit_reads_the_tag_of_its_own_home_only() {
    let (f, d) = seeded(3, 0);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let (a, b, c) = (d.residents[0].id, d.residents[1].id, d.residents[2].id);
    f.store.register_home_tag(a, StampMethod::QrCode, "CHEVET-DOMICILE-7f3a").unwrap();
    f.store.register_home_tag(a, StampMethod::Nfc, "04:a2:2b:1a:6c:5d:80").unwrap();
    f.store.register_home_tag(b, StampMethod::QrCode, "CHEVET-DOMICILE-91c0").unwrap();
    let now = f.store.now();
    let stamps = |r: Uuid| f.store.timeline(r, None, 100).unwrap().len();
    let before = stamps(a);

    f.store.record(stamp(a, StampMethod::QrCode, Some(" CHEVET-DOMICILE-7f3a "), VisitEvent::Start, now)).unwrap();
    // The same UID as another reader writes it.
    f.store.record(stamp(a, StampMethod::Nfc, Some("04A22B1A6C5D80"), VisitEvent::Stop, now)).unwrap();
    f.store.record(stamp(a, StampMethod::Manual, None, VisitEvent::Start, now)).unwrap();
    assert_eq!(stamps(a), before + 3);

    // B's sticker at A's door, and a sticker at C's, who has none.
    let wrong = f.store.record(stamp(a, StampMethod::QrCode, Some("CHEVET-DOMICILE-91c0"), VisitEvent::Start, now));
    assert!(matches!(wrong, Err(CoreError::WrongHomeTag { registered: true, .. })), "{wrong:?}");
    let none = f.store.record(stamp(c, StampMethod::QrCode, Some("CHEVET-DOMICILE-7f3a"), VisitEvent::Start, now));
    assert!(matches!(none, Err(CoreError::WrongHomeTag { registered: false, .. })), "{none:?}");
    let missing = f.store.record(stamp(a, StampMethod::Nfc, None, VisitEvent::Start, now));
    assert!(matches!(missing, Err(CoreError::InvalidInput { field: "visit.tag", .. })), "{missing:?}");
    assert_eq!(stamps(a), before + 3, "nothing written on refusal");

    // A lost sticker: the new one replaces it, the NFC tag stays.
    let r = f.store.register_home_tag(a, StampMethod::QrCode, "CHEVET-DOMICILE-new").unwrap();
    assert_eq!(r.home_tags, ["nfc:04A22B1A6C5D80", "qr:CHEVET-DOMICILE-new"]);
    assert!(
        f.store.record(stamp(a, StampMethod::QrCode, Some("CHEVET-DOMICILE-7f3a"), VisitEvent::Start, now)).is_err()
    );
    // A care aide stamps visits but does not register tags.
    f.store.lock();
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    assert!(matches!(
        f.store.register_home_tag(b, StampMethod::Nfc, "04A22B1A6C5D81"),
        Err(CoreError::PermissionDenied { .. })
    ));
    f.store.record(stamp(b, StampMethod::QrCode, Some("CHEVET-DOMICILE-91c0"), VisitEvent::Start, now)).unwrap();
}

#[test]
fn tags_are_normalised_and_bad_ones_refused() {
    use chevet_core::domain::visit::home_tag;
    assert_eq!(home_tag(StampMethod::Nfc, "04-a2-2b-1a").unwrap(), "nfc:04A22B1A");
    for bad in ["04A2", "zz:zz:zz:zz", "04A22B1A6C"] {
        assert!(home_tag(StampMethod::Nfc, bad).is_err(), "{bad}");
    }
    assert!(home_tag(StampMethod::QrCode, "").is_err());
    assert!(home_tag(StampMethod::QrCode, "a\u{7}b").is_err());
    assert!(home_tag(StampMethod::Manual, "x").is_err());
}
