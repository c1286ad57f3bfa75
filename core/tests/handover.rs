//! The shift handover: a seeded shift with known events gives exactly those
//! lines, per resident, and nothing from before the shift; every
//! transmission reaches the whole team, marked for its addressees; what was
//! due and nobody answered is handed over as « non tracé »; read marks are
//! per person.

mod common;

use chevet_core::clinical::alerts::AlertLevel;
use chevet_core::demo::DEMO_PIN;
use chevet_core::domain::*;
use chevet_core::views::HandoverKind;
use common::seeded;
use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

fn transmission(resident: Uuid, target: &str, data: &str, audience: Vec<Role>, at: Timestamp) -> Fact {
    Fact::Transmission(Transmission {
        id: Uuid::now_v7(),
        resident_id: resident,
        target: target.into(),
        data: data.into(),
        actions: String::new(),
        results: String::new(),
        audience,
        meta: RecordMeta::at(at),
    })
}

fn assessment(resident: Uuid, wound: Uuid, length_cm: f64, tissue: TissueType, at: Timestamp) -> Fact {
    Fact::WoundAssessment(WoundAssessment {
        id: Uuid::now_v7(),
        wound_id: wound,
        resident_id: resident,
        length_cm,
        width_cm: 2.0,
        depth_cm: None,
        exudate: Exudate::Light,
        tissue,
        stage: None,
        comment: None,
        meta: RecordMeta::at(at),
    })
}

/// Records every open occurrence of the unit's round in the period as
/// done (or given), as the signed-in nurse.
fn answer_the_round(f: &common::Fixture, unit: Uuid, from: Timestamp, to: Timestamp) {
    let view = f.store.round_view(unit, from, to).unwrap();
    for r in &view.residents {
        for item in r.items.iter().filter(|i| i.status.is_open() && i.due_at >= from && i.due_at < to) {
            let fact = if item.kind == ActKind::Medication {
                Fact::Administration(MedicationAdministration::new(
                    r.resident_id,
                    item.planned_act_id,
                    Some(item.due_at),
                    AdministrationOutcome::Given,
                    None,
                    to,
                ))
            } else {
                Fact::Act(ActRecord::new(
                    r.resident_id,
                    Some(item.planned_act_id),
                    Some(item.due_at),
                    ActOutcome::Done,
                    None,
                    to,
                ))
            };
            f.store.record(fact).unwrap();
        }
    }
}

