//! The bedside scales as guided forms: each item's question and answers in
//! the words of the French paper forms, the score and band as the answers
//! come, and the answers turned into what is recorded. The shells draw the
//! form and send back the index of the answer chosen for each item.
//!
//! AGGIR is rated variable by variable with the four adverbs of the 2008
//! guide — does it alone Spontanément, Totalement, Correctement,
//! Habituellement: all four is A, none is C, otherwise B. Its sub-variables
//! (toilette haut/bas, habillage haut/moyen/bas…) are not asked separately:
//! the grid records one modality per variable.

use serde::Serialize;

use super::aggir::{AggirGrid, Modality};
use super::scales::{Braden, MnaSf, Norton, PainIntensity, ScaleAnswers, self_reported_pain};
use crate::error::{DomainError, Result};

/// The forms the app offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum FormKind {
    Braden,
    Norton,
    Algoplus,
    Doloplus,
    /// EN or EVA: the resident rates their own pain, 0 to 10.
    SelfReportedPain,
    MnaSf,
    Aggir,
}

impl FormKind {
    pub const ALL: [FormKind; 7] = [
        FormKind::Algoplus,
        FormKind::SelfReportedPain,
        FormKind::Doloplus,
        FormKind::Braden,
        FormKind::Norton,
        FormKind::MnaSf,
        FormKind::Aggir,
    ];
}

