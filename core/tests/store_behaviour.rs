//! What a care worker relies on from the store: sessions, permissions,
//! refusals that write nothing, the round view, search, outbox and audit.

mod common;

use chevet_core::CoreError;
use chevet_core::demo::{DEMO_PIN, matricule_with_key};
use chevet_core::domain::*;
use chevet_core::store::{MAX_PIN_ATTEMPTS, TABLET_MAX_PIN_ATTEMPTS};
use chevet_core::views::{RoundStatus, TimelineEntry};
use common::*;
use jiff::Timestamp;
use jiff::civil::{date, time};
use uuid::Uuid;

fn resident(unit_id: Uuid, family: &str, given: &str, room: &str, matricule: Option<Matricule>) -> Resident {
    let qualified = matricule.is_some();
    Resident {
        id: Uuid::now_v7(),
        unit_id,
        identity: Identity {
            traits: IdentityTraits {
                birth_name: family.into(),
                first_birth_given_name: given.into(),
                birth_given_names: given.into(),
                sex: Sex::Female,
                birth_date: date(1936, 5, 14),
                birth_place_insee: Some("69123".into()),
            },
            system: matricule.as_ref().map(|_| InsSystem::NirDemo),
            matricule,
            status: if qualified { IdentityStatus::Qualified } else { IdentityStatus::Provisional },
            collection: if qualified { CollectionMethod::Insi } else { CollectionMethod::Manual },
            used_name: None,
            used_given_name: None,
        },
        room: room.into(),
        allergies: vec![],
        trusted_person: None,
        contacts: vec![],
        advance_directives: None,
        gir: Some(2),
        hypercapnic: false,
        admitted_on: date(2026, 1, 5),
        discharged_on: None,
        home_tags: Vec::new(),
    }
}

fn act(resident_id: Uuid, kind: ActKind, label: &str, hours: &[i8]) -> PlannedAct {
    PlannedAct {
        id: Uuid::now_v7(),
        resident_id,
        kind,
        label: label.into(),
        schedule: Schedule {
            times: hours.iter().map(|&h| time(h, 0, 0, 0)).collect(),
            recurrence: Recurrence::Daily,
            // The day of the tests: a plan that began earlier would have
            // every earlier day « non tracé ».
            start: date(2026, 11, 23),
            end: None,
        },
        medication: None,
        active: true,
    }
}

fn medication(resident_id: Uuid, assist: bool) -> PlannedAct {
    PlannedAct {
        medication: Some(MedicationLine {
            drug: "Furosémide".into(),
            dose: "40 mg".into(),
            route: "orale".into(),
            intake_assistance_allowed: assist,
            expected_barcode: Some("3400935955838".into()),
        }),
        ..act(resident_id, ActKind::Medication, "Furosémide 40 mg", &[8])
    }
}

fn done(resident_id: Uuid, planned: &PlannedAct, occurrence: Timestamp, at: Timestamp) -> Fact {
    Fact::Act(ActRecord {
        id: Uuid::now_v7(),
        resident_id,
        planned_act_id: Some(planned.id),
        occurrence: Some(occurrence),
        outcome: ActOutcome::Done,
        recorded_elsewhere: false,
        comment: None,
        meta: RecordMeta::at(at),
    })
}

fn paris(h: i8, m: i8) -> Timestamp {
    date(2026, 11, 23).at(h, m, 0, 0).in_tz("Europe/Paris").unwrap().timestamp()
}

fn temperature(resident_id: Uuid, value: f64, at: Timestamp) -> Fact {
    Fact::Observation(Observation {
        id: Uuid::now_v7(),
        resident_id,
        code: VitalCode::Temperature,
        value: ObservationValue::Quantity(value),
        method: None,
        meta: RecordMeta::at(at),
    })
}

/// Counts of the rows every write touches, to prove a refusal wrote nothing.
fn footprint(f: &Fixture) -> (i64, i64, i64) {
    (count(&f.path(), "facts"), count(&f.path(), "outbox"), count(&f.path(), "audit"))
}

#[test]
fn writes_need_a_session_and_idle_sessions_lock() {
    let (f, d) = seeded(2, 0);
    let r = &d.residents[0];
    f.store.lock();
    let before = footprint(&f);
    assert!(matches!(f.store.record(temperature(r.id, 37.2, monday_10h())), Err(CoreError::NoSession)));
    assert!(matches!(f.store.search_residents("mar"), Err(CoreError::NoSession)));
    assert_eq!(footprint(&f), before);

    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    f.store.record(temperature(r.id, 37.2, monday_10h())).unwrap();
    f.clock.advance_secs(299);
    assert!(f.store.session().is_some());
    f.clock.advance_secs(301);
    assert!(f.store.session().is_none());
    assert!(matches!(f.store.record(temperature(r.id, 37.3, monday_10h())), Err(CoreError::NoSession)));
}

#[test]
fn every_record_carries_the_signed_in_author_and_device() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let a = f.store.record(temperature(r.id, 37.0, monday_10h())).unwrap();
    // Quick switch: the nurse takes the tablet.
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let b = f.store.record(temperature(r.id, 37.1, monday_10h())).unwrap();
    assert_eq!(a.meta().author, d.care_aide.id);
    assert_eq!(b.meta().author, d.nurse.id);
    assert_eq!(a.meta().device, f.store.device_id());
    let (stored, voided) = f.store.fact(a.id()).unwrap();
    assert_eq!(stored, a);
    assert!(!voided);
}

#[test]
fn a_shared_tablet_takes_a_bounded_number_of_wrong_pins_whoever_they_are_for() {
    let (f, d) = seeded(1, 0);
    f.store.lock();
    // A thief tries PINs across the profiles: four for each of two, then two for a third
    // (none of them locked out on their own).
    let mut tried = 0;
    for staff in [d.care_aide.id, d.manager.id, d.nurse.id] {
        for _ in 0..4 {
            if tried == TABLET_MAX_PIN_ATTEMPTS {
                break;
            }
            let refused = f.store.sign_in(staff, "9999");
            tried += 1;
            if tried < TABLET_MAX_PIN_ATTEMPTS {
                assert!(matches!(refused, Err(CoreError::WrongPin { .. })), "{tried}: {refused:?}");
            } else {
                assert!(matches!(refused, Err(CoreError::LockedOut { .. })), "{tried}: {refused:?}");
            }
        }
    }
    assert_eq!(tried, TABLET_MAX_PIN_ATTEMPTS);
    // The whole tablet waits now: the right PINs too, and after a restart.
    assert!(matches!(f.store.sign_in(d.care_aide.id, DEMO_PIN), Err(CoreError::LockedOut { .. })));
    assert!(matches!(f.store.sign_in(d.nurse.id, DEMO_PIN), Err(CoreError::LockedOut { .. })));
    let f = f.reopen();
    assert!(matches!(f.store.sign_in(d.nurse.id, DEMO_PIN), Err(CoreError::LockedOut { .. })));
    f.clock.advance_secs(15 * 60 + 1);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let actions: Vec<String> = f.store.audit_entries(100).unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.iter().any(|a| a == "lock_out"));
}

#[test]
fn pin_brute_force_locks_out_and_survives_restart() {
    let (f, d) = seeded(1, 0);
    let aide = d.care_aide.id;
    for i in 1..MAX_PIN_ATTEMPTS {
        match f.store.sign_in(aide, "9999") {
            Err(CoreError::WrongPin { attempts_left, .. }) => {
                assert_eq!(attempts_left, MAX_PIN_ATTEMPTS - i)
            }
            other => panic!("expected WrongPin, got {other:?}"),
        }
    }
    assert!(matches!(f.store.sign_in(aide, "9999"), Err(CoreError::LockedOut { .. })));
    // Even the right PIN is refused while locked, and after a restart.
    assert!(matches!(f.store.sign_in(aide, DEMO_PIN), Err(CoreError::LockedOut { .. })));
    let f = f.reopen();
    assert!(matches!(f.store.sign_in(aide, DEMO_PIN), Err(CoreError::LockedOut { .. })));
    // Other users are unaffected.
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    f.clock.advance_secs(15 * 60 + 1);
    // Without a success in between, the next series locks for twice as long.
    for _ in 0..MAX_PIN_ATTEMPTS {
        let _ = f.store.sign_in(aide, "9999");
    }
    f.clock.advance_secs(15 * 60 + 1);
    assert!(matches!(f.store.sign_in(aide, DEMO_PIN), Err(CoreError::LockedOut { .. })));
    f.clock.advance_secs(15 * 60);
    f.store.sign_in(aide, DEMO_PIN).unwrap();
    // A success resets the count.
    assert!(matches!(f.store.sign_in(aide, "9999"), Err(CoreError::WrongPin { attempts_left: 4, .. })));
    let actions: Vec<String> = f.store.audit_entries(100).unwrap().into_iter().map(|e| e.action).collect();
    assert!(actions.iter().filter(|a| *a == "lock_out").count() >= 2);
    assert!(actions.iter().any(|a| a == "sign_in_failed"));
}