#[test]
fn a_shift_with_known_events_hands_over_exactly_those() {
    let (f, d) = seeded(4, 1);
    let unit = d.units[0].id;
    let mut here: Vec<_> = d.residents.iter().filter(|r| r.unit_id == unit).cloned().collect();
    here.sort_by_key(|r| r.room_sort_key());
    let (a, b, c) = (&here[0], &here[1], &here[2]);

    // The demo's history ends now; the shift under test starts a day later.
    f.clock.advance_secs(86_400);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let since = f.store.now();
    let plan_a = f.store.care_plan(a.id).unwrap();
    let care = plan_a.iter().find(|(p, _)| p.kind != ActKind::Medication).unwrap().0.clone();
    let medication = plan_a.iter().find(|(p, _)| p.kind == ActKind::Medication).unwrap().0.clone();

    // Before the shift: a care not done, a first wound assessment.
    let before = since - 1.hours();
    f.store
        .record(Fact::Act(ActRecord {
            id: Uuid::now_v7(),
            resident_id: a.id,
            planned_act_id: Some(care.id),
            occurrence: None,
            outcome: ActOutcome::NotDone(NotDoneReason::Workload),
            recorded_elsewhere: false,
            comment: None,
            meta: RecordMeta::at(before),
        }))
        .unwrap();
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: c.id,
        kind: WoundKind::PressureInjury,
        site: "talon gauche".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: (since - 72.hours()).to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date(),
        healed_on: None,
    };
    f.store.save_wound(&wound, None).unwrap();
    f.store.record(assessment(c.id, wound.id, 2.0, TissueType::Granulation, before)).unwrap();

    // The shift.
    f.clock.advance_secs(3 * 3600);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let t = |m: i64| since + m.minutes();
    f.store
        .record(Fact::Act(ActRecord {
            id: Uuid::now_v7(),
            resident_id: a.id,
            planned_act_id: Some(care.id),
            occurrence: None,
            outcome: ActOutcome::NotDone(NotDoneReason::Asleep),
            recorded_elsewhere: false,
            comment: None,
            meta: RecordMeta::at(t(10)),
        }))
        .unwrap();
    let done = f
        .store
        .record(Fact::Act(ActRecord {
            id: Uuid::now_v7(),
            resident_id: a.id,
            planned_act_id: Some(care.id),
            occurrence: None,
            outcome: ActOutcome::Done,
            recorded_elsewhere: false,
            comment: None,
            meta: RecordMeta::at(t(20)),
        }))
        .unwrap();
    assert!(matches!(done, Fact::Act(_)));
    f.store
        .record(Fact::Administration(MedicationAdministration {
            id: Uuid::now_v7(),
            resident_id: a.id,
            planned_act_id: medication.id,
            occurrence: None,
            outcome: AdministrationOutcome::SpatOut,
            recorded_elsewhere: false,
            scanned_barcode: None,
            comment: None,
            meta: RecordMeta::at(t(30)),
        }))
        .unwrap();
    // A care not done, then marked entered in error: not handed over.
    let mistaken = f
        .store
        .record(Fact::Act(ActRecord {
            id: Uuid::now_v7(),
            resident_id: b.id,
            planned_act_id: None,
            occurrence: None,
            outcome: ActOutcome::Refused,
            recorded_elsewhere: false,
            comment: None,
            meta: RecordMeta::at(t(40)),
        }))
        .unwrap();
    f.store
        .record(Fact::Correction(Correction {
            id: Uuid::now_v7(),
            resident_id: b.id,
            target_id: mistaken.id(),
            reason: "mauvais résident".into(),
            meta: RecordMeta::at(t(45)),
        }))
        .unwrap();
    f.store
        .record(transmission(b.id, "Chute", "Retrouvée au sol\n près du lit, pas de douleur.", vec![], t(50)))
        .unwrap();
    f.store.record(transmission(b.id, "Douleur", "EN 6 au genou droit.", vec![Role::Nurse], t(60))).unwrap();
    // 2 × 2 cm, granulation, light: PUSH 6 + 2 + 1 = 9; 4 × 2 cm with slough: 7 + 3 + 1 = 11.
    let worse = f.store.record(assessment(c.id, wound.id, 4.0, TissueType::Slough, t(70))).unwrap();

    // A fever and a low saturation: one alert to watch, one to act on.
    f.store
        .record(Fact::Observation(Observation::new(
            a.id,
            VitalCode::Temperature,
            ObservationValue::Quantity(38.6),
            t(5),
        )))
        .unwrap();
    f.store
        .record(Fact::Observation(Observation::new(
            c.id,
            VitalCode::OxygenSaturation,
            ObservationValue::Quantity(87.0),
            t(6),
        )))
        .unwrap();
    let until = f.store.now();
    // Everything else planned during the shift was done on the round.
    answer_the_round(&f, unit, since, until);
    let standing = f.store.unit_alerts(unit).unwrap();
    let alerts: std::collections::BTreeMap<Uuid, usize> = standing.iter().map(|(id, a)| (*id, a.len())).collect();
    let h = f.store.handover(unit, since, until).unwrap();
    assert_eq!(h.unreadable, 0);
    let lines_of = |id: Uuid| -> Vec<(HandoverKind, String)> {
        h.residents
            .iter()
            .find(|r| r.resident_id == id)
            .map(|r| {
                r.lines.iter().filter(|l| l.kind != HandoverKind::Alert).map(|l| (l.kind, l.text.clone())).collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        lines_of(a.id),
        vec![
            (HandoverKind::MedicationNotGiven, format!("{} : Médicament recraché", medication.label)),
            (HandoverKind::ActNotDone, format!("{} : Soin non fait (endormi)", care.label)),
        ]
    );
    assert_eq!(
        lines_of(b.id),
        // The nurse reads the pain addressed to nurses first: it is hers to act on.
        vec![
            (HandoverKind::Transmission, "Douleur : EN 6 au genou droit.".to_owned()),
            (HandoverKind::Fall, "Chute : Retrouvée au sol près du lit, pas de douleur.".to_owned()),
        ]
    );
    assert_eq!(
        lines_of(c.id),
        vec![(HandoverKind::WoundWorse, "Plaie (talon gauche) qui s'aggrave : PUSH 9 → 11".to_owned())]
    );
    let worse_line = h.residents.iter().flat_map(|r| &r.lines).find(|l| l.kind == HandoverKind::WoundWorse).unwrap();
    assert_eq!(worse_line.record_id, Some(worse.id()));
    // Alerts: exactly those standing now, first on each card, each with its
    // level and what to do, as the round says them.
    let levels: Vec<_> = standing.iter().flat_map(|(_, a)| a.iter().map(|a| a.level)).collect();
    assert!(levels.contains(&AlertLevel::Watch) && levels.contains(&AlertLevel::Act), "{levels:?}");
    for (id, standing) in &standing {
        let card = h.residents.iter().find(|r| r.resident_id == *id).unwrap();
        for (line, alert) in card.lines.iter().zip(standing) {
            assert_eq!(line.alert, Some((alert.level, alert.action)));
            assert_eq!(line.word_fr(), alert.level.label_fr());
            assert_eq!(line.action_fr(), Some(alert.action.label_fr()));
        }
    }
    for r in &h.residents {
        let n = r.lines.iter().take_while(|l| l.kind == HandoverKind::Alert).count();
        assert_eq!(n, alerts.get(&r.resident_id).copied().unwrap_or(0));
        assert!(r.lines[n..].iter().all(|l| l.kind != HandoverKind::Alert));
    }
    // Nobody else has anything but alerts.
    for r in &h.residents {
        if ![a.id, b.id, c.id].contains(&r.resident_id) {
            assert!(r.lines.iter().all(|l| l.kind == HandoverKind::Alert));
        }
    }

    // The nurse reads the transmission addressed to nurses marked « Pour vous ».
    let pain = h.residents.iter().find(|r| r.resident_id == b.id).unwrap();
    let nurse_pain = pain.lines.iter().find(|l| l.kind == HandoverKind::Transmission).unwrap();
    assert!(nurse_pain.for_you);
    assert_eq!(nurse_pain.mark_fr(), Some("Pour vous"));
    // A care aide reads it too, unmarked; her read mark is hers.
    f.store.mark_handover_read(unit, until).unwrap();
    assert_eq!(f.store.handover(unit, since, until).unwrap().read_until, Some(until));
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let aide = f.store.handover(unit, since, until).unwrap();
    assert_eq!(aide.read_until, None);
    let b_lines = &aide.residents.iter().find(|r| r.resident_id == b.id).unwrap().lines;
    assert!(b_lines.iter().any(|l| l.kind == HandoverKind::Fall));
    assert!(b_lines.iter().any(|l| l.kind == HandoverKind::Transmission && !l.for_you && l.mark_fr().is_none()));

    // A window over two days, or backwards, is refused.
    assert!(f.store.handover(unit, until, since).is_err());
    assert!(f.store.handover(unit, until - 49.hours(), until).is_err());
}

#[test]
fn a_fall_addressed_to_the_nurse_reaches_the_aide_and_what_is_yours_comes_first() {
    let (f, d) = seeded(1, 0);
    let unit = d.units[0].id;
    let r = d.residents.iter().find(|r| r.unit_id == unit).unwrap();
    let since = f.store.now() - 2.hours();
    let t = |m: i64| since + m.minutes();
    // Written by the nurse for the nurses only: a fall at night, then a note for everyone.
    f.store.record(transmission(r.id, "Chute nocturne", "Retrouvé au sol à 3 h.", vec![Role::Nurse], t(10))).unwrap();
    f.store.record(transmission(r.id, "Alimentation", "A bien mangé.", vec![], t(20))).unwrap();
    f.store.record(transmission(r.id, "Sommeil", "Agité.", vec![Role::CareAide], t(30))).unwrap();
    let until = f.store.now();
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let h = f.store.handover(unit, since, until).unwrap();
    let lines: Vec<_> = h
        .residents
        .iter()
        .find(|x| x.resident_id == r.id)
        .unwrap()
        .lines
        .iter()
        .filter(|l| !matches!(l.kind, HandoverKind::Alert | HandoverKind::Unrecorded))
        .map(|l| (l.kind, l.for_you, l.text.split(" :").next().unwrap().to_owned()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (HandoverKind::Transmission, true, "Sommeil".to_owned()),
            (HandoverKind::Fall, false, "Chute nocturne".to_owned()),
            (HandoverKind::Transmission, false, "Alimentation".to_owned()),
        ],
        "the aide reads the nurses' fall; what is addressed to her comes first after the alerts"
    );
}

#[test]
fn what_was_due_and_nobody_answered_is_handed_over_as_not_recorded() {
    // The demo's history leaves the last two hours unanswered.
    let (f, d) = seeded(1, 0);
    let unit = d.units[0].id;
    let r = d.residents.iter().find(|r| r.unit_id == unit).unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let now = f.store.now();
    let since = now - 2.hours();
    // The relève is read half an hour before now: what falls due after it
    // belongs to the next one.
    let until = now - 30.minutes();
    let plan = f.store.care_plan(r.id).unwrap();
    let mut due: Vec<(Timestamp, String)> = plan
        .iter()
        .flat_map(|(a, _)| a.schedule.occurrences(&tz, since, until).into_iter().map(|t| (t, a.label.clone())))
        .collect();
    due.sort();
    assert!(!due.is_empty(), "the demo plan has something due in two hours");
    let unrecorded = |f: &common::Fixture| -> Vec<(Timestamp, String)> {
        let h = f.store.handover(unit, since, until).unwrap();
        let mut got: Vec<_> = h
            .residents
            .iter()
            .filter(|x| x.resident_id == r.id)
            .flat_map(|x| &x.lines)
            .filter(|l| l.kind == HandoverKind::Unrecorded)
            .map(|l| (l.at.unwrap(), l.text.trim_end_matches(" : prévu, non tracé").to_owned()))
            .collect();
        got.sort();
        got
    };
    assert_eq!(unrecorded(&f), due, "every occurrence of the period, none after it");
    assert_eq!(HandoverKind::Unrecorded.word_fr(), "Non tracé");

    // Answered late, it leaves the relève.
    let (first_at, first_label) = due[0].clone();
    let act = plan.iter().find(|(a, _)| a.label == first_label).unwrap().0.clone();
    let answer = if act.kind == ActKind::Medication {
        Fact::Administration(MedicationAdministration::new(
            r.id,
            act.id,
            Some(first_at),
            AdministrationOutcome::Refused,
            None,
            now,
        ))
    } else {
        Fact::Act(ActRecord::new(r.id, Some(act.id), Some(first_at), ActOutcome::Refused, None, now))
    };
    f.store.record(answer).unwrap();
    assert_eq!(unrecorded(&f), due[1..].to_vec());
}

#[test]
fn a_wound_opened_during_the_shift_is_new() {
    let (f, d) = seeded(2, 0);
    let unit = d.units[0].id;
    let r = d.residents.iter().find(|r| r.unit_id == unit).unwrap();
    let since = f.store.now() - 2.hours();
    let today = f.store.now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date();
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: r.id,
        kind: WoundKind::SkinTear,
        site: "avant-bras droit".into(),
        stage: None,
        opened_on: today,
        healed_on: None,
    };
    f.store.save_wound(&wound, None).unwrap();
    let h = f.store.handover(unit, since, f.store.now()).unwrap();
    let lines = &h.residents.iter().find(|x| x.resident_id == r.id).unwrap().lines;
    assert!(lines.iter().any(|l| l.kind == HandoverKind::WoundNew && l.text == "Nouvelle plaie : avant-bras droit"));
}
