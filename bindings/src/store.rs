//! The device store: open and close, the areas it hands out (one per file:
//! sessions, records, rounds…), its units, photos and exports. Each method
//! forwards to chevet-core; records cross as plain data with typed ids
//! (`ids.rs`) and times as milliseconds since the epoch.

use std::sync::{Arc, OnceLock, RwLock};

use chevet_core::StoreOptions;
use chevet_core::clinical::alerts::AlertLevel;
use chevet_core::domain::{PhotoConsent, new_record_id};
use chevet_core::store::{PhotoCapture, PhotoRendition};
use jiff::Timestamp;

use crate::error::ChevetError;
use crate::ids::{PhotoId, RecordId, ResidentId, UnitId, WoundId};
use crate::round::RoundResidentInfo;
use crate::vault::{AppVault, KeyVault};

type Result<T> = std::result::Result<T, ChevetError>;

/// One area of the store, said once: its object, the store's accessor that
/// hands out the same one each time, and its way back to the core. The area
/// holds the store weakly, so the store is not kept alive by its own parts.
macro_rules! store_area {
    ($(#[$doc:meta])* $area:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(uniffi::Object)]
        pub struct $area {
            store: std::sync::Weak<$crate::store::ChevetStore>,
        }

        #[uniffi::export]
        impl ChevetStore {
            pub fn $accessor(self: std::sync::Arc<Self>) -> std::sync::Arc<$area> {
                self.areas
                    .$accessor
                    .get_or_init(|| std::sync::Arc::new($area { store: std::sync::Arc::downgrade(&self) }))
                    .clone()
            }
        }

        impl $area {
            #[allow(dead_code)]
            pub(crate) fn store(
                &self,
            ) -> std::result::Result<std::sync::Arc<$crate::store::ChevetStore>, $crate::error::ChevetError> {
                self.store.upgrade().ok_or($crate::error::ChevetError::Closed)
            }

            pub(crate) fn core(
                &self,
            ) -> std::result::Result<std::sync::Arc<chevet_core::Store>, $crate::error::ChevetError> {
                self.store()?.core()
            }
        }
    };
}
pub(crate) use store_area;

pub(crate) fn ts(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms)
        .map_err(|_| ChevetError::InvalidInput { field: "time".into(), reason: "out of range".into() })
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AlertInfo {
    pub level: AlertLevel,
    /// The level in a word (« Urgent », « À surveiller »).
    pub word: String,
    /// Why it fired, in French.
    pub why: String,
    /// What to do, by the rule that raised it (« Prévenir l'IDE »).
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitInfo {
    pub unit_id: UnitId,
    pub name: String,
    /// IANA name, e.g. "Europe/Paris".
    pub time_zone: String,
    /// A home-care service (SSIAD): the unit is a sector with routes of home visits.
    pub home_care: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhotoInfo {
    pub photo_id: PhotoId,
    pub display_width: u32,
    pub display_height: u32,
    pub thumbnail_width: u32,
    pub thumbnail_height: u32,
}

/// What the care worker states when taking a photo.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PhotoCaptureInfo {
    pub resident_id: ResidentId,
    pub wound_id: WoundId,
    pub assessment_id: Option<RecordId>,
    pub body_site: String,
    /// A measuring scale (réglette) is in the frame.
    pub scale_marker: bool,
    /// Consent given by the legal representative or personne de confiance.
    pub consent_by_representative: bool,
    pub taken_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Rendition {
    Display,
    Thumbnail,
}

/// An open device store. Closing it (Kotlin `close()`, `use {}`) releases
/// the database; calls after that get [`ChevetError::Closed`].
#[derive(uniffi::Object)]
pub struct ChevetStore {
    inner: RwLock<Option<Arc<chevet_core::Store>>>,
    /// The store's areas (`store.records()`, `store.rounds()`…), made once:
    /// an app calls them for every action, and each call hands back the same
    /// object. They hold the store weakly, so the store is not kept alive by
    /// its own parts.
    pub(crate) areas: Areas,
}

#[derive(Default)]
pub(crate) struct Areas {
    pub(crate) sessions: OnceLock<Arc<crate::session::Sessions>>,
    pub(crate) records: OnceLock<Arc<crate::records::Records>>,
    pub(crate) residents: OnceLock<Arc<crate::residents::Residents>>,
    pub(crate) care_plan: OnceLock<Arc<crate::care_plan::CarePlan>>,
    pub(crate) rounds: OnceLock<Arc<crate::round::Rounds>>,
    pub(crate) medication: OnceLock<Arc<crate::medicine::Medication>>,
    pub(crate) home_care: OnceLock<Arc<crate::route::HomeCare>>,
    pub(crate) scales: OnceLock<Arc<crate::scales::Scales>>,
    pub(crate) vitals: OnceLock<Arc<crate::vital_set::Vitals>>,
    pub(crate) transfers: OnceLock<Arc<crate::transfer::Transfers>>,
    pub(crate) handovers: OnceLock<Arc<crate::handover::Handovers>>,
    pub(crate) hub: OnceLock<Arc<crate::sync::Hub>>,
}

impl ChevetStore {
    pub(crate) fn core(&self) -> Result<Arc<chevet_core::Store>> {
        self.inner.read().map_err(|_| ChevetError::Closed)?.clone().ok_or(ChevetError::Closed)
    }
}

#[uniffi::export]
impl ChevetStore {
    /// Opens the store at `path`, creating it (and its device key, wrapped
    /// by `vault`) the first time.
    #[uniffi::constructor]
    pub fn open(path: String, vault: Arc<dyn KeyVault>) -> Result<Arc<ChevetStore>> {
        let store = chevet_core::Store::open(&path, &AppVault(vault), StoreOptions::default())?;
        Ok(Arc::new(ChevetStore { inner: RwLock::new(Some(Arc::new(store))), areas: Areas::default() }))
    }

    /// Closes the database now rather than when the object is collected.
    pub fn close_store(&self) {
        if let Ok(mut guard) = self.inner.write() {
            guard.take();
        }
    }

    pub fn device_id(&self) -> Result<String> {
        Ok(self.core()?.device_id().to_string())
    }

    /// The units this tablet serves, by name, with their establishment's
    /// time zone (the round's times are read in it).
    pub fn units(&self) -> Result<Vec<UnitInfo>> {
        let store = self.core()?;
        store
            .units()?
            .into_iter()
            .map(|u| {
                let e = store.establishment(u.establishment_id)?;
                Ok(UnitInfo {
                    unit_id: u.id.into(),
                    name: u.name,
                    time_zone: e.time_zone,
                    home_care: e.kind == chevet_core::domain::EstablishmentKind::Ssiad,
                })
            })
            .collect()
    }

    /// Residents of a unit with alerts (id and alerts), in room order.
    pub fn unit_alerts(&self, unit_id: UnitId) -> Result<Vec<RoundResidentInfo>> {
        let store = self.core()?;
        let found = store.unit_alerts(unit_id.0)?;
        Ok(found
            .into_iter()
            .map(|(id, alerts)| RoundResidentInfo {
                resident_id: id.into(),
                display_name: String::new(),
                room: String::new(),
                items: Vec::new(),
                alerts: alerts.into_iter().map(alert).collect(),
            })
            .collect())
    }

    /// Takes a wound photo from the camera's JPEG or PNG bytes.
    pub fn ingest_photo(&self, capture: PhotoCaptureInfo, camera_bytes: Vec<u8>) -> Result<PhotoInfo> {
        let capture = PhotoCapture {
            resident_id: capture.resident_id.0,
            wound_id: capture.wound_id.0,
            assessment_id: capture.assessment_id.map(|a| a.0),
            body_site: capture.body_site,
            scale_marker: capture.scale_marker,
            consent: if capture.consent_by_representative {
                PhotoConsent::Representative
            } else {
                PhotoConsent::Resident
            },
            taken_at: ts(capture.taken_at_ms)?,
        };
        let p = self.core()?.ingest_photo(capture, &camera_bytes)?;
        Ok(PhotoInfo {
            photo_id: p.id.into(),
            display_width: p.display.width,
            display_height: p.display.height,
            thumbnail_width: p.thumbnail.width,
            thumbnail_height: p.thumbnail.height,
        })
    }

    /// A photo's JPEG (display or thumbnail), decrypted and verified.
    pub fn photo_image(&self, photo_id: PhotoId, rendition: Rendition) -> Result<Vec<u8>> {
        let r = match rendition {
            Rendition::Display => PhotoRendition::Display,
            Rendition::Thumbnail => PhotoRendition::Thumbnail,
        };
        Ok(self.core()?.photo_image(photo_id.0, r)?)
    }

    /// Opens a wound file for a resident on the establishment's day of
    /// `opened_on_ms`; returns the wound's id.
    pub fn open_wound(
        &self,
        resident_id: ResidentId,
        kind: chevet_core::domain::WoundKind,
        site: String,
        opened_on_ms: i64,
    ) -> Result<WoundId> {
        let store = self.core()?;
        let resident_id = resident_id.0;
        let (resident, _) = store.resident(resident_id)?;
        let opened = ts(opened_on_ms)?.to_zoned_datetime(store.unit_time_zone(resident.unit_id)?).date();
        let wound = chevet_core::domain::Wound {
            id: new_record_id(),
            resident_id,
            kind,
            site,
            stage: None,
            opened_on: opened,
            healed_on: None,
        };
        store.save_wound(&wound, None)?;
        Ok(wound.id.into())
    }

    /// The resident's record as a FHIR R4 Bundle (JSON).
    pub fn export_fhir(&self, resident_id: ResidentId) -> Result<String> {
        Ok(self.core()?.export_fhir(resident_id.0, Default::default())?)
    }
}

pub(crate) fn alert(a: chevet_core::clinical::alerts::Alert) -> AlertInfo {
    AlertInfo {
        level: a.level,
        word: a.level.label_fr().to_owned(),
        why: a.why,
        action: a.action.label_fr().to_owned(),
    }
}