#[test]
fn a_first_pin_is_set_on_a_new_tablet_with_the_establishments_code() {
    let (f, _) = seeded(1, 0);
    let cost = chevet_core::crypto::vault::Argon2Cost::MINIMUM;
    let day = jiff::SignedDuration::from_hours(24);
    let (code, issued) = chevet_core::store::issue_first_pin_code(cost, monday_10h() + day).unwrap();
    assert!(code.len() == 11 && code.as_bytes()[5] == b'-', "codes read XXXXX-XXXXX");
    let newcomer = Staff {
        id: Uuid::now_v7(),
        display_name: "Nouvelle IDE".into(),
        role: Role::Nurse,
        rpps: None,
        first_pin_code: Some(issued),
        units: Vec::new(),
        deactivated_at: None,
    };
    f.store.provision_staff(&newcomer).unwrap();
    let (_, expired) = chevet_core::store::issue_first_pin_code(cost, monday_10h()).unwrap();
    let late = Staff {
        id: Uuid::now_v7(),
        display_name: "Retardataire".into(),
        first_pin_code: Some(expired),
        ..newcomer.clone()
    };
    f.store.provision_staff(&late).unwrap();
    // Never given a code: the establishment must issue one.
    let uncoded =
        Staff { id: Uuid::now_v7(), display_name: "Sans code".into(), first_pin_code: None, ..newcomer.clone() };
    f.store.provision_staff(&uncoded).unwrap();

    let account = |id| f.store.staff_accounts().unwrap().into_iter().find(|a| a.staff_id == id).unwrap();
    assert!(!account(newcomer.id).pin_set && account(newcomer.id).first_pin_possible);
    assert!(!account(late.id).first_pin_possible && !account(uncoded.id).first_pin_possible);
    assert!(matches!(f.store.sign_in(newcomer.id, "2580"), Err(CoreError::InvalidInput { .. })));

    // A weak PIN is refused first and costs no attempt; a wrong code costs one.
    assert!(matches!(f.store.set_first_pin(newcomer.id, &code, "1234"), Err(CoreError::WeakPin(_))));
    let wrong = if code.starts_with('0') { "11111-11111" } else { "00000-00000" };
    assert!(matches!(
        f.store.set_first_pin(newcomer.id, wrong, "2580"),
        Err(CoreError::WrongFirstPinCode { attempts_left: 4, .. })
    ));
    // Typed in lower case with spaces instead of the dash: accepted, and signed in.
    let typed = code.to_lowercase().replace('-', " ");
    let session = f.store.set_first_pin(newcomer.id, &typed, "2580").unwrap();
    assert_eq!(session.staff_id, newcomer.id);
    assert!(account(newcomer.id).pin_set && !account(newcomer.id).first_pin_possible);
    // The code does not set the PIN a second time (that is change_pin's job).
    assert!(matches!(f.store.set_first_pin(newcomer.id, &code, "7391"), Err(CoreError::FirstPinUnavailable { .. })));
    f.store.lock();
    f.store.sign_in(newcomer.id, "2580").unwrap();
    // A pulled update of the staff record keeps the PIN set here.
    f.store.provision_staff(&Staff { display_name: "Nouvelle IDE (nom d'usage)".into(), ..newcomer.clone() }).unwrap();
    f.store.lock();
    f.store.sign_in(newcomer.id, "2580").unwrap();

    for (who, why) in [(late.id, "expired"), (uncoded.id, "no code")] {
        assert!(
            matches!(f.store.set_first_pin(who, &code, "2580"), Err(CoreError::FirstPinUnavailable { .. })),
            "{why}"
        );
    }
    // Guessing codes locks the account like guessing PINs.
    let other_code = chevet_core::store::issue_first_pin_code(cost, monday_10h() + day).unwrap().1;
    let guessed = Staff { id: Uuid::now_v7(), first_pin_code: Some(other_code), ..newcomer.clone() };
    f.store.provision_staff(&guessed).unwrap();
    for _ in 1..MAX_PIN_ATTEMPTS {
        assert!(matches!(f.store.set_first_pin(guessed.id, wrong, "2580"), Err(CoreError::WrongFirstPinCode { .. })));
    }
    assert!(matches!(f.store.set_first_pin(guessed.id, wrong, "2580"), Err(CoreError::LockedOut { .. })));
    let actions: Vec<String> = f.store.audit_entries(200).unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| *a == "first_pin_set").count(), 1);
}

#[test]
fn a_recorded_scale_is_read_at_the_establishments_thresholds() {
    use chevet_core::clinical::scales::{Norton, ScaleAnswers};
    let (f, d) = seeded(1, 0);
    let resident = d.residents[0].id;
    let norton = |total_minus_14: u8| ScaleAssessment {
        id: Uuid::now_v7(),
        resident_id: resident,
        answers: ScaleAnswers::Norton(Norton {
            physical_condition: 3,
            mental_condition: 3,
            activity: 3,
            mobility: 3,
            incontinence: 2 + total_minus_14,
        }),
        meta: RecordMeta::at(monday_10h()),
    };
    // Norton 14 is at risk at the default threshold (14)…
    assert!(f.store.record_scale(norton(0)).unwrap().positive);
    // …not for a team that set 13; and a wrong answer stores nothing.
    let mut est = d.establishment.clone();
    est.alert_settings =
        Some(chevet_core::clinical::alerts::AlertSettings { norton_threshold: 13, ..Default::default() });
    f.store.provision_establishment(&est).unwrap();
    assert!(!f.store.record_scale(norton(0)).unwrap().positive);
    let before = f.store.pending_count().unwrap();
    assert!(f.store.record_scale(norton(7)).is_err());
    assert_eq!(f.store.pending_count().unwrap(), before);
}

