//! The resident's file: the identity as the INS rules allow it to be shown,
//! and the trend charts drawn from the record (entries in error and measures
//! outside the window left out, the undernutrition thresholds in kilograms).

mod common;

use chevet_core::demo::DEMO_PIN;
use chevet_core::domain::*;
use chevet_core::views::{ChartKind, LineKind};
use common::seeded;
use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

fn observation(resident: Uuid, code: VitalCode, value: ObservationValue, at: Timestamp) -> Fact {
    Fact::Observation(Observation {
        id: Uuid::now_v7(),
        resident_id: resident,
        code,
        value,
        method: None,
        meta: RecordMeta::at(at),
    })
}

#[test]
fn charts_show_the_window_without_entries_in_error() {
    let (f, d) = seeded(4, 1);
    let resident = d.residents[0].clone();
    // Two years on: the demo's own history is out of every window.
    f.clock.advance_secs(2 * 366 * 86_400);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let now = f.store.now();
    let q = ObservationValue::Quantity;
    let day = |n: i64| now - (n * 24).hours();
    let mut facts = vec![
        observation(resident.id, VitalCode::Height, q(160.0), day(100)),
        observation(resident.id, VitalCode::Weight, q(70.0), day(200)),
        observation(resident.id, VitalCode::Weight, q(60.0), day(180)),
        observation(resident.id, VitalCode::Weight, q(58.0), day(90)),
        observation(resident.id, VitalCode::Weight, q(56.0), day(30)),
        observation(resident.id, VitalCode::Weight, q(54.5), day(1)),
        observation(resident.id, VitalCode::Temperature, q(39.5), day(20)),
        observation(resident.id, VitalCode::Temperature, q(37.2), day(3)),
        observation(resident.id, VitalCode::Temperature, q(38.4), day(1)),
        observation(
            resident.id,
            VitalCode::BloodPressure,
            ObservationValue::BloodPressure { systolic: 150.0, diastolic: 85.0 },
            day(2),
        ),
    ];
    let typo = observation(resident.id, VitalCode::Weight, q(40.0), day(10));
    let typo_id = typo.id();
    facts.push(typo);
    f.store.record_batch(facts).unwrap();
    f.store
        .record(Fact::Correction(Correction {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            target_id: typo_id,
            reason: "erreur de saisie".into(),
            meta: RecordMeta::at(now),
        }))
        .unwrap();

    let file = f.store.open_resident_file(resident.id, 20).unwrap();
    let kinds: Vec<ChartKind> = file.charts.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, ChartKind::ALL.to_vec());

    let weight = &file.charts[0];
    let kg: Vec<f64> = weight.points.iter().map(|p| p.value).collect();
    assert_eq!(kg, vec![60.0, 58.0, 56.0, 54.5], "six months, oldest first, the typo left out");
    assert_eq!(weight.caption, "Dernière valeur : 54,5\u{a0}kg");
    let lines: Vec<(f64, LineKind)> = weight.lines.iter().map(|l| (l.value, l.kind)).collect();
    assert_eq!(
        lines,
        vec![
            (56.3, LineKind::Undernutrition),
            (51.2, LineKind::SevereUndernutrition),
            (54.0, LineKind::Undernutrition),
            (51.0, LineKind::SevereUndernutrition),
        ]
    );
    for c in &file.charts {
        let all = c.points.iter().flat_map(|p| [Some(p.value), p.low]).flatten().chain(c.lines.iter().map(|l| l.value));
        for v in all {
            assert!(c.y_min <= v && v <= c.y_max, "{:?}: {v} outside {}..{}", c.kind, c.y_min, c.y_max);
        }
        assert!(c.points.iter().all(|p| p.at >= c.from && p.at <= c.to));
    }

    let temperature = &file.charts[1];
    assert_eq!(temperature.points.iter().map(|p| p.value).collect::<Vec<_>>(), vec![37.2, 38.4]);
    assert_eq!(temperature.lines.iter().map(|l| l.value).collect::<Vec<_>>(), vec![35.5, 38.0]);
    assert_eq!(temperature.lines[1].label, "Seuil d'alerte 38\u{a0}°C");
    assert_eq!(temperature.points.iter().map(|p| p.alert).collect::<Vec<_>>(), vec![false, true], "38,4 is a fever");
    assert_eq!(file.charts[2].caption, "Aucune mesure depuis 14 jours");
    assert!(file.charts[2].points.is_empty() && file.charts[2].y_ticks.len() >= 2);
    let bp = &file.charts[4];
    assert_eq!((bp.points[0].value, bp.points[0].low), (150.0, Some(85.0)));
    assert_eq!(bp.caption, "Dernière valeur : 150/85\u{a0}mmHg");
}

#[test]
fn the_ins_is_shown_for_a_qualified_identity_only() {
    let (f, d) = seeded(4, 1);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let mut seen = (0, 0);
    for r in &d.residents {
        let file = f.store.open_resident_file(r.id, 1).unwrap();
        let id = &file.resident.identity;
        match id.status {
            IdentityStatus::Qualified => {
                let shown = id.ins_shown().unwrap();
                assert!(shown.starts_with("INS-NIR") && !shown.contains(id.matricule.as_ref().unwrap().as_str()));
                seen.0 += 1;
            }
            _ => {
                assert_eq!(id.ins_shown(), None);
                seen.1 += 1;
            }
        }
    }
    assert!(seen.0 > 0 && seen.1 > 0, "the demo has both kinds: {seen:?}");
}