/// How an item is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ItemStyle {
    /// One answer among the options; the answer is its index.
    Choice,
    /// AGGIR: the four adverbs S, T, C, H ticked or not; the answer is a
    /// mask (bit 0 S, 1 T, 2 C, 3 H), read as A, B or C.
    Adverbs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormOption {
    pub label: &'static str,
    /// What the answer adds to the total (none for AGGIR).
    pub points: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormItem {
    pub label: &'static str,
    /// What to look at, or how to ask.
    pub help: Option<&'static str>,
    pub style: ItemStyle,
    pub options: Vec<FormOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleForm {
    pub kind: FormKind,
    /// "Braden".
    pub name: &'static str,
    /// "Risque d'escarre".
    pub purpose: &'static str,
    /// When to use it, and what the bands mean.
    pub guidance: &'static str,
    pub items: Vec<FormItem>,
}

/// Where a form being filled stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormPreview {
    pub answered: usize,
    pub items: usize,
    /// Points of the answers given so far (AGGIR: 0).
    pub points_so_far: u32,
    /// What each answer reads as, where it is not its label (AGGIR: "A", "B", "C").
    pub readings: Vec<Option<&'static str>>,
    /// "Braden 12/23 : risque élevé d'escarre" once every item is answered,
    /// or what is left ("4 items sur 6 : 14 points pour l'instant").
    pub summary: String,
    pub complete: bool,
    /// Past the scale's threshold (pain, risk, undernutrition, GIR 1–2).
    pub positive: bool,
}

/// What a complete form is recorded as.
#[derive(Debug, Clone, PartialEq)]
pub enum FormRecord {
    Scale(ScaleAnswers),
    /// A self-reported pain score, with the tool ("EN", "EVA").
    Pain {
        score: f64,
        tool: &'static str,
    },
}

fn choice(label: &'static str, help: Option<&'static str>, options: &[(&'static str, u8)]) -> FormItem {
    FormItem {
        label,
        help,
        style: ItemStyle::Choice,
        options: options.iter().map(|(label, points)| FormOption { label, points: *points }).collect(),
    }
}

fn yes_no(label: &'static str, help: &'static str) -> FormItem {
    choice(label, Some(help), &[("Non", 0), ("Oui", 1)])
}

fn adverbs(label: &'static str, help: &'static str) -> FormItem {
    FormItem {
        label,
        help: Some(help),
        style: ItemStyle::Adverbs,
        options: ["Spontanément", "Totalement", "Correctement", "Habituellement"]
            .into_iter()
            .map(|label| FormOption { label, points: 0 })
            .collect(),
    }
}

/// The form of `kind`, item by item, in the order of the paper form.
pub fn form(kind: FormKind) -> ScaleForm {
    match kind {
        FormKind::Braden => ScaleForm {
            kind,
            name: "Braden",
            purpose: "Risque d'escarre",
            guidance: "Score de 6 à 23 : plus il est bas, plus le risque est élevé (≤ 12 : risque élevé).",
            items: vec![
                choice(
                    "Perception sensorielle",
                    Some("Capacité à répondre de façon adaptée à l'inconfort dû à la pression"),
                    &[
                        ("Complètement limitée", 1),
                        ("Très limitée", 2),
                        ("Légèrement limitée", 3),
                        ("Aucune atteinte", 4),
                    ],
                ),
                choice(
                    "Humidité",
                    Some("Degré d'humidité auquel la peau est exposée"),
                    &[
                        ("Constamment humide", 1),
                        ("Très humide", 2),
                        ("Occasionnellement humide", 3),
                        ("Rarement humide", 4),
                    ],
                ),
                choice(
                    "Activité",
                    Some("Degré d'activité physique"),
                    &[
                        ("Confiné au lit", 1),
                        ("Confiné au fauteuil", 2),
                        ("Marche occasionnellement", 3),
                        ("Marche fréquemment", 4),
                    ],
                ),
                choice(
                    "Mobilité",
                    Some("Capacité à changer et contrôler la position du corps"),
                    &[
                        ("Complètement immobile", 1),
                        ("Très limitée", 2),
                        ("Légèrement limitée", 3),
                        ("Aucune limitation", 4),
                    ],
                ),
                choice(
                    "Nutrition",
                    Some("Alimentation habituelle"),
                    &[("Très pauvre", 1), ("Probablement inadéquate", 2), ("Adéquate", 3), ("Excellente", 4)],
                ),
                choice(
                    "Friction et cisaillement",
                    None,
                    &[("Problème", 1), ("Problème potentiel", 2), ("Pas de problème apparent", 3)],
                ),
            ],
        },
        FormKind::Norton => ScaleForm {
            kind,
            name: "Norton",
            purpose: "Risque d'escarre",
            guidance: "Score de 5 à 20 : à risque au seuil de l'établissement ou en dessous.",
            items: vec![
                choice(
                    "Condition physique",
                    None,
                    &[("Bonne", 4), ("Moyenne", 3), ("Pauvre", 2), ("Très mauvaise", 1)],
                ),
                choice("État mental", None, &[("Alerte", 4), ("Apathique", 3), ("Confus", 2), ("Stuporeux", 1)]),
                choice(
                    "Activité",
                    None,
                    &[("Ambulant", 4), ("Marche avec aide", 3), ("Assis au fauteuil", 2), ("Alité", 1)],
                ),
                choice(
                    "Mobilité",
                    None,
                    &[("Totale", 4), ("Légèrement diminuée", 3), ("Très limitée", 2), ("Immobile", 1)],
                ),
                choice(
                    "Incontinence",
                    None,
                    &[("Aucune", 4), ("Occasionnelle", 3), ("Urinaire", 2), ("Urinaire et fécale", 1)],
                ),
            ],
        },
        FormKind::Algoplus => ScaleForm {
            kind,
            name: "Algoplus",
            purpose: "Douleur aiguë de la personne qui ne peut pas l'exprimer",
            guidance: "Observer pendant les soins ou la mobilisation. 2 « oui » ou plus : douleur probable, à traiter et réévaluer.",
            items: vec![
                yes_no("Visage", "Froncement des sourcils, grimaces, crispation, mâchoires serrées, visage figé"),
                yes_no("Regard", "Regard inattentif, fixe, lointain ou suppliant, pleurs, yeux fermés"),
                yes_no("Plaintes", "« Aïe », « Ouille », « J'ai mal », gémissements, cris"),
                yes_no("Corps", "Retrait ou protection d'une zone, refus de mobilisation, attitudes figées"),
                yes_no("Comportements", "Agitation ou agressivité, agrippement"),
            ],
        },
        FormKind::Doloplus => ScaleForm {
            kind,
            name: "Doloplus",
            purpose: "Douleur chronique de la personne âgée qui ne peut pas l'exprimer",
            guidance: "À remplir en équipe, par comparaison avec l'état habituel. 5 ou plus : douleur.",
            items: vec![
                choice(
                    "Plaintes somatiques",
                    None,
                    &[
                        ("Pas de plainte", 0),
                        ("Plaintes uniquement à la sollicitation", 1),
                        ("Plaintes spontanées occasionnelles", 2),
                        ("Plaintes spontanées continues", 3),
                    ],
                ),
                choice(
                    "Positions antalgiques au repos",
                    None,
                    &[
                        ("Pas de position antalgique", 0),
                        ("Évite certaines positions de façon occasionnelle", 1),
                        ("Position antalgique permanente et efficace", 2),
                        ("Position antalgique permanente inefficace", 3),
                    ],
                ),
                choice(
                    "Protection de zones douloureuses",
                    None,
                    &[
                        ("Pas de protection", 0),
                        ("Protection à la sollicitation, les soins restent possibles", 1),
                        ("Protection à la sollicitation empêchant tout soin", 2),
                        ("Protection au repos, sans sollicitation", 3),
                    ],
                ),
                choice(
                    "Mimique",
                    None,
                    &[
                        ("Mimique habituelle", 0),
                        ("Semble exprimer la douleur à la sollicitation", 1),
                        ("Semble exprimer la douleur sans sollicitation", 2),
                        ("Regard inattentif, fixe, mimique figée, atone", 3),
                    ],
                ),
                choice(
                    "Sommeil",
                    None,
                    &[
                        ("Sommeil habituel", 0),
                        ("Difficultés d'endormissement", 1),
                        ("Réveils fréquents (agitation motrice)", 2),
                        ("Insomnie retentissant sur l'éveil", 3),
                    ],
                ),
                choice(
                    "Toilette et/ou habillage",
                    None,
                    &[
                        ("Possibilités habituelles inchangées", 0),
                        ("Légèrement diminuées (précautionneux mais complet)", 1),
                        ("Très diminuées, difficiles et partiels", 2),
                        ("Impossibles, s'oppose à toute tentative", 3),
                    ],
                ),
                choice(
                    "Mouvements",
                    None,
                    &[
                        ("Possibilités habituelles inchangées", 0),
                        ("Actives limitées (évite certains mouvements)", 1),
                        ("Actives et passives limitées, même aidé", 2),
                        ("Impossibles, s'oppose à toute mobilisation", 3),
                    ],
                ),
                choice(
                    "Communication",
                    None,
                    &[
                        ("Inchangée", 0),
                        ("Intensifiée (attire l'attention de façon inhabituelle)", 1),
                        ("Diminuée (s'isole)", 2),
                        ("Absence ou refus de toute communication", 3),
                    ],
                ),
                choice(
                    "Vie sociale",
                    None,
                    &[
                        ("Participation habituelle aux activités", 0),
                        ("Participation uniquement à la sollicitation", 1),
                        ("Refus partiel de participation", 2),
                        ("Refus de toute vie sociale", 3),
                    ],
                ),
                choice(
                    "Troubles du comportement",
                    None,
                    &[
                        ("Comportement habituel", 0),
                        ("Troubles à la sollicitation, itératifs", 1),
                        ("Troubles à la sollicitation, permanents", 2),
                        ("Troubles permanents, sans sollicitation", 3),
                    ],
                ),
            ],
        },
        FormKind::SelfReportedPain => ScaleForm {
            kind,
            name: "EN / EVA",
            purpose: "Douleur évaluée par la personne elle-même",
            guidance: "« Quelle note de 0 à 10 donnez-vous à votre douleur ? » 1–3 légère, 4–6 modérée, 7 et plus intense.",
            items: vec![
                choice("Outil", None, &[("Échelle numérique (EN)", 0), ("Échelle visuelle analogique (EVA)", 0)]),
                FormItem {
                    label: "Intensité",
                    help: Some("0 : pas de douleur ; 10 : douleur maximale imaginable"),
                    style: ItemStyle::Choice,
                    options: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
                        .into_iter()
                        .zip(0..)
                        .map(|(label, points)| FormOption { label, points })
                        .collect(),
                },
            ],
        },
        FormKind::MnaSf => ScaleForm {
            kind,
            name: "MNA-SF",
            purpose: "Dépistage de la dénutrition",
            guidance: "Score de 0 à 14 : 12–14 normal, 8–11 à risque, 0–7 dénutrition.",
            items: vec![
                choice(
                    "A. Baisse des prises alimentaires ces 3 derniers mois",
                    Some("Perte d'appétit, problèmes digestifs, difficultés de mastication ou de déglutition"),
                    &[("Baisse sévère", 0), ("Légère baisse", 1), ("Pas de baisse", 2)],
                ),
                choice(
                    "B. Perte récente de poids (moins de 3 mois)",
                    None,
                    &[("Plus de 3 kg", 0), ("Ne sait pas", 1), ("Entre 1 et 3 kg", 2), ("Pas de perte", 3)],
                ),
                choice(
                    "C. Motricité",
                    None,
                    &[("Du lit au fauteuil", 0), ("Autonome à l'intérieur", 1), ("Sort du domicile", 2)],
                ),
                choice("D. Maladie aiguë ou stress psychologique ces 3 derniers mois", None, &[("Oui", 0), ("Non", 2)]),
                choice(
                    "E. Problèmes neuropsychologiques",
                    None,
                    &[("Démence ou dépression sévère", 0), ("Démence légère", 1), ("Pas de problème", 2)],
                ),
                choice(
                    "F. IMC, ou à défaut tour de mollet",
                    Some("F1 : l'IMC en kg/m² ; F2 seulement si l'IMC ne peut pas être obtenu"),
                    &[
                        ("F1 : IMC < 19", 0),
                        ("F1 : 19 ≤ IMC < 21", 1),
                        ("F1 : 21 ≤ IMC < 23", 2),
                        ("F1 : IMC ≥ 23", 3),
                        ("F2 : tour de mollet < 31 cm", 0),
                        ("F2 : tour de mollet ≥ 31 cm", 3),
                    ],
                ),
            ],
        },
        FormKind::Aggir => ScaleForm {
            kind,
            name: "AGGIR",
            purpose: "Autonomie (GIR)",
            guidance: "Pour chaque variable, ce que la personne fait seule : Spontanément, Totalement, Correctement, Habituellement. Les quatre : A ; aucun : C ; sinon B.",
            items: vec![
                adverbs("Cohérence", "Converser et se comporter de façon sensée"),
                adverbs("Orientation", "Se repérer dans le temps, les moments de la journée et les lieux"),
                adverbs("Toilette", "Assurer son hygiène corporelle (haut et bas)"),
                adverbs("Habillage", "S'habiller, se déshabiller (haut, moyen, bas)"),
                adverbs("Alimentation", "Se servir et manger les aliments préparés"),
                adverbs("Élimination", "Assurer l'hygiène de l'élimination urinaire et fécale"),
                adverbs("Transferts", "Se lever, se coucher, s'asseoir"),
                adverbs("Déplacements à l'intérieur", "Avec ou sans canne, déambulateur, fauteuil roulant"),
                adverbs("Déplacements à l'extérieur", "À partir de la porte d'entrée, sans moyen de transport"),
                adverbs("Alerter", "Utiliser un moyen de communication à distance (téléphone, alarme)"),
            ],
        },
    }
}

/// The AGGIR modality the four adverbs give.
pub fn modality(mask: u8) -> Modality {
    match mask & 0b1111 {
        0b1111 => Modality::A,
        0 => Modality::C,
        _ => Modality::B,
    }
}

fn modality_letter(m: Modality) -> &'static str {
    match m {
        Modality::A => "A",
        Modality::B => "B",
        Modality::C => "C",
    }
}

/// Checks each answer against its item: an index past the options, or an
/// adverb mask beyond the four bits, is refused with the item named.
fn check(form: &ScaleForm, answers: &[Option<u8>]) -> Result<()> {
    if answers.len() != form.items.len() {
        return Err(DomainError::invalid("scale answers", "one answer (or none yet) per item"));
    }
    for (item, answer) in form.items.iter().zip(answers) {
        let bad = match (item.style, answer) {
            (_, None) => false,
            (ItemStyle::Choice, Some(i)) => usize::from(*i) >= item.options.len(),
            (ItemStyle::Adverbs, Some(mask)) => *mask > 0b1111,
        };
        if bad {
            return Err(DomainError::InvalidInput { field: item.label, reason: "answer out of the item's range" });
        }
    }
    Ok(())
}

/// The score as the answers come: the points so far, then the result and
/// its band once every item is answered (Norton read at `norton_threshold`).
pub fn preview(kind: FormKind, answers: &[Option<u8>], norton_threshold: u8) -> Result<FormPreview> {
    let form = form(kind);
    check(&form, answers)?;
    let answered = answers.iter().filter(|a| a.is_some()).count();
    let mut points = 0u32;
    let mut readings = Vec::with_capacity(answers.len());
    for (item, answer) in form.items.iter().zip(answers) {
        match (item.style, answer) {
            (ItemStyle::Choice, Some(i)) => {
                points += u32::from(item.options[usize::from(*i)].points);
                readings.push(None);
            }
            (ItemStyle::Adverbs, Some(mask)) => readings.push(Some(modality_letter(modality(*mask)))),
            (_, None) => readings.push(None),
        }
    }
    let items = form.items.len();
    if answered < items {
        let summary = if kind == FormKind::Aggir || kind == FormKind::SelfReportedPain {
            format!("{answered} sur {items} répondus")
        } else {
            format!("{answered} sur {items} répondus : {points} points pour l'instant")
        };
        return Ok(FormPreview {
            answered,
            items,
            points_so_far: points,
            readings,
            summary,
            complete: false,
            positive: false,
        });
    }
    let (summary, positive) = match to_record(kind, answers)? {
        FormRecord::Scale(a) => {
            let r = a.evaluate(norton_threshold)?;
            (r.summary_fr, r.positive)
        }
        FormRecord::Pain { score, tool } => {
            let band = self_reported_pain(score)?;
            (pain_summary(tool, score, band), band >= PainIntensity::Moderate)
        }
    };
    Ok(FormPreview { answered, items, points_so_far: points, readings, summary, complete: true, positive })
}

fn pain_summary(tool: &str, score: f64, band: PainIntensity) -> String {
    let label = match band {
        PainIntensity::None => "pas de douleur",
        PainIntensity::Mild => "douleur légère",
        PainIntensity::Moderate => "douleur modérée",
        PainIntensity::Severe => "douleur intense",
    };
    format!("{tool} {score}/10 : {label}")
}

/// What a complete form records; an unanswered item is refused by name.
pub fn to_record(kind: FormKind, answers: &[Option<u8>]) -> Result<FormRecord> {
    let form = form(kind);
    check(&form, answers)?;
    let mut values = Vec::with_capacity(answers.len());
    for (item, answer) in form.items.iter().zip(answers) {
        match answer {
            Some(v) => values.push(*v),
            None => return Err(DomainError::InvalidInput { field: item.label, reason: "not answered" }),
        }
    }
    let pts = |i: usize| form.items[i].options[usize::from(values[i])].points;
    Ok(match kind {
        FormKind::Braden => FormRecord::Scale(ScaleAnswers::Braden(Braden {
            sensory_perception: pts(0),
            moisture: pts(1),
            activity: pts(2),
            mobility: pts(3),
            nutrition: pts(4),
            friction_shear: pts(5),
        })),
        FormKind::Norton => FormRecord::Scale(ScaleAnswers::Norton(Norton {
            physical_condition: pts(0),
            mental_condition: pts(1),
            activity: pts(2),
            mobility: pts(3),
            incontinence: pts(4),
        })),
        FormKind::Algoplus => FormRecord::Scale(ScaleAnswers::Algoplus(std::array::from_fn(|i| pts(i) == 1))),
        FormKind::Doloplus => FormRecord::Scale(ScaleAnswers::Doloplus(std::array::from_fn(pts))),
        FormKind::SelfReportedPain => {
            FormRecord::Pain { score: f64::from(pts(1)), tool: if values[0] == 0 { "EN" } else { "EVA" } }
        }
        FormKind::MnaSf => {
            // F: the first four answers are F1 (BMI), the last two F2 (calf).
            let bmi = values[5] < 4;
            FormRecord::Scale(ScaleAnswers::MnaSf(MnaSf {
                food_intake_decline: pts(0),
                weight_loss: pts(1),
                mobility: pts(2),
                psychological_stress_or_acute_disease: pts(3),
                neuropsychological_problems: pts(4),
                bmi_item: bmi.then(|| pts(5)),
                calf_circumference_item: (!bmi).then(|| pts(5)),
            }))
        }
        FormKind::Aggir => {
            let m = |i: usize| modality(values[i]);
            FormRecord::Scale(ScaleAnswers::Aggir(AggirGrid {
                coherence: m(0),
                orientation: m(1),
                toilette: m(2),
                habillage: m(3),
                alimentation: m(4),
                elimination: m(5),
                transferts: m(6),
                deplacement_interieur: m(7),
                deplacement_exterieur: m(8),
                communication: m(9),
            }))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(kind: FormKind, i: u8) -> Vec<Option<u8>> {
        vec![Some(i); form(kind).items.len()]
    }

    #[test]
    fn every_form_scores_as_its_scale() {
        // The worst answer everywhere (first option of each Braden item).
        let b = preview(FormKind::Braden, &all(FormKind::Braden, 0), 14).unwrap();
        assert_eq!((b.complete, b.positive), (true, true));
        assert_eq!(b.summary, "Braden 6/23 : risque très élevé d'escarre");
        let b = preview(FormKind::Braden, &[Some(3), Some(3), Some(3), Some(3), Some(3), Some(2)], 14).unwrap();
        assert_eq!(b.summary, "Braden 23/23 : pas de risque d'escarre");
        // Norton lists its best answer first.
        let n = preview(FormKind::Norton, &all(FormKind::Norton, 0), 14).unwrap();
        assert_eq!((n.summary.as_str(), n.positive), ("Norton 20/20 : pas de risque d'escarre", false));
        let a = preview(FormKind::Algoplus, &[Some(1), Some(1), Some(0), Some(0), Some(0)], 14).unwrap();
        assert_eq!((a.summary.as_str(), a.positive), ("Algoplus 2/5 : douleur probable", true));
        let d = preview(FormKind::Doloplus, &all(FormKind::Doloplus, 0), 14).unwrap();
        assert!(!d.positive);
        let p = preview(FormKind::SelfReportedPain, &[Some(0), Some(6)], 14).unwrap();
        assert_eq!((p.summary.as_str(), p.positive), ("EN 6/10 : douleur modérée", true));
        let m = preview(FormKind::MnaSf, &[Some(2), Some(3), Some(2), Some(1), Some(2), Some(5)], 14).unwrap();
        assert_eq!(m.summary, "MNA-SF 14/14 : état nutritionnel normal");
        let g = preview(FormKind::Aggir, &all(FormKind::Aggir, 0), 14).unwrap();
        assert_eq!((g.summary.as_str(), g.positive), ("AGGIR : GIR 1", true));
        assert_eq!(g.readings[0], Some("C"));
        let g = preview(FormKind::Aggir, &all(FormKind::Aggir, 0b1111), 14).unwrap();
        assert_eq!(g.summary, "AGGIR : GIR 6");
    }

    #[test]
    fn partial_forms_count_and_never_score() {
        let mut answers = vec![None; 6];
        answers[0] = Some(1);
        answers[1] = Some(2);
        let p = preview(FormKind::Braden, &answers, 14).unwrap();
        assert_eq!((p.answered, p.points_so_far, p.complete), (2, 5, false));
        assert_eq!(p.summary, "2 sur 6 répondus : 5 points pour l'instant");
        assert!(matches!(
            to_record(FormKind::Braden, &answers),
            Err(DomainError::InvalidInput { field: "Humidité", .. }
                | DomainError::InvalidInput { field: "Activité", .. })
        ));
    }

    #[test]
    fn answers_beyond_an_item_are_refused_by_name() {
        let mut answers = all(FormKind::Braden, 0);
        answers[5] = Some(3); // friction has three answers
        assert!(matches!(
            preview(FormKind::Braden, &answers, 14),
            Err(DomainError::InvalidInput { field: "Friction et cisaillement", .. })
        ));
        let mut g = all(FormKind::Aggir, 0);
        g[2] = Some(16);
        assert!(preview(FormKind::Aggir, &g, 14).is_err());
        assert!(preview(FormKind::Norton, &[Some(0)], 14).is_err(), "one answer per item");
    }

    #[test]
    fn adverbs_read_as_modalities() {
        assert_eq!(modality(0b1111), Modality::A);
        assert_eq!(modality(0), Modality::C);
        for mask in 1..15 {
            assert_eq!(modality(mask), Modality::B);
        }
    }

    #[test]
    fn mna_item_f_takes_the_bmi_or_the_calf() {
        let base = [Some(2), Some(3), Some(2), Some(1), Some(2)];
        let rec = |f: u8| {
            let mut a = base.to_vec();
            a.push(Some(f));
            match to_record(FormKind::MnaSf, &a).unwrap() {
                FormRecord::Scale(ScaleAnswers::MnaSf(m)) => (m.bmi_item, m.calf_circumference_item),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(rec(2), (Some(2), None));
        assert_eq!(rec(4), (None, Some(0)));
        assert_eq!(rec(5), (None, Some(3)));
    }
}