#[test]
fn only_a_nurse_administers_unless_aide_a_la_prise_is_allowed() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let nurse_only = medication(r.id, false);
    let assisted = medication(r.id, true);
    f.store.create_planned_act(&nurse_only).unwrap();
    f.store.create_planned_act(&assisted).unwrap();
    let admin = |p: &PlannedAct, barcode: Option<&str>| {
        Fact::Administration(MedicationAdministration {
            id: Uuid::now_v7(),
            resident_id: r.id,
            planned_act_id: p.id,
            occurrence: Some(paris(8, 0)),
            outcome: AdministrationOutcome::Given,
            recorded_elsewhere: false,
            scanned_barcode: barcode.map(str::to_owned),
            comment: None,
            meta: RecordMeta::at(paris(8, 5)),
        })
    };
    // The round offers each professional only what their role may record.
    let may_record = |p: &PlannedAct| {
        let view = f.store.round_view(r.unit_id, paris(6, 0), paris(12, 0)).unwrap();
        let items: Vec<_> = view.residents.iter().flat_map(|x| &x.items).filter(|i| i.planned_act_id == p.id).collect();
        assert!(!items.is_empty(), "the 08:00 occurrence is on the round");
        items.iter().all(|i| i.may_record)
    };
    assert!(may_record(&nurse_only) && may_record(&assisted), "the nurse may record both");
    // One resident's card is the card the whole round shows for them.
    let whole = f.store.round_view(r.unit_id, paris(6, 0), paris(12, 0)).unwrap();
    let card = f.store.round_view_resident(r.unit_id, r.id, paris(6, 0), paris(12, 0)).unwrap();
    assert_eq!(card.as_ref(), whole.residents.iter().find(|x| x.resident_id == r.id));
    assert_eq!(f.store.round_view_resident(r.unit_id, Uuid::now_v7(), paris(6, 0), paris(12, 0)).unwrap(), None);
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    assert!(!may_record(&nurse_only), "not offered to a care aide");
    assert!(may_record(&assisted), "aide à la prise is offered");
    let before = footprint(&f);
    match f.store.record(admin(&nurse_only, None)) {
        Err(CoreError::PermissionDenied { permission, .. }) => {
            assert_eq!(permission, "administer_medication")
        }
        other => panic!("expected PermissionDenied, got {other:?}"),
    }
    assert!(matches!(
        f.store.create_planned_act(&act(r.id, ActKind::Hygiene, "Douche", &[9])),
        Err(CoreError::PermissionDenied { .. })
    ));
    assert_eq!(footprint(&f), before);
    f.store.record(admin(&assisted, Some("3400935955838"))).unwrap();
    // The box's Data Matrix (product, expiry, lot, serial) as the scanner gives it.
    f.store.record(admin(&assisted, Some("]d2010340093595583817271130"))).unwrap();
    f.store.record(admin(&assisted, Some("010340093595583817271130\u{1d}10AB12C\u{1d}218XK2P9QW1"))).unwrap();
    // The wrong box, an expired one, or an unreadable code are refused and write nothing.
    let before = footprint(&f);
    for (scan, why) in [
        ("3400930000007", "the scanned box is not the prescribed product"),
        ("010340093000000717271130", "the scanned box is not the prescribed product"),
        ("01034009359558381726103110AB12C", "the scanned box is past its expiry date"),
        ("0103400935955837", "the product code's check digit is wrong"),
    ] {
        match f.store.record(admin(&assisted, Some(scan))) {
            Err(CoreError::InvalidInput { reason, .. }) => assert_eq!(reason, why, "{scan}"),
            other => panic!("{scan}: expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(footprint(&f), before);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    f.store.record(admin(&nurse_only, None)).unwrap();
}

#[test]
fn invalid_input_is_refused_and_writes_nothing() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let before = footprint(&f);
    // Bad INS key.
    let m = matricule_with_key(2_360_569_123_045).unwrap();
    let bad_key = format!("{}{:02}", &m.as_str()[..13], (m.as_str()[13..].parse::<u32>().unwrap() + 1) % 100);
    assert!(matches!(Matricule::parse(&bad_key), Err(chevet_core::domain::error::DomainError::InvalidIns(_))));
    let mut bad = resident(d.units[0].id, "Perrin", "Odile", "12", None);
    bad.identity.status = IdentityStatus::Qualified; // QUAL without a matricule
    assert!(matches!(f.store.create_resident(&bad), Err(CoreError::InvalidIns(_))));
    // 37.5 typed 375.
    match f.store.record(temperature(r.id, 375.0, monday_10h())) {
        Err(CoreError::ImplausibleValue { code, .. }) => assert_eq!(code, "8310-5"),
        other => panic!("expected ImplausibleValue, got {other:?}"),
    }
    // Unknown resident, future time, empty transmission.
    assert!(matches!(f.store.record(temperature(Uuid::now_v7(), 37.0, monday_10h())), Err(CoreError::NotFound { .. })));
    let future = Timestamp::from_second(monday_10h().as_second() + 3600).unwrap();
    assert!(matches!(f.store.record(temperature(r.id, 37.0, future)), Err(CoreError::InvalidInput { .. })));
    let empty = Fact::Transmission(Transmission {
        id: Uuid::now_v7(),
        resident_id: r.id,
        target: "Douleur".into(),
        data: " ".into(),
        actions: String::new(),
        results: String::new(),
        audience: vec![],
        meta: RecordMeta::at(monday_10h()),
    });
    assert!(matches!(f.store.record(empty), Err(CoreError::InvalidInput { .. })));
    // A batch with one bad fact writes none of them.
    let batch = vec![temperature(r.id, 37.0, monday_10h()), temperature(r.id, 12.0, monday_10h())];
    assert!(f.store.record_batch(batch).is_err());
    assert_eq!(footprint(&f), before);
}

#[test]
fn round_view_orders_by_room_then_time_with_statuses() {
    let (f, d) = seeded(0, 0);
    let unit = d.units[0].id;
    let a = resident(unit, "Lefèvre", "Hélène", "12", None);
    let b = resident(unit, "Arnaud", "Paul", "3", None);
    f.store.create_resident(&a).unwrap();
    f.store.create_resident(&b).unwrap();
    let toilette = act(a.id, ActKind::Hygiene, "Toilette", &[8]);
    let change = act(a.id, ActKind::Continence, "Change", &[7, 10, 12]);
    let meal = act(b.id, ActKind::MealAssistance, "Aide au repas", &[12]);
    for p in [&toilette, &change, &meal] {
        f.store.create_planned_act(p).unwrap();
    }
    f.store.record(done(a.id, &change, paris(7, 0), paris(7, 10))).unwrap();
    f.store.record(temperature(a.id, 37.9, paris(9, 0))).unwrap();
    f.store.record(temperature(a.id, 38.4, paris(9, 30))).unwrap();

    let view = f.store.round_view(unit, paris(7, 0), paris(13, 0)).unwrap();
    let rooms: Vec<&str> = view.residents.iter().map(|r| r.room.as_str()).collect();
    assert_eq!(rooms, ["3", "12"]);
    let items: Vec<(String, RoundStatus)> =
        view.residents[1].items.iter().map(|i| (i.label.clone(), i.status)).collect();
    assert_eq!(
        items,
        [
            ("Change".into(), RoundStatus::Done),
            ("Toilette".into(), RoundStatus::Late), // 2 h overdue at 10:00
            ("Change".into(), RoundStatus::Due),
            ("Change".into(), RoundStatus::Due),
        ]
    );
    let temp = view.residents[1].latest_vitals.iter().find(|v| v.code == VitalCode::Temperature).unwrap();
    assert_eq!(temp.value, ObservationValue::Quantity(38.4));
    assert!(view.unreadable.is_empty());

    // Three hours later nobody has recorded the toilette (« non tracé »),
    // and a correction of the 07:00 change puts it back to that too.
    f.clock.set(paris(13, 0));
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let first = view.residents[1].items[0].record_id.unwrap();
    f.store
        .record(Fact::Correction(Correction {
            id: Uuid::now_v7(),
            resident_id: a.id,
            target_id: first,
            reason: "Saisi sur le mauvais résident".into(),
            meta: RecordMeta::at(paris(13, 0)),
        }))
        .unwrap();
    let view = f.store.round_view(unit, paris(7, 0), paris(13, 0)).unwrap();
    let statuses: Vec<RoundStatus> = view.residents[1].items.iter().map(|i| i.status).collect();
    // 12:00 is exactly an hour overdue at 13:00: late.
    assert_eq!(statuses, [RoundStatus::Unrecorded, RoundStatus::Unrecorded, RoundStatus::Late, RoundStatus::Late]);
    let (_, voided) = f.store.fact(first).unwrap();
    assert!(voided);
    // A fact is corrected once.
    let again = Fact::Correction(Correction {
        id: Uuid::now_v7(),
        resident_id: a.id,
        target_id: first,
        reason: "doublon".into(),
        meta: RecordMeta::at(paris(13, 0)),
    });
    assert!(matches!(f.store.record(again), Err(CoreError::AlreadyCorrected { .. })));
}

#[test]
fn what_nobody_recorded_stays_on_the_round_after_its_window_until_answered_or_closed() {
    let (f, d) = seeded(0, 0);
    let unit = d.units[0].id;
    let r = resident(unit, "Lefèvre", "Hélène", "12", None);
    f.store.create_resident(&r).unwrap();
    let today = date(2026, 11, 23);
    let dose = medication(r.id, false);
    let mut toilette = act(r.id, ActKind::Hygiene, "Toilette", &[8]);
    toilette.schedule.start = today.checked_sub(jiff::Span::new().days(7)).unwrap();
    let change = act(r.id, ActKind::Continence, "Change", &[7]);
    // Due at 13:00: an hour late at 14:01, not « non tracé ».
    let lunch = act(r.id, ActKind::MealAssistance, "Aide au repas", &[13]);
    for p in [&dose, &toilette, &change, &lunch] {
        f.store.create_planned_act(p).unwrap();
    }
    f.store.record(done(r.id, &change, paris(7, 0), paris(7, 5))).unwrap();

    // 14:01: the round's window opens at 08:01. The 08:00 dose and toilette
    // are one minute out of it, unanswered: still on the round, « non tracé ».
    f.clock.set(paris(14, 1));
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let (from, to) = (paris(8, 1), paris(16, 1));
    let card = f.store.round_view_resident(unit, r.id, from, to).unwrap().unwrap();
    let unrecorded: Vec<(&str, Timestamp)> = card
        .items
        .iter()
        .filter(|i| i.status == RoundStatus::Unrecorded)
        .map(|i| (i.label.as_str(), i.due_at))
        .collect();
    // The toilette began a week ago: its seven days nobody recorded are
    // listed, and the one of eight days ago (before the week) is not.
    let day = |n: i64| paris(8, 0).checked_sub(jiff::SignedDuration::from_hours(24 * n)).unwrap();
    let mut expected = vec![("Furosémide 40 mg", paris(8, 0)), ("Toilette", paris(8, 0))];
    expected.extend((1..=6).map(|n| ("Toilette", day(n))));
    let mut got = unrecorded.clone();
    got.sort_by_key(|(l, t)| (std::cmp::Reverse(*t), *l));
    expected.sort_by_key(|(l, t)| (std::cmp::Reverse(*t), *l));
    assert_eq!(got, expected);
    assert!(card.items.iter().all(|i| i.label != "Change"), "the 07:00 change was answered, out of the window");
    assert_eq!(chevet_core::views::UNRECORDED_LOOKBACK_DAYS, 7);

    // The care aide signed in may record it late, but not close it: closing
    // is a nurse's decision, refused on the tablet and (same rule) the hub.
    let aide_view = f.store.round_view_resident(unit, r.id, from, to).unwrap().unwrap();
    assert!(aide_view.items.iter().filter(|i| i.status == RoundStatus::Unrecorded).all(|i| !i.may_close));
    let cancel = |at| {
        Fact::Act(ActRecord::new(
            r.id,
            Some(toilette.id),
            Some(at),
            ActOutcome::NotDone(NotDoneReason::Cancelled),
            None,
            paris(14, 1),
        ))
    };
    let before = footprint(&f);
    assert!(matches!(f.store.record(cancel(day(1))), Err(CoreError::PermissionDenied { .. })));
    let mut elsewhere = done(r.id, &toilette, day(2), paris(14, 1));
    if let Fact::Act(a) = &mut elsewhere {
        a.recorded_elsewhere = true;
    }
    assert!(matches!(f.store.record(elsewhere.clone()), Err(CoreError::PermissionDenied { .. })));
    assert_eq!(footprint(&f), before, "a refused closing writes nothing");

    // Recorded late by the aide (what she did at 08:00), it leaves the list.
    f.store.record(done(r.id, &toilette, paris(8, 0), paris(14, 1))).unwrap();
    // The nurse closes two: one cancelled, one done on paper.
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let nurse_view = f.store.round_view_resident(unit, r.id, from, to).unwrap().unwrap();
    assert!(nurse_view.items.iter().filter(|i| i.status == RoundStatus::Unrecorded).all(|i| i.may_close));
    let late = nurse_view.items.iter().find(|i| i.label == "Aide au repas").unwrap();
    assert_eq!(late.status, RoundStatus::Late);
    assert!(!late.may_close, "only what nobody recorded is closed; a late act keeps « Non fait » and its reasons");
    use chevet_core::views::Closing;
    f.store.record(cancel(day(1))).unwrap();
    f.store.record(elsewhere).unwrap();
    let given = f.store.close_unrecorded(r.id, dose.id, paris(8, 0), Closing::RecordedElsewhere, paris(14, 2)).unwrap();
    assert_eq!(given.summary_fr(), "Médicament donné hors tablette");
    let cancelled = f.store.close_unrecorded(r.id, toilette.id, day(3), Closing::Cancelled, paris(14, 2)).unwrap();
    assert_eq!(cancelled.summary_fr(), "Soin non fait (annulé)");
    let card = f.store.round_view_resident(unit, r.id, from, to).unwrap().unwrap();
    let left = card.items.iter().filter(|i| i.status == RoundStatus::Unrecorded).count();
    assert_eq!(left, 3, "eight less the five answered");
    // The aide cannot close through the closing path either.
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let before = footprint(&f);
    assert!(matches!(
        f.store.close_unrecorded(r.id, toilette.id, day(4), Closing::Cancelled, paris(14, 3)),
        Err(CoreError::PermissionDenied { .. })
    ));
    assert_eq!(footprint(&f), before);
    // A « done elsewhere » that is not done is nonsense, refused as such.
    let mut odd =
        Fact::Act(ActRecord::new(r.id, Some(toilette.id), Some(day(3)), ActOutcome::Refused, None, paris(14, 1)));
    if let Fact::Act(a) = &mut odd {
        a.recorded_elsewhere = true;
    }
    assert!(matches!(f.store.record(odd), Err(CoreError::InvalidInput { field: "act.recorded_elsewhere", .. })));
}

#[test]
fn correcting_someone_elses_record_needs_the_permission() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let fact = f.store.record(temperature(r.id, 37.0, monday_10h())).unwrap(); // by the nurse
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let correction = |target| {
        Fact::Correction(Correction {
            id: Uuid::now_v7(),
            resident_id: r.id,
            target_id: target,
            reason: "erreur".into(),
            meta: RecordMeta::at(monday_10h()),
        })
    };
    assert!(matches!(f.store.record(correction(fact.id())), Err(CoreError::PermissionDenied { .. })));
    let own = f.store.record(temperature(r.id, 37.1, monday_10h())).unwrap();
    f.store.record(correction(own.id())).unwrap();
    f.store.sign_in(d.manager.id, DEMO_PIN).unwrap();
    f.store.record(correction(fact.id())).unwrap();
}

