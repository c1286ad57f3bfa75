//! A fictional establishment with residents, care plans and history, for
//! the README's demo, the benchmarks and the tests. Names are invented;
//! matricules are built with a valid key on the INS *demo* OID.

use jiff::civil::{Date, Time, time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use uuid::Uuid;

use crate::domain::*;
use crate::error::{CoreError, Result};
use crate::store::Store;

pub mod camera;

const FAMILY_NAMES: [&str; 24] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
    "André", "Mercier",
];
const GIVEN_NAMES_F: [&str; 12] = [
    "Jeanne",
    "Marie",
    "Germaine",
    "Hélène",
    "Simone",
    "Odette",
    "Yvonne",
    "Paulette",
    "Suzanne",
    "Madeleine",
    "Lucienne",
    "Denise",
];
const GIVEN_NAMES_M: [&str; 12] =
    ["Jean", "Pierre", "André", "René", "Marcel", "Roger", "Louis", "Henri", "Lucien", "Raymond", "Gaston", "Émile"];

/// PIN of every demo professional.
pub const DEMO_PIN: &str = "2580";
/// The CIP13 on the demo's paracetamol prescriptions (a box of Doliprane
/// 1000 mg): what the bedside scan is checked against.
pub const DEMO_PARACETAMOL_CIP13: &str = "3400935955838";

/// Small deterministic generator (SplitMix64): demo data is the same every run.
pub struct DemoRng(u64);

