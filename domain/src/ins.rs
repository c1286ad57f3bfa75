//! INS, the Identité Nationale de Santé (ANS rules, RNIV).
//!
//! The matricule is a NIR or NIA: 13 characters plus a 2-digit key,
//! key = 97 − (the 13 digits mod 97), with Corsica's departments 2A and 2B
//! read as 19 and 18. Four exclusive statuses say how far an identity can be
//! trusted; the matricule may leave the device only for a qualified identity,
//! and the traits of a RECUP or QUAL identity come from INSi and are read-only.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

/// OID of the INS-NIR identifier system.
pub const OID_INS_NIR: &str = "1.2.250.1.213.1.4.8";
/// OID of the INS-NIA (temporary, assigned by INSEE while the NIR is pending).
pub const OID_INS_NIA: &str = "1.2.250.1.213.1.4.9";
/// OID of test INS-NIR (qualification environments).
pub const OID_INS_NIR_TEST: &str = "1.2.250.1.213.1.4.10";
/// OID of demonstration INS-NIR.
pub const OID_INS_NIR_DEMO: &str = "1.2.250.1.213.1.4.11";

/// Which identifier system a matricule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InsSystem {
    Nir,
    Nia,
    NirTest,
    NirDemo,
}

impl InsSystem {
    pub fn oid(self) -> &'static str {
        match self {
            InsSystem::Nir => OID_INS_NIR,
            InsSystem::Nia => OID_INS_NIA,
            InsSystem::NirTest => OID_INS_NIR_TEST,
            InsSystem::NirDemo => OID_INS_NIR_DEMO,
        }
    }

    /// The identifier type as FR Core names it.
    pub fn type_code(self) -> &'static str {
        match self {
            InsSystem::Nir => "INS-NIR",
            InsSystem::Nia => "INS-NIA",
            InsSystem::NirTest => "INS-NIR-TEST",
            InsSystem::NirDemo => "INS-NIR-DEMO",
        }
    }

    pub fn from_oid(oid: &str) -> Result<Self> {
        match oid {
            OID_INS_NIR => Ok(InsSystem::Nir),
            OID_INS_NIA => Ok(InsSystem::Nia),
            OID_INS_NIR_TEST => Ok(InsSystem::NirTest),
            OID_INS_NIR_DEMO => Ok(InsSystem::NirDemo),
            _ => Err(DomainError::InvalidIns("unknown identifier system OID")),
        }
    }
}

/// A matricule INS whose format and key have been checked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Matricule(String);

impl Matricule {
    /// Checks a 15-character matricule (spaces allowed, as printed on cards).
    pub fn parse(input: &str) -> Result<Self> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if s.len() != 15 || !s.is_ascii() {
            return Err(DomainError::InvalidIns("a matricule has 13 characters and a 2-digit key"));
        }
        let (body, key) = s.split_at(13);
        if !matches!(body.as_bytes()[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
            return Err(DomainError::InvalidIns("first character must be a sex code (1-4, 7, 8)"));
        }
        // Corsica: departments 2A and 2B stand in positions 6-7 and count as 19 and 18.
        let numeric = match &body[5..7] {
            "2A" => format!("{}19{}", &body[..5], &body[7..]),
            "2B" => format!("{}18{}", &body[..5], &body[7..]),
            _ => body.to_owned(),
        };
        if !numeric.bytes().all(|b| b.is_ascii_digit()) || !key.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::InvalidIns("only digits, or 2A/2B for the department"));
        }
        let n: u64 = numeric.parse().map_err(|_| DomainError::InvalidIns("not a number"))?;
        let expected = 97 - (n % 97);
        let given: u64 = key.parse().map_err(|_| DomainError::InvalidIns("key is not a number"))?;
        if given != expected {
            return Err(DomainError::InvalidIns("control key does not match"));
        }
        Ok(Matricule(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Grouped as on a carte Vitale: sex, year, month, department, commune, order, key.
    pub fn grouped(&self) -> String {
        let s = &self.0;
        [&s[0..1], &s[1..3], &s[3..5], &s[5..7], &s[7..10], &s[10..13], &s[13..15]].join(" ")
    }
}

impl TryFrom<String> for Matricule {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self> {
        Matricule::parse(&s)
    }
}

impl From<Matricule> for String {
    fn from(m: Matricule) -> String {
        m.0
    }
}

/// Never print a matricule: it identifies a person.
impl std::fmt::Debug for Matricule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Matricule(***)")
    }
}

/// Identity status (RNIV): four exclusive levels of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityStatus {
    /// PROV: not from INSi, not checked against a document.
    Provisional,
    /// VALI: checked against a high-trust document, not from INSi.
    Validated,
    /// RECUP: retrieved from INSi, not checked against a document.
    Recovered,
    /// QUAL: retrieved from INSi and checked against a high-trust document.
    Qualified,
}