#[test]
fn search_by_name_prefix_without_accents_and_by_ins() {
    let (f, d) = seeded(0, 0);
    let unit = d.units[0].id;
    let m = matricule_with_key(2_360_569_123_045).unwrap();
    let a = resident(unit, "Lefèvre", "Hélène", "12", Some(m.clone()));
    let b = resident(unit, "Lefort", "Jacques", "14", None);
    f.store.provision_resident(&a).unwrap(); // qualified: comes from the hub
    f.store.create_resident(&b).unwrap();
    let names =
        |q: &str| -> Vec<String> { f.store.search_residents(q).unwrap().into_iter().map(|s| s.display_name).collect() };
    assert_eq!(names("lef"), ["LEFÈVRE Hélène", "LEFORT Jacques"]);
    assert_eq!(names("LEFEV"), ["LEFÈVRE Hélène"]);
    assert_eq!(names("helene lef"), ["LEFÈVRE Hélène"]);
    assert!(names("lefa").is_empty());
    assert_eq!(names("lefevre lefevre"), ["LEFÈVRE Hélène"], "a repeated word still finds");
    let long = resident(unit, "Schwarzenberger", "Odile", "16", None);
    f.store.create_resident(&long).unwrap();
    for q in ["schwarzenbe", "schwarzenberg", "Schwarzenberger odi"] {
        assert_eq!(names(q), ["SCHWARZENBERGER Odile"], "{q}");
    }
    assert!(names("schwarzenbergez").is_empty(), "the record confirms past the indexed prefix");
    assert!(names("le").is_empty());
    let spaced = format!("{} {}", &m.as_str()[..7], &m.as_str()[7..]);
    let by_ins = f.store.search_residents(&spaced).unwrap();
    assert_eq!(by_ins.len(), 1);
    assert_eq!(by_ins[0].id, a.id);
}

#[test]
fn qualified_identity_traits_are_read_only_and_updates_check_versions() {
    let (f, d) = seeded(0, 0);
    let m = matricule_with_key(2_360_569_123_045).unwrap();
    let a = resident(d.units[0].id, "Lefèvre", "Hélène", "12", Some(m));
    // A device may not admit a qualified identity itself (only INSi, through
    // the hub, qualifies one): refused, nothing written.
    let before = footprint(&f);
    assert!(matches!(f.store.create_resident(&a), Err(CoreError::IdentityStatusFromInsi { .. })));
    assert_eq!(footprint(&f), before);
    f.store.provision_resident(&a).unwrap();
    let mut id = a.identity.clone();
    id.traits.birth_name = "Lefebvre".into();
    let before = footprint(&f);
    let changes = ResidentChanges { identity: Some(id), ..Default::default() };
    assert!(matches!(f.store.update_resident(a.id, 1, &changes), Err(CoreError::IdentityLocked { .. })));
    assert_eq!(footprint(&f), before);
    // The used name may change; the room too.
    let mut used = a.identity.clone();
    used.used_name = Some("Martin".into());
    let ok = ResidentChanges { identity: Some(used), room: Some("14".into()), ..Default::default() };
    let next = f.store.update_resident(a.id, 1, &ok).unwrap();
    assert_eq!(next.room, "14");
    assert!(matches!(
        f.store.update_resident(a.id, 1, &ResidentChanges { room: Some("15".into()), ..Default::default() }),
        Err(CoreError::VersionConflict { expected: 1, found: 2, .. })
    ));
    // The change goes out as the whole new state, on the hub's version.
    let ops = f.store.pending_operations(100).unwrap();
    let update = ops.iter().rfind(|o| o.entity == "resident" && o.entity_id == a.id).unwrap();
    assert_eq!(update.base_version, Some(1));
    assert_eq!(update.payload["op"], "replace");
    assert_eq!(update.payload["value"]["room"], "14");
}