impl DemoRng {
    pub fn new(seed: u64) -> Self {
        DemoRng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Normal-ish value around `mean` (sum of uniforms).
    pub fn around(&mut self, mean: f64, spread: f64) -> f64 {
        let u: f64 = (0..4).map(|_| (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64).sum::<f64>() / 4.0;
        mean + (u - 0.5) * 2.0 * spread
    }
}

/// Builds a valid matricule from a 13-digit body.
pub fn matricule_with_key(body: u64) -> Result<Matricule> {
    Ok(Matricule::parse(&format!("{body:013}{:02}", 97 - body % 97))?)
}

/// What [`seed`] created.
pub struct Demo {
    pub establishment: Establishment,
    pub units: Vec<Unit>,
    pub nurse: Staff,
    pub care_aide: Staff,
    pub manager: Staff,
    /// A care aide who joined this week: no PIN on this tablet yet, only
    /// the first-PIN code the establishment printed for her ([`Demo::newcomer_code`]),
    /// so that the demo walks the first sign-in a real tablet always starts with.
    pub newcomer: Staff,
    pub newcomer_code: String,
    pub residents: Vec<Resident>,
    pub tz: TimeZone,
}

/// Creates an EHPAD with `units` units of `per_unit` residents, their care
/// plans, and `history_days` days of recorded care up to `now` (the clock
/// the store uses). Signs the nurse in and leaves her signed in.
/// The demo EHPAD's reference data, the same on a device and on the hub:
/// the establishment, its floors, a nurse and a care aide.
pub struct DemoReference {
    pub establishment: Establishment,
    pub units: Vec<Unit>,
    pub nurse: Staff,
    pub care_aide: Staff,
}

fn demo_staff(name: &str, role: Role) -> Staff {
    Staff {
        id: Uuid::now_v7(),
        display_name: name.into(),
        role,
        rpps: None,
        first_pin_code: None,
        units: Vec::new(),
        deactivated_at: None,
    }
}

pub fn demo_reference(units: usize) -> DemoReference {
    let establishment = Establishment {
        id: Uuid::now_v7(),
        name: "EHPAD Les Tilleuls".into(),
        finess: "690000001".into(),
        kind: EstablishmentKind::Ehpad,
        time_zone: "Europe/Paris".into(),
        alert_settings: None,
        glucose_entry_unit: Default::default(),
    };
    let units = (0..units)
        .map(|i| Unit { id: Uuid::now_v7(), establishment_id: establishment.id, name: format!("Étage {}", i + 1) })
        .collect();
    DemoReference {
        establishment,
        units,
        nurse: demo_staff("Claire Fontaine", Role::Nurse),
        care_aide: demo_staff("Karim Benali", Role::CareAide),
    }
}

pub fn seed(store: &Store, units: usize, per_unit: usize, history_days: u32) -> Result<Demo> {
    let tz = TimeZone::get("Europe/Paris").map_err(|_| CoreError::invalid("time_zone", "tzdb missing"))?;
    store.mark_demo()?;
    let mut rng = DemoRng::new(0x00C4_E7E7);
    let DemoReference { establishment, units: unit_list, nurse, care_aide } = demo_reference(units);
    store.provision_establishment(&establishment)?;
    for u in &unit_list {
        store.provision_unit(u)?;
    }
    let manager = demo_staff("Sophie Marchand", Role::HealthManager);
    for s in [&nurse, &care_aide, &manager] {
        store.provision_staff_with_pin(s, DEMO_PIN)?;
    }
    let (newcomer_code, first_pin_code) =
        crate::store::issue_first_pin_code(store.pin_cost(), store.now() + jiff::SignedDuration::from_hours(72))?;
    let newcomer = Staff { first_pin_code: Some(first_pin_code), ..demo_staff("Louise Martin", Role::CareAide) };
    store.provision_staff(&newcomer)?;
    store.sign_in(nurse.id, DEMO_PIN)?;

    let now = store.now();
    let today = now.to_zoned_datetime(tz.clone()).date();
    let start =
        today.checked_sub((history_days as i32).days()).map_err(|_| CoreError::invalid("history_days", "too long"))?;
    let mut residents = Vec::new();
    for (u, unit) in unit_list.iter().enumerate() {
        for i in 0..per_unit {
            let female = rng.below(10) < 7;
            let family = FAMILY_NAMES[rng.below(FAMILY_NAMES.len() as u64) as usize];
            let given_list = if female { &GIVEN_NAMES_F } else { &GIVEN_NAMES_M };
            let given = given_list[rng.below(12) as usize];
            let second = given_list[rng.below(12) as usize];
            let year = 1930 + rng.below(15) as i16;
            let month = 1 + rng.below(12) as i8;
            let body = (if female { 2 } else { 1 }) * 1_000_000_000_000
                + (year as u64 % 100) * 10_000_000_000
                + month as u64 * 100_000_000
                + 75_056_000
                + rng.below(999);
            let qualified = rng.below(10) < 8;
            let identity = Identity {
                traits: IdentityTraits {
                    birth_name: family.into(),
                    first_birth_given_name: given.into(),
                    birth_given_names: format!("{given} {second}"),
                    sex: if female { Sex::Female } else { Sex::Male },
                    birth_date: jiff::civil::date(year, month, 1 + rng.below(28) as i8),
                    birth_place_insee: Some("75056".into()),
                },
                matricule: qualified.then(|| matricule_with_key(body)).transpose()?,
                system: qualified.then_some(InsSystem::NirDemo),
                status: if qualified { IdentityStatus::Qualified } else { IdentityStatus::Provisional },
                collection: if qualified { CollectionMethod::Insi } else { CollectionMethod::Manual },
                used_name: None,
                used_given_name: None,
            };
            let resident = Resident {
                id: Uuid::now_v7(),
                unit_id: unit.id,
                identity,
                room: format!("{}{:02}", u + 1, i + 1),
                allergies: if rng.below(5) == 0 { vec!["Pénicilline".into()] } else { vec![] },
                trusted_person: None,
                contacts: vec![],
                advance_directives: None,
                gir: Some(1 + rng.below(4) as u8),
                hypercapnic: rng.below(10) == 0,
                admitted_on: start,
                discharged_on: None,
                home_tags: Vec::new(),
            };
            store.provision_resident(&resident)?;
            for act in care_plan_for(&resident, start, &mut rng) {
                store.create_planned_act(&act)?;
            }
            residents.push(resident);
        }
    }
    let demo =
        Demo { establishment, units: unit_list, nurse, care_aide, manager, newcomer, newcomer_code, residents, tz };
    record_history(store, &demo, start, now, &mut rng)?;
    Ok(demo)
}

fn planned(
    resident: &Resident,
    kind: ActKind,
    label: &str,
    times: &[Time],
    recurrence: Recurrence,
    start: Date,
) -> PlannedAct {
    PlannedAct {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        kind,
        label: label.into(),
        schedule: Schedule { times: times.to_vec(), recurrence, start, end: None },
        medication: None,
        active: true,
    }
}

/// About fifteen planned occurrences a day, as in a dependent EHPAD resident's plan.
pub fn care_plan_for(r: &Resident, start: Date, rng: &mut DemoRng) -> Vec<PlannedAct> {
    let t = |h| time(h, 0, 0, 0);
    let mut acts = vec![
        planned(r, ActKind::Hygiene, "Toilette", &[t(8)], Recurrence::Daily, start),
        planned(
            r,
            ActKind::Continence,
            "Change",
            &[time(7, 30, 0, 0), time(11, 30, 0, 0), time(15, 30, 0, 0), t(21)],
            Recurrence::Daily,
            start,
        ),
        planned(
            r,
            ActKind::MealAssistance,
            "Aide au repas",
            &[time(8, 30, 0, 0), t(12), t(19)],
            Recurrence::Daily,
            start,
        ),
        planned(
            r,
            ActKind::Mobilisation,
            "Changement de position",
            &[t(10), t(14), t(18), t(23)],
            Recurrence::Daily,
            start,
        ),
        planned(r, ActKind::Vitals, "Constantes", &[t(9)], Recurrence::EveryNDays(2), start),
    ];
    let mut med = planned(r, ActKind::Medication, "Paracétamol 1 g", &[t(8), t(12), t(18)], Recurrence::Daily, start);
    med.medication = Some(MedicationLine {
        drug: "Paracétamol".into(),
        dose: "1 g".into(),
        route: "orale".into(),
        intake_assistance_allowed: rng.below(2) == 0,
        expected_barcode: Some(DEMO_PARACETAMOL_CIP13.into()),
    });
    acts.push(med);
    acts
}

fn record_history(store: &Store, demo: &Demo, start: Date, now: Timestamp, rng: &mut DemoRng) -> Result<()> {
    // Leave the last two hours unrecorded so the round shows what is due.
    let cutoff =
        Timestamp::from_second(now.as_second() - 2 * 3600).map_err(|_| CoreError::invalid("now", "out of range"))?;
    let from =
        start.to_zoned_datetime(demo.tz.clone()).map_err(|_| CoreError::invalid("start", "out of range"))?.timestamp();
    let mut batch = Vec::with_capacity(4096);
    for resident in &demo.residents {
        let plan = store.care_plan(resident.id)?;
        for (act, _) in &plan {
            for occ in act.schedule.occurrences(&demo.tz, from, cutoff) {
                let clinical = Timestamp::from_second(occ.as_second() + rng.below(1800) as i64).unwrap_or(occ);
                let id = Uuid::now_v7();
                let fact = if act.kind == ActKind::Medication {
                    let outcome = match rng.below(50) {
                        0 => AdministrationOutcome::Refused,
                        1 => AdministrationOutcome::SpatOut,
                        _ => AdministrationOutcome::Given,
                    };
                    Fact::Administration(MedicationAdministration {
                        id,
                        resident_id: resident.id,
                        planned_act_id: act.id,
                        occurrence: Some(occ),
                        outcome,
                        recorded_elsewhere: false,
                        scanned_barcode: None,
                        comment: None,
                        meta: RecordMeta::at(clinical),
                    })
                } else {
                    let outcome = match rng.below(40) {
                        0 => ActOutcome::Refused,
                        1 => ActOutcome::PartlyDone,
                        2 => ActOutcome::NotDone(NotDoneReason::Asleep),
                        _ => ActOutcome::Done,
                    };
                    Fact::Act(ActRecord {
                        id,
                        resident_id: resident.id,
                        planned_act_id: Some(act.id),
                        occurrence: Some(occ),
                        outcome,
                        recorded_elsewhere: false,
                        comment: None,
                        meta: RecordMeta::at(clinical),
                    })
                };
                batch.push(fact);
                if act.kind == ActKind::Vitals {
                    batch.extend(vitals_at(resident.id, clinical, base_weight(resident.id), rng));
                }
                if batch.len() >= 4000 {
                    store.record_batch(std::mem::take(&mut batch))?;
                }
            }
        }
    }
    if !batch.is_empty() {
        store.record_batch(batch)?;
    }
    Ok(())
}

/// A resident's usual weight, stable across the history (45–85 kg).
pub fn base_weight(resident_id: Uuid) -> f64 {
    45.0 + (resident_id.as_u128() % 400) as f64 / 10.0
}

/// A plausible set of vitals taken at `at`.
pub fn vitals_at(resident_id: Uuid, at: Timestamp, weight_kg: f64, rng: &mut DemoRng) -> Vec<Fact> {
    let obs = |code, value| {
        Fact::Observation(Observation {
            id: Uuid::now_v7(),
            resident_id,
            code,
            value,
            method: None,
            meta: RecordMeta::at(at),
        })
    };
    let round1 = |v: f64| (v * 10.0).round() / 10.0;
    vec![
        obs(
            VitalCode::BloodPressure,
            ObservationValue::BloodPressure {
                systolic: rng.around(135.0, 20.0).round(),
                diastolic: rng.around(75.0, 10.0).round(),
            },
        ),
        obs(VitalCode::HeartRate, ObservationValue::Quantity(rng.around(76.0, 14.0).round())),
        obs(VitalCode::Temperature, ObservationValue::Quantity(round1(rng.around(36.9, 0.6)))),
        obs(VitalCode::OxygenSaturation, ObservationValue::Quantity(rng.around(95.0, 3.0).round().min(100.0))),
        obs(VitalCode::RespiratoryRate, ObservationValue::Quantity(rng.around(17.0, 4.0).round())),
        obs(VitalCode::Consciousness, ObservationValue::Consciousness(Acvpu::Alert)),
        obs(VitalCode::Weight, ObservationValue::Quantity(round1(rng.around(weight_kg, 0.8)))),
    ]
}

/// Records, as the signed-in professional, every act of the unit's round in
/// `[from, to)` that is not recorded yet and already due; returns how many.
/// Only acts of `kinds` are recorded (all when empty); acts the
/// professional may not record (a nurse's medication for a care aide) are
/// left for someone who may.
pub fn record_round(
    store: &Store,
    unit: Uuid,
    from: Timestamp,
    to: Timestamp,
    kinds: &[ActKind],
    rng: &mut DemoRng,
) -> Result<usize> {
    use crate::views::RoundStatus;
    let now = store.now();
    let view = store.round_view(unit, from, to)?;
    let mut n = 0;
    for r in &view.residents {
        let plan = store.care_plan(r.resident_id)?;
        for item in &r.items {
            if !matches!(item.status, RoundStatus::Due | RoundStatus::Late | RoundStatus::Unrecorded)
                || item.due_at > now
                || item.due_at < from
            {
                continue;
            }
            let Some((act, _)) = plan.iter().find(|(a, _)| a.id == item.planned_act_id) else {
                continue;
            };
            if !kinds.is_empty() && !kinds.contains(&act.kind) {
                continue;
            }
            let at = Timestamp::from_second((item.due_at.as_second() + rng.below(900) as i64).min(now.as_second()))
                .unwrap_or(now);
            let fact = if act.kind == ActKind::Medication {
                Fact::Administration(MedicationAdministration {
                    id: Uuid::now_v7(),
                    resident_id: r.resident_id,
                    planned_act_id: act.id,
                    occurrence: Some(item.due_at),
                    outcome: AdministrationOutcome::Given,
                    recorded_elsewhere: false,
                    scanned_barcode: None,
                    comment: None,
                    meta: RecordMeta::at(at),
                })
            } else {
                Fact::Act(ActRecord {
                    id: Uuid::now_v7(),
                    resident_id: r.resident_id,
                    planned_act_id: Some(act.id),
                    occurrence: Some(item.due_at),
                    outcome: if rng.below(25) == 0 { ActOutcome::Refused } else { ActOutcome::Done },
                    recorded_elsewhere: false,
                    comment: None,
                    meta: RecordMeta::at(at),
                })
            };
            match store.record(fact) {
                Ok(_) => n += 1,
                Err(CoreError::PermissionDenied { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(n)
}
