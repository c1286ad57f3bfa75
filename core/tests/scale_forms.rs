//! The guided scale forms recorded through the store: a complete form is
//! kept with its result, an incomplete one is refused with nothing written,
//! a self-reported pain score becomes a pain measure with its tool.

mod common;

use chevet_core::clinical::scale_forms::FormKind;
use chevet_core::demo::DEMO_PIN;
use chevet_core::domain::*;
use chevet_core::error::CoreError;
use chevet_core::views::TimelineEntry;
use common::seeded;

#[test]
fn forms_are_recorded_whole_or_not_at_all() {
    let (f, d) = seeded(2, 0);
    f.store.sign_in(d.nurse.id, DEMO_PIN).unwrap();
    let resident = d.residents[0].id;
    let now = f.store.now();
    let lines = |f: &common::Fixture| f.store.timeline(resident, None, 500).unwrap().len();
    let before = lines(&f);

    let incomplete = [Some(0), Some(1), None, Some(2), Some(1), Some(0)];
    let refused = f.store.record_scale_form(resident, FormKind::Braden, &incomplete, now).unwrap_err();
    assert!(matches!(refused, CoreError::InvalidInput { field: "Activité", .. }), "{refused:?}");
    assert_eq!(lines(&f), before, "nothing written");

    let braden = [Some(1), Some(1), Some(1), Some(1), Some(1), Some(1)];
    let preview = f.store.preview_scale_form(resident, FormKind::Braden, &braden).unwrap();
    let kept = f.store.record_scale_form(resident, FormKind::Braden, &braden, now).unwrap();
    assert_eq!(kept.summary, preview.summary);
    assert_eq!(kept.summary, "Braden 12/23 : risque élevé d'escarre");
    assert!(kept.positive);
    let (fact, _) = f.store.fact(kept.record_id).unwrap();
    assert!(matches!(fact, Fact::ScaleAssessment(_)));

    let pain = f.store.record_scale_form(resident, FormKind::SelfReportedPain, &[Some(1), Some(7)], now).unwrap();
    assert_eq!(pain.summary, "EVA 7/10 : douleur intense");
    match f.store.fact(pain.record_id).unwrap().0 {
        Fact::Observation(o) => {
            assert_eq!(o.code, VitalCode::Pain);
            assert_eq!(o.value, ObservationValue::Quantity(7.0));
            assert_eq!(o.method.as_deref(), Some("EVA"));
        }
        other => panic!("{:?}", other.kind()),
    }
    let timeline = f.store.timeline(resident, None, 5).unwrap();
    let ids: Vec<_> = timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEntry::Fact { fact, .. } => Some(fact.id()),
            _ => None,
        })
        .collect();
    assert!(ids.contains(&kept.record_id) && ids.contains(&pain.record_id));
}

#[test]
fn a_care_aide_may_rate_pain_but_not_score_a_risk_scale() {
    let (f, d) = seeded(2, 0);
    f.store.sign_in(d.care_aide.id, DEMO_PIN).unwrap();
    let resident = d.residents[0].id;
    assert!(f.store.may_record_form(FormKind::SelfReportedPain).unwrap());
    assert!(!f.store.may_record_form(FormKind::Braden).unwrap());
    let before = f.store.timeline(resident, None, 500).unwrap().len();
    let braden = [Some(1), Some(1), Some(1), Some(1), Some(1), Some(1)];
    let refused = f.store.record_scale_form(resident, FormKind::Braden, &braden, f.store.now()).unwrap_err();
    assert!(matches!(refused, CoreError::PermissionDenied { .. }), "{refused:?}");
    assert_eq!(f.store.timeline(resident, None, 500).unwrap().len(), before);
    f.store.record_scale_form(resident, FormKind::SelfReportedPain, &[Some(0), Some(3)], f.store.now()).unwrap();
}