#[test]
fn outbox_is_gap_free_ordered_and_carries_each_write() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let start = f.store.pending_operations(10_000).unwrap();
    let a = f.store.record(temperature(r.id, 37.0, monday_10h())).unwrap();
    assert!(f.store.record(temperature(r.id, 99.0, monday_10h())).is_err());
    let earlier = Timestamp::from_second(monday_10h().as_second() - 3600).unwrap();
    f.clock.set(earlier); // the wall clock steps back an hour
    let b = f.store.record(temperature(r.id, 37.4, earlier)).unwrap();
    let ops = f.store.pending_operations(10_000).unwrap();
    assert_eq!(ops.len(), start.len() + 2);
    for (i, op) in ops.iter().enumerate() {
        assert_eq!(op.device_seq, i as i64 + 1, "device_seq has a gap");
        if i > 0 {
            assert!(op.hlc > ops[i - 1].hlc, "HLC went backwards");
        }
    }
    let tail = &ops[ops.len() - 2..];
    assert_eq!(tail[0].entity_id, a.id());
    assert_eq!(tail[1].entity_id, b.id());
    let sent: Fact = serde_json::from_value(tail[1].payload.clone()).unwrap();
    assert_eq!(sent, b);
    assert_eq!(tail[1].clinical_time, earlier);
    let mut ids: Vec<Uuid> = ops.iter().map(|o| o.op_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), ops.len());
}

#[test]
fn audit_chain_verifies_and_detects_edits_and_truncation() {
    let (f, d) = seeded(1, 1);
    let r = &d.residents[0];
    f.store.open_resident_file(r.id, 20).unwrap();
    let n = f.store.verify_audit().unwrap();
    assert!(n > 10);
    let last = &f.store.audit_entries(1).unwrap()[0];
    assert_eq!(last.action, "open_file");
    assert_eq!(last.entity_id, r.id);
    assert_eq!(last.actor, Some(d.nurse.id));
    // What an entry says is sealed: another connection can only move an
    // entry's envelope onto another row, or change its MAC; the chain breaks there.
    let raw = rusqlite::Connection::open(f.path()).unwrap();
    raw.execute("UPDATE audit SET envelope = (SELECT envelope FROM audit WHERE seq = 4) WHERE seq = 5", []).unwrap();
    assert!(matches!(f.store.verify_audit(), Err(CoreError::AuditChainBroken { seq: 5 })));
    let (e, _) = seeded(1, 1);
    let raw = rusqlite::Connection::open(e.path()).unwrap();
    raw.execute("UPDATE audit SET mac = zeroblob(32) WHERE seq = 3", []).unwrap();
    assert!(matches!(e.store.verify_audit(), Err(CoreError::AuditChainBroken { seq: 3 })));

    // On an intact store, removing the newest entry is caught by the head.
    let (g, _) = seeded(1, 1);
    g.store.verify_audit().unwrap();
    let raw = rusqlite::Connection::open(g.path()).unwrap();
    raw.execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)", []).unwrap();
    assert!(matches!(g.store.verify_audit(), Err(CoreError::AuditChainBroken { .. })));

    // A careful thief removes the newest entries (who opened which file)
    // and rewrites the head to the new last entry: the head's seal shows it.
    let (h, d) = seeded(1, 1);
    h.store.open_resident_file(d.residents[0].id, 5).unwrap();
    let n = h.store.verify_audit().unwrap() as i64;
    let raw = rusqlite::Connection::open(h.path()).unwrap();
    raw.execute("DELETE FROM audit WHERE seq > ?1", [n - 3]).unwrap();
    raw.execute(
        "UPDATE device_state SET audit_seq = ?1, audit_head = (SELECT mac FROM audit WHERE seq = ?1) WHERE id = 1",
        [n - 3],
    )
    .unwrap();
    assert!(matches!(h.store.verify_audit(), Err(CoreError::AuditChainBroken { .. })));
    // Dropping the seal does not help, nor does it after a restart.
    raw.execute("UPDATE device_state SET audit_seal = NULL WHERE id = 1", []).unwrap();
    let h = h.reopen();
    assert!(matches!(h.store.verify_audit(), Err(CoreError::AuditChainBroken { .. })));
    // Nor does sending the store back through the upgrade that seals it.
    drop(raw);
    let raw = rusqlite::Connection::open(h.path()).unwrap();
    raw.pragma_update(None, "user_version", 2).unwrap();
    drop(raw);
    let path = h.path();
    let Fixture { dir: _dir, clock, store } = h;
    drop(store);
    assert!(chevet_core::Store::open(&path, &vault(), options(&clock)).is_err());
}

#[test]
fn timeline_shows_every_transmission_whoever_it_is_addressed_to() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let note = |audience: Vec<Role>| {
        Fact::Transmission(Transmission {
            id: Uuid::now_v7(),
            resident_id: r.id,
            target: "Douleur".into(),
            data: "Grimace à la mobilisation".into(),
            actions: "Antalgique selon prescription".into(),
            results: "Apaisée à 11 h".into(),
            audience,
            meta: RecordMeta::at(monday_10h()),
        })
    };
    let for_nurses = f.store.record(note(vec![Role::Nurse, Role::CoordinatingPhysician])).unwrap();
    let for_all = f.store.record(note(vec![])).unwrap();
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let ids: Vec<Uuid> = f
        .store
        .timeline(r.id, None, 100)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            TimelineEntry::Fact { fact, .. } => Some(fact.id()),
            TimelineEntry::Unreadable(_) => None,
        })
        .collect();
    // The whole team reads every transmission: the care aide sees the nurses' too.
    assert!(ids.contains(&for_all.id()));
    assert!(ids.contains(&for_nurses.id()));
    let file = f.store.open_resident_file(r.id, 100).unwrap();
    assert_eq!(file.resident.id, r.id);
    assert!(!file.care_plan.is_empty());
}

#[test]
fn wounds_and_assessments_and_visit_stamps() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: r.id,
        kind: WoundKind::PressureInjury,
        site: "sacrum".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: date(2026, 11, 2),
        healed_on: None,
    };
    assert_eq!(f.store.save_wound(&wound, None).unwrap(), 1);
    let assessment = Fact::WoundAssessment(WoundAssessment {
        id: Uuid::now_v7(),
        wound_id: wound.id,
        resident_id: r.id,
        length_cm: 3.2,
        width_cm: 2.1,
        depth_cm: None,
        exudate: Exudate::Light,
        tissue: TissueType::Granulation,
        stage: Some(NpiapStage::Stage2),
        comment: None,
        meta: RecordMeta::at(monday_10h()),
    });
    f.store.record(assessment).unwrap();
    let healed = Wound { healed_on: Some(date(2026, 11, 23)), ..wound.clone() };
    assert!(matches!(f.store.save_wound(&healed, Some(7)), Err(CoreError::VersionConflict { .. })));
    assert_eq!(f.store.save_wound(&healed, Some(1)).unwrap(), 2);
    assert_eq!(f.store.wounds(r.id).unwrap()[0].0.healed_on, Some(date(2026, 11, 23)));

    f.store.register_home_tag(r.id, StampMethod::Nfc, "04:A2:19:7B").unwrap();
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let stamp = |method, tag: Option<&str>| {
        Fact::VisitStamp(VisitStamp {
            id: Uuid::now_v7(),
            resident_id: r.id,
            route_id: None,
            event: VisitEvent::Start,
            method,
            tag: tag.map(str::to_owned),
            meta: RecordMeta::at(monday_10h()),
        })
    };
    f.store.record(stamp(StampMethod::Nfc, Some("04:A2:19:7B"))).unwrap();
    assert!(f.store.record(stamp(StampMethod::QrCode, None)).is_err());
    // An AS does not assess wounds.
    let by_aide = Fact::WoundAssessment(WoundAssessment {
        id: Uuid::now_v7(),
        wound_id: wound.id,
        resident_id: r.id,
        length_cm: 3.0,
        width_cm: 2.0,
        depth_cm: None,
        exudate: Exudate::None,
        tissue: TissueType::Epithelial,
        stage: None,
        comment: None,
        meta: RecordMeta::at(monday_10h()),
    });
    assert!(matches!(f.store.record(by_aide), Err(CoreError::PermissionDenied { .. })));
}