impl IdentityStatus {
    pub fn code(self) -> &'static str {
        match self {
            IdentityStatus::Provisional => "PROV",
            IdentityStatus::Validated => "VALI",
            IdentityStatus::Recovered => "RECUP",
            IdentityStatus::Qualified => "QUAL",
        }
    }

    /// The status as the RNIV names it on screens and documents.
    pub fn label_fr(self) -> &'static str {
        match self {
            IdentityStatus::Provisional => "Identité provisoire",
            IdentityStatus::Validated => "Identité validée",
            IdentityStatus::Recovered => "Identité récupérée",
            IdentityStatus::Qualified => "Identité qualifiée",
        }
    }

    /// Traits that came from INSi may not be edited on the device.
    pub fn traits_read_only(self) -> bool {
        matches!(self, IdentityStatus::Recovered | IdentityStatus::Qualified)
    }
}

/// How the identity was collected (FR Core identity method collection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CollectionMethod {
    /// SM: typed in by hand.
    Manual,
    /// CV: read from the carte Vitale.
    CarteVitale,
    /// INSI: INSi teleservice queried by traits.
    Insi,
    /// CB: INS Datamatrix scanned from a document carrying a qualified identity.
    Datamatrix,
    /// RFID: bracelet.
    Rfid,
    /// AV: appli carte Vitale (QR/NFC).
    AppliCarteVitale,
}

impl CollectionMethod {
    pub fn code(self) -> &'static str {
        match self {
            CollectionMethod::Manual => "SM",
            CollectionMethod::CarteVitale => "CV",
            CollectionMethod::Insi => "INSI",
            CollectionMethod::Datamatrix => "CB",
            CollectionMethod::Rfid => "RFID",
            CollectionMethod::AppliCarteVitale => "AV",
        }
    }
}

/// Administrative sex as the INS traits carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

impl Sex {
    pub fn label_fr(self) -> &'static str {
        match self {
            Sex::Female => "Féminin",
            Sex::Male => "Masculin",
            Sex::Unknown => "Indéterminé",
        }
    }
}

/// The INS identity traits (traits stricts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityTraits {
    pub birth_name: String,
    pub first_birth_given_name: String,
    /// All birth given names, space-separated, in civil-status order.
    pub birth_given_names: String,
    pub sex: Sex,
    pub birth_date: Date,
    /// INSEE code of the birth place (commune, or 99xxx for a country).
    pub birth_place_insee: Option<String>,
}

/// A resident's identity: traits, optional INS, status and how it was collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub traits: IdentityTraits,
    pub matricule: Option<Matricule>,
    pub system: Option<InsSystem>,
    pub status: IdentityStatus,
    pub collection: CollectionMethod,
    /// Name used day to day (nom utilisé), shown on screens when present.
    pub used_name: Option<String>,
    pub used_given_name: Option<String>,
}