#[test]
fn ssiad_round_shows_visits_in_order_with_their_stamps() {
    let (f, d) = seeded(3, 0);
    let unit = d.units[0].id;
    let residents: Vec<Uuid> = d.residents.iter().filter(|r| r.unit_id == unit).map(|r| r.id).collect();
    let round = Route {
        id: Uuid::now_v7(),
        unit_id: unit,
        date: date(2026, 11, 23),
        staff_id: d.care_aide.id,
        label: "Tournée du matin – secteur Nord".into(),
        stops: vec![
            PlannedStop { resident_id: residents[2], planned_at: Some(time(8, 0, 0, 0)) },
            PlannedStop { resident_id: residents[0], planned_at: Some(time(8, 45, 0, 0)) },
            PlannedStop { resident_id: residents[1], planned_at: None },
        ],
    };
    assert_eq!(f.store.save_route(&round, None).unwrap(), 1);
    let twice = Route { stops: vec![round.stops[0].clone(), round.stops[0].clone()], ..round.clone() };
    assert!(f.store.save_route(&twice, Some(1)).is_err());
    let nowhere = Route { id: Uuid::now_v7(), unit_id: Uuid::now_v7(), ..round.clone() };
    assert!(matches!(f.store.save_route(&nowhere, None), Err(CoreError::NotFound { kind: "unit", .. })));

    // The stickers at these homes, registered by the nurse (visits by tag must read them).
    for r in [residents[2], residents[0]] {
        f.store.register_home_tag(r, StampMethod::QrCode, &format!("SSIAD-NORD-{r}")).unwrap();
    }
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let stamp = |resident_id, event, at| {
        Fact::VisitStamp(VisitStamp {
            id: Uuid::now_v7(),
            resident_id,
            route_id: Some(round.id),
            event,
            method: StampMethod::QrCode,
            tag: Some(format!("SSIAD-NORD-{resident_id}")),
            meta: RecordMeta::at(at),
        })
    };
    f.store.record(stamp(residents[2], VisitEvent::Start, paris(8, 2))).unwrap();
    f.store.record(stamp(residents[2], VisitEvent::Stop, paris(8, 31))).unwrap();
    f.store.record(stamp(residents[0], VisitEvent::Start, paris(8, 50))).unwrap();

    let route = f.store.route(round.id).unwrap();
    let order: Vec<Uuid> = route.stops.iter().map(|s| s.resident.id).collect();
    assert_eq!(order, [residents[2], residents[0], residents[1]]);
    assert_eq!((route.stops[0].started, route.stops[0].ended), (Some(paris(8, 2)), Some(paris(8, 31))));
    assert_eq!((route.stops[1].started, route.stops[1].ended), (Some(paris(8, 50)), None));
    assert_eq!((route.stops[2].started, route.stops[2].ended), (None, None));
    assert_eq!(f.store.routes(unit, date(2026, 11, 23)).unwrap().len(), 1);
    assert!(f.store.routes(unit, date(2026, 11, 24)).unwrap().is_empty());
}

#[test]
fn the_round_shows_who_stands_out_and_why() {
    let (f, d) = seeded(0, 0);
    let unit = d.units[0].id;
    let a = resident(unit, "Lefèvre", "Hélène", "12", None); // born 1936
    let b = resident(unit, "Arnaud", "Paul", "3", None);
    f.store.create_resident(&a).unwrap();
    f.store.create_resident(&b).unwrap();
    let obs = |who: Uuid, code, value, at| {
        Fact::Observation(Observation {
            id: Uuid::now_v7(),
            resident_id: who,
            code,
            value,
            method: None,
            meta: RecordMeta::at(at),
        })
    };
    let days_ago = |n: i64| Timestamp::from_second(monday_10h().as_second() - n * 86_400).unwrap();
    f.store
        .record_batch(vec![
            obs(a.id, VitalCode::Temperature, ObservationValue::Quantity(38.4), paris(9, 0)),
            obs(a.id, VitalCode::Height, ObservationValue::Quantity(160.0), days_ago(200)),
            obs(a.id, VitalCode::Weight, ObservationValue::Quantity(60.0), days_ago(31)),
            obs(a.id, VitalCode::Weight, ObservationValue::Quantity(56.0), days_ago(1)),
            obs(b.id, VitalCode::Temperature, ObservationValue::Quantity(37.0), paris(9, 0)),
            obs(b.id, VitalCode::Weight, ObservationValue::Quantity(70.0), days_ago(31)),
            obs(b.id, VitalCode::Weight, ObservationValue::Quantity(69.5), days_ago(1)),
        ])
        .unwrap();
    let view = f.store.round_view(unit, paris(7, 0), paris(13, 0)).unwrap();
    let whys = |i: usize| -> Vec<String> { view.residents[i].alerts.iter().map(|a| a.why.clone()).collect() };
    assert!(whys(0).is_empty(), "Paul Arnaud is fine: {:?}", whys(0));
    assert_eq!(
        whys(1),
        [
            "Température 38,4 °C (au-dessus de 38)",
            "Dénutrition modérée à confirmer : perte de 6,7 % en 1 mois, IMC 21,9"
        ]
    );

    // The establishment's medical team sets its own fever threshold.
    let mut est = d.establishment.clone();
    let mut settings = chevet_core::clinical::alerts::AlertSettings::default();
    settings.vital_ranges.retain(|r| r.code != VitalCode::Temperature);
    est.alert_settings = Some(settings);
    f.store.provision_establishment(&est).unwrap();
    let view = f.store.round_view(unit, paris(7, 0), paris(13, 0)).unwrap();
    assert_eq!(view.residents[1].alerts.len(), 1);
    // The resident's file shows the same alerts.
    let file = f.store.open_resident_file(a.id, 10).unwrap();
    assert_eq!(file.alerts, view.residents[1].alerts);
    assert!(file.latest_vitals.iter().any(|v| v.code == VitalCode::Weight));

    // A complete NEWS2 set for Paul Arnaud: breathless, on 2 L/min, newly confused.
    f.store
        .record_batch(vec![
            obs(b.id, VitalCode::RespiratoryRate, ObservationValue::Quantity(23.0), paris(9, 30)),
            obs(b.id, VitalCode::OxygenSaturation, ObservationValue::Quantity(94.0), paris(9, 30)),
            obs(b.id, VitalCode::OxygenFlow, ObservationValue::Quantity(2.0), paris(9, 30)),
            obs(
                b.id,
                VitalCode::BloodPressure,
                ObservationValue::BloodPressure { systolic: 118.0, diastolic: 70.0 },
                paris(9, 30),
            ),
            obs(b.id, VitalCode::HeartRate, ObservationValue::Quantity(92.0), paris(9, 30)),
            obs(b.id, VitalCode::Consciousness, ObservationValue::Consciousness(Acvpu::NewConfusion), paris(9, 30)),
        ])
        .unwrap();
    let view = f.store.round_view(unit, paris(7, 0), paris(13, 0)).unwrap();
    let whys: Vec<String> = view.residents[0].alerts.iter().map(|a| a.why.clone()).collect();
    // RR 23 = 2, SpO2 94 = 1, oxygen = 2, pulse 92 = 1, confusion = 3, 37 °C = 0: 9.
    assert_eq!(
        whys,
        [
            "Conscience : confusion nouvelle",
            "NEWS2 9 (risque élevé, avis en urgence) : FR +2, SpO2 +1, O2 +2, pouls +1, conscience +3"
        ]
    );
    // The unit's alerts alone, for the "who needs someone now" list.
    let unit_alerts = f.store.unit_alerts(unit).unwrap();
    assert_eq!(unit_alerts.len(), 2);
    assert!(unit_alerts.iter().any(|(id, alerts)| *id == b.id && alerts.len() == 2));

    // Pain scales for a resident who cannot say it: the latest Algoplus counts.
    use chevet_core::clinical::scales::ScaleAnswers;
    let scale = |answers, at| {
        Fact::ScaleAssessment(ScaleAssessment {
            id: Uuid::now_v7(),
            resident_id: a.id,
            answers,
            meta: RecordMeta::at(at),
        })
    };
    f.store.record(scale(ScaleAnswers::Algoplus([false, false, false, false, true]), paris(8, 0))).unwrap();
    f.store.record(scale(ScaleAnswers::Algoplus([true, true, false, true, false]), paris(9, 45))).unwrap();
    let before = f.store.unit_alerts(unit).unwrap();
    let a_alerts = &before.iter().find(|(id, _)| *id == a.id).unwrap().1;
    assert!(a_alerts.iter().any(|al| al.why == "Algoplus 3/5 : douleur probable"), "{a_alerts:?}");
    // An answer out of its item's range is refused, naming the item; nothing stored.
    let facts = count(&f.path(), "facts");
    assert!(matches!(
        f.store.record(scale(ScaleAnswers::Doloplus([0, 0, 0, 0, 0, 0, 5, 0, 0, 0]), paris(9, 50))),
        Err(CoreError::InvalidInput { field: "doloplus.mobility", .. })
    ));
    assert_eq!(count(&f.path(), "facts"), facts);
}

/// The PIN cannot be guessed through change_pin either, and a thief who
/// copies an old PIN verifier back over the new one gains nothing: it is
/// sealed under the staff member's PIN version, which moved on.
#[test]
fn change_pin_counts_wrong_pins_and_an_old_verifier_copied_back_does_not_open() {
    let (f, d) = seeded(1, 0);
    let nurse = d.nurse.id;
    f.store.sign_in(nurse, DEMO_PIN).unwrap();
    let raw = |sql: &str| {
        let c = rusqlite::Connection::open(f.path()).unwrap();
        c.query_row(sql, [nurse], |r| r.get::<_, Option<Vec<u8>>>(0)).unwrap()
    };
    let old_verifier = raw("SELECT pin_verifier FROM staff WHERE id = ?1").unwrap();
    for i in 1..MAX_PIN_ATTEMPTS {
        match f.store.change_pin("9999", "4826") {
            Err(CoreError::WrongPin { attempts_left, .. }) => assert_eq!(attempts_left, MAX_PIN_ATTEMPTS - i),
            other => panic!("expected WrongPin, got {other:?}"),
        }
    }
    assert!(matches!(f.store.change_pin("9999", "4826"), Err(CoreError::LockedOut { .. })));
    assert!(matches!(f.store.record(temperature(d.residents[0].id, 37.0, monday_10h())), Err(CoreError::NoSession)));
    f.clock.advance_secs(15 * 60 + 1);
    f.store.sign_in(nurse, DEMO_PIN).unwrap();
    f.store.change_pin(DEMO_PIN, "4826").unwrap();
    f.store.lock();

    // The old verifier put back with a raw connection: refused as corrupt,
    // not accepted with the old PIN.
    let c = rusqlite::Connection::open(f.path()).unwrap();
    c.execute("UPDATE staff SET pin_verifier = ?2 WHERE id = ?1", rusqlite::params![nurse, old_verifier]).unwrap();
    drop(c);
    let f = f.reopen();
    let err = f.store.sign_in(nurse, DEMO_PIN).unwrap_err();
    assert!(matches!(err, CoreError::MisplacedRecord { table: "staff_pin", .. }), "{err:?}");
    assert!(f.store.sign_in(nurse, "4826").is_err(), "the verifier is not the new one either");
}

/// A store an earlier build wrote (schema v2) opens, is upgraded in place,
/// and its audit chain verifies with the head sealed during the upgrade.
/// Puts a store's facts and journal back in the clear columns of schema
/// v5 (what a v5 build wrote), reading them through the store.
fn back_to_v5_layout(store: &chevet_core::Store, raw: &rusqlite::Connection) {
    let entries = store.audit_entries(100_000).unwrap();
    let chain: Vec<(i64, Vec<u8>, Vec<u8>)> = raw
        .prepare("SELECT seq, prev, mac FROM audit ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    raw.execute_batch(
        "DROP TABLE audit;
         CREATE TABLE audit (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor BLOB, device BLOB NOT NULL,
             action TEXT NOT NULL, entity TEXT NOT NULL, entity_id BLOB NOT NULL, prev BLOB NOT NULL, mac BLOB NOT NULL) STRICT;",
    )
    .unwrap();
    for (seq, prev, mac) in chain {
        let e = entries.iter().find(|e| e.seq == seq).unwrap();
        raw.execute(
            "INSERT INTO audit VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            rusqlite::params![
                seq,
                e.at.as_millisecond(),
                e.actor,
                e.device,
                e.action,
                e.entity,
                e.entity_id,
                prev,
                mac
            ],
        )
        .unwrap();
    }
    let ids: Vec<Uuid> =
        raw.prepare("SELECT id FROM facts").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    raw.execute_batch("ALTER TABLE facts ADD COLUMN kind TEXT NOT NULL DEFAULT '';").unwrap();
    for id in ids {
        let kind = store.fact(id).unwrap().0.kind();
        raw.execute("UPDATE facts SET kind = ?1 WHERE id = ?2", rusqlite::params![kind.as_str(), id]).unwrap();
    }
    raw.execute_batch("ALTER TABLE facts DROP COLUMN kind_tag; PRAGMA user_version = 5;").unwrap();
}

/// A v5 store kept fact kinds and journal entries in clear columns: opened
/// by this build, they are sealed in one go, the clear columns are gone
/// from the file, and everything reads as before.
#[test]
fn a_version_5_store_seals_its_fact_kinds_and_journal() {
    let (f, d) = seeded(1, 1);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    f.store.open_resident_file(d.residents[0].id, 1).unwrap();
    let n = f.store.verify_audit().unwrap();
    let now = f.store.now();
    let day_before = now - jiff::SignedDuration::from_hours(24);
    let handover_before = f.store.handover(d.residents[0].unit_id, day_before, now).unwrap();
    assert!(!handover_before.residents.is_empty(), "a handover with something in it");
    let raw = rusqlite::Connection::open(f.path()).unwrap();
    back_to_v5_layout(&f.store, &raw);
    drop(raw);
    let on_disk = |path: &std::path::Path| {
        let mut bytes = std::fs::read(path).unwrap();
        bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
        bytes
    };
    assert!(on_disk(&f.path()).windows(9).any(|w| w == b"open_file"), "the v5 layout is in clear");
    let f = f.reopen();
    assert_eq!(f.store.verify_audit().unwrap(), n);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let handover_after = f.store.handover(d.residents[0].unit_id, day_before, now).unwrap();
    assert_eq!(handover_after, handover_before, "the kinds are found by their tags");
    let (_dir, path) = f.close();
    let bytes = on_disk(&path);
    for word in [&b"open_file"[..], b"wound_assessment", b"administration", b"observation"] {
        assert!(!bytes.windows(word.len()).any(|w| w == word), "{} left in clear", String::from_utf8_lossy(word));
    }
}