impl Identity {
    /// Checks the rules that tie status, matricule and traits together.
    pub fn validate(&self) -> Result<()> {
        let t = &self.traits;
        if t.birth_name.trim().is_empty() || t.first_birth_given_name.trim().is_empty() {
            return Err(DomainError::invalid("identity", "birth name and first given name are required"));
        }
        // The first given name may itself be compound ("Jean Pierre"): compare first words.
        if t.birth_given_names.split_whitespace().next() != t.first_birth_given_name.split_whitespace().next() {
            return Err(DomainError::invalid("identity", "the given-names list must start with the first given name"));
        }
        if let Some(code) = &t.birth_place_insee
            && (code.len() != 5 || !code.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(DomainError::invalid("birth_place_insee", "an INSEE code has 5 characters"));
        }
        match (&self.matricule, self.system) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(DomainError::InvalidIns("a matricule needs its identifier system and vice versa"));
            }
            _ => {}
        }
        if self.status.traits_read_only() && self.matricule.is_none() {
            return Err(DomainError::InvalidIns("RECUP and QUAL identities come from INSi with a matricule"));
        }
        if self.status.traits_read_only() && t.birth_place_insee.is_none() {
            return Err(DomainError::InvalidIns("INSi identities carry the birth place code"));
        }
        Ok(())
    }

    /// The matricule and its OID, only when the identity may be shared (QUAL).
    pub fn exportable_ins(&self) -> Option<(&Matricule, &'static str)> {
        match (self.status, &self.matricule, self.system) {
            (IdentityStatus::Qualified, Some(m), Some(sys)) => Some((m, sys.oid())),
            _ => None,
        }
    }

    /// The INS as a screen may show it: only for a qualified identity (RNIV),
    /// with its type ("INS-NIR 1 36 03 75 112 005 42").
    pub fn ins_shown(&self) -> Option<String> {
        match (self.status, &self.matricule, self.system) {
            (IdentityStatus::Qualified, Some(m), Some(sys)) => Some(format!("{} {}", sys.type_code(), m.grouped())),
            _ => None,
        }
    }

    /// The name to show: used name if set, else birth name, with the given name.
    pub fn display_name(&self) -> String {
        let family = self.used_name.as_deref().unwrap_or(&self.traits.birth_name);
        let given = self.used_given_name.as_deref().unwrap_or(&self.traits.first_birth_given_name);
        format!("{} {}", family.to_uppercase(), given)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a valid matricule from its 13-character body.
    pub fn with_key(body: &str) -> String {
        let numeric = body.replace("2A", "19").replace("2B", "18");
        let n: u64 = numeric.parse().unwrap();
        format!("{body}{:02}", 97 - n % 97)
    }

    #[test]
    fn published_example_and_spacing() {
        // python-stdnum's published example, as printed with spaces.
        assert!(Matricule::parse("2 95 10 99 126 111 93").is_ok());
        assert!(Matricule::parse("2 95 10 99 126 111 94").is_err());
        let m = with_key("1550775123456");
        assert!(Matricule::parse(&m).is_ok());
        assert!(Matricule::parse(&format!("{} {} {}", &m[..1], &m[1..5], &m[5..])).is_ok());
    }

    #[test]
    fn key_edges() {
        let good = with_key("2840763220123");
        let key: u32 = good[13..].parse().unwrap();
        for wrong in [key + 1, key - 1] {
            let bad = format!("{}{:02}", &good[..13], wrong % 100);
            assert!(matches!(Matricule::parse(&bad), Err(DomainError::InvalidIns(_))));
        }
        // Key 97 happens when the body is a multiple of 97.
        let body = (1_000_000_000_000u64..).find(|n| n % 97 == 0).unwrap();
        assert!(Matricule::parse(&format!("{body}97")).is_ok());
    }

    #[test]
    fn corsica_departments() {
        let a = with_key("145072A004012");
        let b = with_key("245072B004012");
        assert!(Matricule::parse(&a).is_ok());
        assert!(Matricule::parse(&b).is_ok());
        // The key of 2A computed as if it were 19 must not validate 2B.
        let swapped = format!("{}2B{}", &a[..5], &a[7..]);
        assert!(Matricule::parse(&swapped).is_err());
        assert!(Matricule::parse(&with_key("1450719004012").replace("19", "2C")).is_err());
    }

    #[test]
    fn malformed_matricules() {
        for bad in ["", "12345", "9450775123456xx", "155077512345678901", "5550775123456 00", "1550775ABC45600"] {
            assert!(Matricule::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn debug_hides_the_matricule() {
        let m = Matricule::parse(&with_key("1550775123456")).unwrap();
        assert!(!format!("{m:?}").contains("155"));
    }

    pub fn traits() -> IdentityTraits {
        IdentityTraits {
            birth_name: "Martin".into(),
            first_birth_given_name: "Jeanne".into(),
            birth_given_names: "Jeanne Marie".into(),
            sex: Sex::Female,
            birth_date: jiff::civil::date(1938, 4, 2),
            birth_place_insee: Some("75056".into()),
        }
    }

    #[test]
    fn status_rules() {
        let m = Matricule::parse(&with_key("2380475056012")).unwrap();
        let qual = Identity {
            traits: traits(),
            matricule: Some(m.clone()),
            system: Some(InsSystem::Nir),
            status: IdentityStatus::Qualified,
            collection: CollectionMethod::Insi,
            used_name: None,
            used_given_name: None,
        };
        qual.validate().unwrap();
        assert_eq!(qual.exportable_ins().map(|(_, oid)| oid), Some(OID_INS_NIR));
        let grouped = qual.ins_shown().unwrap();
        assert!(grouped.starts_with("INS-NIR 2 38 04 75 056 012 "), "{grouped}");
        let recup = Identity { status: IdentityStatus::Recovered, ..qual.clone() };
        assert!(recup.exportable_ins().is_none());
        // The RNIV shows the INS of a qualified identity only.
        assert_eq!(recup.ins_shown(), None);
        assert!(recup.status.traits_read_only());
        let no_ins = Identity { matricule: None, system: None, ..qual.clone() };
        assert!(no_ins.validate().is_err());
        let prov = Identity { status: IdentityStatus::Provisional, ..no_ins };
        prov.validate().unwrap();
        assert!(!prov.status.traits_read_only());
    }
}