#[test]
fn a_version_2_store_upgrades_and_its_audit_head_is_sealed() {
    let (f, d) = seeded(1, 1);
    let n = f.store.verify_audit().unwrap();
    let raw = rusqlite::Connection::open(f.path()).unwrap();
    back_to_v5_layout(&f.store, &raw);
    raw.execute_batch(
        "ALTER TABLE device_state DROP COLUMN audit_seal;
         ALTER TABLE staff DROP COLUMN pin_version;
         ALTER TABLE device_state DROP COLUMN audit_sent_seq;
         ALTER TABLE device_state DROP COLUMN audit_sent_link;
         ALTER TABLE device_state DROP COLUMN failed_pins;
         ALTER TABLE device_state DROP COLUMN pins_locked_until;
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(raw);
    let f = f.reopen();
    assert_eq!(f.store.verify_audit().unwrap(), n);
    assert_eq!(f.store.resident(d.residents[0].id).unwrap().0, d.residents[0]);
    // The PIN set before the upgrade still opens (verifiers were version 1).
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    f.store.open_resident_file(d.residents[0].id, 1).unwrap();
    assert_eq!(f.store.verify_audit().unwrap(), n + 2);
}

/// The journal leaves for the hub in order, each entry linked to the one
/// before by the public chain, from where the hub's acknowledgement left
/// off; an entry altered on disk before it was sent is reported.
#[test]
fn the_journal_goes_to_the_hub_linked_and_checked_on_the_way() {
    use chevet_protocol::audit::{link_hex, parse_link};
    let (f, d) = seeded(1, 1);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    f.store.open_resident_file(d.residents[0].id, 1).unwrap();
    let n = f.store.verify_audit().unwrap() as i64;
    let all = f.store.audit_to_send(500).unwrap().expect("entries to send").request;
    assert_eq!(all.altered_from, None);
    assert_eq!(all.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=n).collect::<Vec<_>>());
    let mut link = [0u8; 32];
    for e in &all.entries {
        link = e.expected_link(&link, f.store.device_id());
        assert_eq!(e.link, link_hex(&link));
    }
    assert_eq!(all.entries.last().unwrap().action, chevet_protocol::AuditAction::OpenFile);

    // A batch of three, acknowledged: the next starts at four, same links.
    let three = f.store.audit_to_send(3).unwrap().unwrap();
    assert_eq!(three.request.entries, all.entries[..3]);
    f.store.mark_audit_sent(3, &three.last_link, 3).unwrap();
    assert_eq!(f.store.audit_to_send(500).unwrap().unwrap().request.entries, all.entries[3..]);
    let last = parse_link(&all.entries.last().unwrap().link).unwrap();
    f.store.mark_audit_sent(n, &last, n).unwrap();
    assert_eq!(f.store.audit_to_send(500).unwrap(), None, "nothing new");
    // A hub holding less than was sent (restored from a backup) gets the rest again.
    f.store.mark_audit_sent(n, &last, 2).unwrap();
    assert_eq!(f.store.audit_to_send(500).unwrap().unwrap().request.entries, all.entries[2..]);
    f.store.mark_audit_sent(n, &last, n).unwrap();

    // Its MAC altered on disk before it was sent: reported, and still sent.
    f.store.open_resident_file(d.residents[0].id, 1).unwrap();
    let raw = rusqlite::Connection::open(f.path()).unwrap();
    raw.execute("UPDATE audit SET mac = zeroblob(32) WHERE seq = ?1", [n + 1]).unwrap();
    let batch = f.store.audit_to_send(500).unwrap().unwrap().request;
    assert_eq!((batch.altered_from, batch.entries.len()), (Some(n + 1), 1));
    // Another entry's envelope put in its place: reported, and not sent
    // (what it says cannot be read).
    f.store.open_resident_file(d.residents[0].id, 1).unwrap();
    raw.execute(
        "UPDATE audit SET envelope = (SELECT envelope FROM audit WHERE seq = ?1) WHERE seq = ?2",
        [n + 1, n + 2],
    )
    .unwrap();
    let batch = f.store.audit_to_send(500).unwrap().unwrap().request;
    assert_eq!((batch.altered_from, batch.entries.len()), (Some(n + 1), 1));
    // The newest entry cut and the head rewritten to the one before: reported.
    let (g, _) = seeded(1, 1);
    let m = g.store.verify_audit().unwrap() as i64;
    let raw = rusqlite::Connection::open(g.path()).unwrap();
    raw.execute("DELETE FROM audit WHERE seq = ?1", [m]).unwrap();
    raw.execute(
        "UPDATE device_state SET audit_seq = ?1, audit_head = (SELECT mac FROM audit WHERE seq = ?1) WHERE id = 1",
        [m - 1],
    )
    .unwrap();
    let batch = g.store.audit_to_send(500).unwrap().unwrap().request;
    assert_eq!((batch.altered_from, batch.entries.len() as i64), (Some(m), m - 1));
}

#[test]
fn a_bedside_vital_set_is_checked_scored_and_kept_whole_or_not_at_all() {
    use chevet_core::views::{VitalProblem, VitalSet};
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let mut set = VitalSet {
        temperature: Some(375.0),
        pulse: Some(112.0),
        respiratory_rate: Some(22.0),
        oxygen_saturation: Some(94.0),
        blood_pressure: Some((105.0, 60.0)),
        consciousness: Some(Acvpu::Alert),
        oxygen_flow: Some(0.0),
        ..VitalSet::default()
    };
    // The misplaced decimal point is named with its likely reading; no score yet.
    let preview = f.store.preview_vital_set(r.id, &set).unwrap();
    assert_eq!(preview.news2, None);
    match preview.problems.as_slice() {
        [p @ VitalProblem::Implausible { code: VitalCode::Temperature, likely: Some(l), .. }] => {
            assert_eq!(*l, 37.5);
            assert_eq!(p.message_fr(), "Température : 375 est impossible (entre 25 et 45 °C). 37,5 ?");
        }
        other => panic!("{other:?}"),
    }
    // Refused whole: nothing of the set is kept.
    let before = footprint(&f);
    assert!(matches!(f.store.record_vital_set(r.id, &set, monday_10h()), Err(CoreError::ImplausibleValue { .. })));
    assert_eq!(footprint(&f), before);

    // Corrected: NEWS2 with its points per parameter (FR 22 → 2, SpO2 94 → 1, TA 105 → 1, pouls 112 → 2).
    set.temperature = Some(37.5);
    let news2 = f.store.preview_vital_set(r.id, &set).unwrap().news2.expect("a complete set is scored");
    assert_eq!(news2.total, 6);
    let points: Vec<_> = news2.parts.iter().filter(|(_, p)| *p > 0).map(|(n, p)| (*n, *p)).collect();
    assert_eq!(points, [("respiratory_rate", 2), ("spo2", 1), ("systolic_bp", 1), ("pulse", 2)]);
    let kept = f.store.record_vital_set(r.id, &set, monday_10h()).unwrap();
    assert_eq!(kept.len(), 7, "five measures, the blood pressure and the consciousness");
    assert_eq!(footprint(&f).0, before.0 + 7);
    assert!(f.store.record_vital_set(r.id, &VitalSet::default(), monday_10h()).is_err());
}

#[test]
fn a_glycaemia_typed_in_grams_per_litre_is_offered_in_its_unit_never_shifted_by_ten() {
    use chevet_core::clinical::units::GlucoseUnit;
    use chevet_core::views::{VitalProblem, VitalSet};
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let glucose = |v: f64| VitalSet { glucose: Some(v), ..VitalSet::default() };
    let kept_value = |facts: Vec<Fact>| match &facts[..] {
        [Fact::Observation(o)] => o.value,
        other => panic!("{other:?}"),
    };
    // By default an establishment types glycaemia in g/L, as French teams
    // write it: « 1,20 » is kept as 120 mg/dL, the record's unit.
    assert_eq!(d.establishment.glucose_entry_unit, GlucoseUnit::GramsPerLitre);
    assert_eq!(f.store.glucose_entry_unit_of(r.id).unwrap().label_fr(), "g/L");
    assert!(f.store.preview_vital_set(r.id, &glucose(1.2)).unwrap().problems.is_empty());
    let kept = f.store.record_vital_set(r.id, &glucose(1.2), monday_10h()).unwrap();
    assert_eq!(kept_value(kept), ObservationValue::Quantity(120.0));
    // « 120 » there was typed in mg/dL: offered in its unit, never as a power of ten.
    match f.store.preview_vital_set(r.id, &glucose(120.0)).unwrap().problems.as_slice() {
        [p @ VitalProblem::Implausible { code: VitalCode::Glucose, likely, min, max, .. }] => {
            assert_eq!(*likely, Some(1.2), "the field takes 1,2 (g/L)");
            assert_eq!((*min, *max), (0.1, 15.0), "the range in the unit typed");
            assert_eq!(p.likely_label_fr().as_deref(), Some("120 mg/dL = 1,2 g/L"));
            assert!(
                p.message_fr().contains("g/L") && p.message_fr().ends_with("120 mg/dL = 1,2 g/L ?"),
                "{}",
                p.message_fr()
            );
        }
        other => panic!("{other:?}"),
    }
    let before = footprint(&f);
    assert!(f.store.record_vital_set(r.id, &glucose(120.0), monday_10h()).is_err(), "nothing kept until plausible");
    assert_eq!(footprint(&f), before);

    // An establishment whose meters read mg/dL says so: « 1,20 » there is
    // impossible, offered as 1,2 g/L = 120 mg/dL — never shifted to 12.
    let est = Establishment { glucose_entry_unit: GlucoseUnit::MilligramsPerDecilitre, ..d.establishment.clone() };
    f.store.provision_establishment(&est).unwrap();
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    match f.store.preview_vital_set(r.id, &glucose(1.2)).unwrap().problems.as_slice() {
        [p @ VitalProblem::Implausible { code: VitalCode::Glucose, likely, .. }] => {
            assert_eq!(*likely, Some(120.0), "offered as 1,2 g/L = 120 mg/dL, never 12");
            assert_eq!(p.likely_label_fr().as_deref(), Some("1,2 g/L = 120 mg/dL"));
            assert!(p.message_fr().ends_with("1,2 g/L = 120 mg/dL ?"), "{}", p.message_fr());
        }
        other => panic!("{other:?}"),
    }
    let kept = f.store.record_vital_set(r.id, &glucose(120.0), monday_10h()).unwrap();
    assert_eq!(kept_value(kept), ObservationValue::Quantity(120.0));
    // The temperature's hint stays a decimal point's.
    let fever = VitalSet { temperature: Some(375.0), ..VitalSet::default() };
    let problems = f.store.preview_vital_set(r.id, &fever).unwrap().problems;
    assert_eq!(problems[0].likely_label_fr().as_deref(), Some("Corriger en 37,5"));
}
